#!/usr/bin/env python3
"""The course (docs/course/README.md): build the Transformer yourself, lesson by lesson.

The lessons are cut from the library's own source. A region of a source file between the lines
    // lesson N begin: what to write
    // lesson N end
is lesson N's solution. A learner's workspace is a copy of the project in which every region is
replaced by a TODO that compiles and throws; each lesson is checked by the project's own tests.

  scripts/course.py start DIR        write a learner's workspace in DIR (then cd DIR)
  scripts/course.py check N          in a workspace: build it and run lesson N's checks
  scripts/course.py list             the lessons, their pages and checks
  scripts/course.py verify N [--build DIR]
      for ctest (label course): in one check workspace under DIR, the regions of lesson N and
      of every later lesson as TODOs (where a learner starting lesson N stands) fail lesson N's
      check and no earlier lesson's; verify 0: with the solutions, every lesson's check passes
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Each lesson: its page, what it asks for, and its check: test files of the project's suite (doctest's
# --source-file filter) and, where a file tests more than the lesson, the names of its cases
# (--test-case; no commas in a pattern).
LESSONS = {
    1: {"page": "docs/course/01-elementwise-op.md", "title": "an elementwise op and its backward",
        "tests": ["tests/autograd/test_binary.cpp"]},
    2: {"page": "docs/course/02-matmul-backward.md", "title": "matmul's backward",
        "tests": ["tests/autograd/test_matmul.cpp"]},
    3: {"page": "docs/course/03-softmax-cross-entropy.md", "title": "softmax and cross-entropy with ignored pad",
        "tests": ["tests/autograd/test_softmax.cpp", "tests/autograd/test_cross_entropy.cpp"]},
    4: {"page": "docs/course/04-linear-embedding-positions.md", "title": "Linear, Embedding, positional encoding",
        "tests": ["tests/nn/test_layers.cpp"], "cases": ["Linear:*", "Embedding:*", "PositionalEncoding:*"]},
    5: {"page": "docs/course/05-attention.md", "title": "scaled dot-product attention with masks",
        "tests": ["tests/autograd/test_attention.cpp"]},
    6: {"page": "docs/course/06-multi-head-attention.md", "title": "multi-head attention",
        "tests": ["tests/nn/test_attention.cpp"]},
    7: {"page": "docs/course/07-layer-norm.md", "title": "layer norm: the forward and the backward derivation",
        "tests": ["tests/autograd/test_layer_norm.cpp"]},
    8: {"page": "docs/course/08-encoder-decoder-layers.md", "title": "the encoder and decoder layers",
        "tests": ["tests/nn/test_transformer.cpp", "tests/nn/test_parity.cpp"],
        "cases": ["EncoderLayer and DecoderLayer*", "parity: logits*"]},
    9: {"page": "docs/course/09-training-step.md", "title": "the training step: clipping and Adam",
        "tests": ["tests/train/optim/test_optimizer.cpp"]},
    10: {"page": "docs/course/10-greedy-decoding.md", "title": "greedy decoding with a key/value cache",
         "tests": ["tests/train/translate/test_decode.cpp"]},
}

# The folders and files a workspace holds (everything the build and the checks read).
COPIED = ["CMakeLists.txt", "cmake", "autograd", "nn", "data", "train", "tests", "examples", "bench", "configs",
          "docs", "scripts", "tools", "fuzz", "README.md"]
BEGIN = re.compile(r"^(\s*)// lesson (\d+) begin: (.*)$")
END = re.compile(r"^\s*// lesson (\d+) end$")
SOURCES = (".cpp", ".h")


def fail(message):
    print(f"course: {message}", file=sys.stderr)
    sys.exit(2)


def regions(text, path):
    """(lesson, indent, what, first line, last line) of every marked region, 0-based lines of the markers."""
    found, open_at = [], None
    lines = text.split("\n")
    for i, line in enumerate(lines):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if open_at:
                fail(f"{path}:{i + 1}: lesson {begin.group(2)} begins inside lesson {open_at[0]}'s region")
            open_at = (int(begin.group(2)), begin.group(1), begin.group(3), i)
        elif end:
            if not open_at or int(end.group(1)) != open_at[0]:
                fail(f"{path}:{i + 1}: 'lesson {end.group(1)} end' closes no region of that lesson")
            found.append((*open_at, i))
            open_at = None
    if open_at:
        fail(f"{path}:{open_at[3] + 1}: lesson {open_at[0]}'s region is never closed")
    return found


def todo(lesson, indent, what):
    page = LESSONS[lesson]["page"]
    return [f"{indent}// TODO lesson {lesson}: {what} ({page})",
            f'{indent}throw ::mt::Error("TODO lesson {lesson}: {what} ({page})");']


def cut(text, path, switched):
    """The text with every region replaced by its TODO; with `switched`, by both, chosen at
    compile time by MT_COURSE_TODO (course_todo.h): where it is N, the TODOs of lesson N and of
    every later lesson (a learner about to write lesson N), and where it is 0 the solutions."""
    found = regions(text, path)
    if not found:
        return text
    lines = text.split("\n")
    out, at = [], 0
    for lesson, indent, what, first, last in found:
        if lesson not in LESSONS:
            fail(f"{path}:{first + 1}: lesson {lesson} is not in scripts/course.py's LESSONS")
        out += lines[at:first]
        if switched:
            out += [f"#if MT_COURSE_TODO && MT_COURSE_TODO <= {lesson}", *todo(lesson, indent, what), "#else",
                    *lines[first + 1:last], "#endif"]
        else:
            out += todo(lesson, indent, what)
        at = last + 1
    out += lines[at:]
    if '#include "autograd/check.h"' not in text:  # mt::Error, for the TODOs
        first_include = next(i for i, line in enumerate(out) if line.startswith("#include"))
        out.insert(first_include + 1, '#include "autograd/check.h"')
    if switched:
        out.insert(0, '#include "course_todo.h"  // MT_COURSE_TODO: the lesson whose TODOs are compiled in')
    return "\n".join(out)


def write_if_changed(path, text):
    """Writes `text` unless the file holds it already (so make rebuilds only what changed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_text() == text:
        return False
    path.write_text(text)
    return True


def copy_tree(target, switched):
    """Copies the project into `target`, cutting the marked regions; returns the lessons it found."""
    lessons = set()
    for name in COPIED:
        source = ROOT / name
        files = [source] if source.is_file() else [p for p in source.rglob("*") if p.is_file()]
        for p in files:
            if "__pycache__" in p.parts:
                continue
            rel = p.relative_to(ROOT)
            into = target / rel
            if p.suffix in SOURCES:
                text = p.read_text()
                lessons |= {r[0] for r in regions(text, rel)}
                write_if_changed(into, cut(text, rel, switched))
            elif not into.exists() or into.stat().st_mtime < p.stat().st_mtime:
                into.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(p, into)
    toy = ROOT / "data" / "toy"
    shutil.copytree(toy, target / "data" / "toy", dirs_exist_ok=True)
    missing = set(LESSONS) - lessons
    if missing:
        fail(f"no marked region for lesson(s) {sorted(missing)}")
    return lessons


def run(command, cwd, quiet=True):
    result = subprocess.run(command, cwd=cwd, text=True, capture_output=quiet)
    return result


def build(workspace, build_dir):
    """Configures (once) and builds the test program of `workspace`; exits on a compile error."""
    cache = build_dir / "CMakeCache.txt"
    if not cache.exists() or "MINITRANS_BUILD_TESTS:BOOL=ON" not in cache.read_text():
        r = run(["cmake", "-S", str(workspace), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
                 "-DMINITRANS_BUILD_TESTS=ON"], workspace)
        if r.returncode != 0:
            print(r.stdout[-3000:] + r.stderr[-3000:])
            fail("cmake failed")
    start = time.time()
    r = run(["cmake", "--build", str(build_dir), "--target", "minitrans_tests", f"-j{os.cpu_count() or 2}"], workspace)
    if r.returncode != 0:
        errors = [line for line in (r.stdout + r.stderr).splitlines() if "error" in line]
        print("\n".join(errors[:20]) or (r.stdout + r.stderr)[-3000:])
        fail("the workspace does not compile (the first errors above)")
    return time.time() - start


def check(lesson, workspace, build_dir, show=True):
    """Runs lesson's checks; True when they pass. With `show`, prints doctest's report of each
    failed check (its expression, expected and actual values, or the exception) and a summary."""
    spec = LESSONS[lesson]
    tests = build_dir / "minitrans_tests"
    filters = [f"--source-file={','.join(f'*{t}' for t in spec['tests'])}"]
    if "cases" in spec:
        filters.append(f"--test-case={','.join(spec['cases'])}")
    env = dict(os.environ, MINITRANS_CACHE=str(build_dir / "test-cache"))
    r = subprocess.run([str(tests), *filters, "--no-version", "--no-intro"], cwd=workspace,
                       text=True, capture_output=True, env=env)
    report = r.stdout + r.stderr
    summary = [line for line in report.splitlines() if line.startswith("[doctest] test cases")]
    ran = re.search(r"test cases:\s*(\d+)", summary[0]) if summary else None
    if not ran or int(ran.group(1)) == 0:  # a filter that matches nothing checks nothing
        print(f"course: lesson {lesson}'s check ran no test case (exit {r.returncode}):\n{report[-2000:]}")
        return False
    passed = r.returncode == 0
    if show:
        if not passed:
            shown = report if len(report) < 6000 else report[:5000] + "\n[...]\n" + report[-800:]
            print(shown)
        print(f"lesson {lesson} ({spec['title']}): {'passed' if passed else 'not yet'}"
              f"  {summary[0].replace('[doctest] ', '') if summary else ''}")
        print(f"  page: {spec['page']}")
    return passed


def start(directory):
    target = pathlib.Path(directory).resolve()
    if target.exists() and any(target.iterdir()):
        fail(f"{target} is not empty: give a new directory")
    copy_tree(target, switched=False)
    print(f"course: a workspace in {target}, every lesson a TODO. Next:\n"
          f"  cd {target}\n  scripts/course.py check 1      # builds (a few minutes the first time), runs lesson 1's checks\n"
          f"  then read {LESSONS[1]['page']} and write the region marked 'TODO lesson 1'")


def check_command(lesson):
    workspace = ROOT
    build_dir = workspace / "build-course"
    seconds = build(workspace, build_dir)
    print(f"(built in {seconds:.0f} s)")
    return 0 if check(lesson, workspace, build_dir) else 1


def verify(lesson, build_root):
    """CI: with the TODOs of lesson and every later one, lesson's check fails and every earlier
    lesson's passes. Lesson 0: with the solutions, every lesson's check passes."""
    workspace, build_dir = build_root / "work", build_root / "build"
    copy_tree(workspace, switched=True)
    problems = []
    for todo_lesson in [lesson]:
        write_if_changed(workspace / "course_todo.h", f"#define MT_COURSE_TODO {todo_lesson}\n")
        seconds = build(workspace, build_dir)
        for earlier in sorted(k for k in LESSONS if k <= lesson or lesson == 0):
            passed = check(earlier, workspace, build_dir, show=False)
            want = not (todo_lesson == lesson and earlier == lesson)
            todos = f"the TODOs of lessons {todo_lesson} and later" if todo_lesson else "the solutions"
            state = f"lesson {earlier} with {todos}: {'passes' if passed else 'fails'}"
            print(f"{state} (built in {seconds:.0f} s)" + ("" if passed == want else "  <- WRONG"))
            if passed != want:
                problems.append(state)
    if problems:
        print("course: " + "; ".join(problems))
        return 1
    return 0


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) >= 2 else 2
    command = argv[1]
    if command == "list":
        for n, spec in sorted(LESSONS.items()):
            print(f"{n:2d}  {spec['title']:45s} {spec['page']}  checks: {', '.join(spec['tests'])}")
        return 0
    if command == "start" and len(argv) == 3:
        start(argv[2])
        return 0
    if command in ("check", "verify") and len(argv) >= 3:
        if not argv[2].isdigit() or int(argv[2]) not in [*LESSONS, *([0] if command == "verify" else [])]:
            fail(f"no lesson {argv[2]} (the lessons: {', '.join(map(str, sorted(LESSONS)))})")
        if command == "check":
            return check_command(int(argv[2]))
        build_root = pathlib.Path(argv[argv.index("--build") + 1] if "--build" in argv else ROOT / "build" / "course")
        return verify(int(argv[2]), build_root.resolve())
    fail(f"usage: {argv[0]} start DIR | check N | list | verify N [--build DIR]")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
