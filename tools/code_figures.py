#!/usr/bin/python3
"""Prints the structure figures that the code is held to, from the sources themselves: the longest
functions, the .cpp files over 300 lines outside autograd/kernels/, the length of the fused
attention op, the lines of nn/ that mention packing, includes against the rooms' direction,
attention calls with positional flags, folder names read as build output, and tests/ mirroring
the rooms of the code.
Run from the repository root:  /usr/bin/python3 tools/code_figures.py [--max-function 80] [--check]
With --check it exits 1 when a figure is over its limit.
"""
import pathlib
import re
import sys

ROOTS = ["autograd", "nn", "data", "train", "tools", "examples", "bench", "fuzz"]


def strip(text):
    """Source without comments and string literals (so braces in them do not count)."""
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"R\"\((.*?)\)\"", '""', text, flags=re.S)
    text = re.sub(r"\"(\\.|[^\"\\\n])*\"", '""', text)
    return re.sub(r"'(\\.|[^'\\\n])'", "''", text)


def functions(path):
    """(name, first line, length in lines) of every function body at namespace or class level."""
    text = strip(path.read_text())
    found, depth, stack = [], 0, []
    for i, ch in enumerate(text):
        if ch == "{":
            head = text[max(0, text.rfind(";", 0, i), text.rfind("}", 0, i), text.rfind("{", 0, i)) + 1:i]
            is_function = re.search(r"\)\s*(const|override|noexcept|final|\s|->[^{]*|:[^{]*)*$", head) is not None \
                and not re.search(r"\b(if|for|while|switch|catch|namespace|class|struct|enum)\b", head.split("(")[0]) \
                and "=" not in head.split("(")[0] and "[" not in head.split("(")[0]
            stack.append((is_function and not any(s[0] for s in stack), i, head))
            depth += 1
        elif ch == "}" and stack:
            function, start, head = stack.pop()
            depth -= 1
            if function:
                first = text.count("\n", 0, start) + 1
                last = text.count("\n", 0, i) + 1
                name = re.findall(r"([\w:~]+)\s*\(", head)
                found.append((name[0] if name else "?", first, last - first + 1))
    return found


# What each room may include, besides itself and the standard/third-party headers (docs/architecture.md).
ALLOWED = {
    "autograd/kernels": ["autograd"],
    "autograd": ["autograd"],
    "nn": ["autograd/", "nn/"],
    "data": ["autograd/", "nn/sequence_layout.h", "data/"],
    "train/optim": ["autograd/", "train/optim/"],
    "train/run": ["autograd/", "nn/", "data/", "train/optim/", "train/run/"],
    "train/translate": ["autograd/", "nn/", "data/", "train/translate/"],
    "train/insight": ["autograd/", "nn/", "data/", "train/optim/", "train/run/", "train/translate/", "train/insight/"],
    "train/distributed": ["autograd/", "train/distributed/"],
    "train/loop": ["autograd/", "nn/", "data/", "train/"],
    "train/cli": ["autograd/", "nn/", "data/", "train/"],
}


def include_breaks(sources):
    """Includes that point the wrong way: a project header a room may not use."""
    breaks = []
    for p in sources:
        room = next((r for r in ALLOWED if str(p).startswith(r + "/")), None)
        if room is None:
            continue
        for i, line in enumerate(p.read_text().splitlines()):
            m = re.match(r'#include "((autograd|nn|data|train)/[^"]+)"', line)
            if not m:
                continue
            target = m.group(1)
            kernels = target.startswith("autograd/kernels/") and not room.startswith("autograd")
            if kernels or not any(target.startswith(a) for a in ALLOWED[room]):
                breaks.append(f"{p}:{i + 1} includes {target}")
    return breaks


ATTENTION_OPS = r"(?<![\w.>:])(self_attention|attention)(_reference)?\s*\("


def call_arguments(text, open_paren):
    """The top-level arguments of the call whose '(' is at open_paren."""
    args, depth, start = [], 0, open_paren + 1
    for i in range(open_paren, len(text)):
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                args.append(text[start:i].strip())
                return args
        elif ch == "," and depth == 1:
            args.append(text[start:i].strip())
            start = i + 1
    return args


def attention_flags(paths):
    """Calls of the attention ops that pass flags or pointers by position instead of the options
    struct: an argument that is true, false or nullptr, or more than three arguments."""
    found = []
    for p in paths:
        text = strip(p.read_text())
        for m in re.finditer(ATTENTION_OPS, text):
            args = call_arguments(text, m.end() - 1)
            if any(re.fullmatch(r"true|false|nullptr", a) for a in args) or len(args) > 3:
                found.append(f"{p}:{text.count(chr(10), 0, m.start()) + 1} {m.group(0)}{', '.join(args)})")
    return found


# Folder names that tools and people read as build output or scratch space.
OUTPUT_NAMES = {"dist", "build", "out", "bin", "target", "tmp"}


def output_folders():
    return [str(d) for r in ["autograd", "nn", "data", "train", "tests", "tools", "scripts", "examples"]
            for d in [pathlib.Path(r), *pathlib.Path(r).rglob("*")] if d.is_dir() and d.name in OUTPUT_NAMES]


def unmirrored_tests():
    """Tests outside the room they test: tests/ROOM/... must name a folder of the code (tests/autograd
    for autograd/, tests/train/run for train/run/, ...); only the shared harness sits at the top."""
    top = {"test_main.cpp", "reference.h", "parity_fixture.h", "test_names.sh"}
    wrong = []
    for p in sorted(pathlib.Path("tests").rglob("*")):
        if p.suffix not in (".cpp", ".h", ".sh") or "reference" in p.parts[1:-1]:
            continue
        room = pathlib.Path(*p.parts[1:-1])
        if room == pathlib.Path("."):
            if p.name not in top:
                wrong.append(f"{p}: at the top of tests/, not in the folder of its room")
        elif not room.is_dir():
            wrong.append(f"{p}: tests/{room} mirrors no folder {room}/ of the code")
    return wrong


def main():
    limit = int(sys.argv[sys.argv.index("--max-function") + 1]) if "--max-function" in sys.argv else 80
    sources = sorted(p for r in ROOTS for p in pathlib.Path(r).rglob("*") if p.suffix in (".cpp", ".h"))
    over = []
    longest = []
    for p in sources:
        for name, line, length in functions(p):
            longest.append((length, f"{p}:{line}", name))
    longest.sort(reverse=True)
    print("longest functions (lines):")
    for length, where, name in longest[:8]:
        print(f"  {length:4d}  {where}  {name}")
        if length > limit:
            over.append(f"{where} {name}: {length} lines > {limit}")
    print(".cpp files over 300 lines outside autograd/kernels/:")
    for p in sources:
        n = len(p.read_text().splitlines())
        if p.suffix == ".cpp" and "autograd/kernels" not in str(p) and n > 300:
            print(f"  {n:4d}  {p}")
            over.append(f"{p}: {n} lines > 300")
    attention = len(pathlib.Path("autograd/ops/attention.cpp").read_text().splitlines())
    print(f"autograd/ops/attention.cpp: {attention} lines (limit 120)")
    if attention >= 120:
        over.append(f"attention.cpp: {attention} lines")
    packing = [f"{p}:{i + 1}" for p in sources if str(p).startswith("nn/")
               for i, line in enumerate(p.read_text().splitlines())
               if re.search(r"\bpack|scatter_rows|gather_rows", line)]
    print(f"lines of nn/ that mention packing: {len(packing)}")
    for where in packing:
        print(f"  {where}")
    breaks = include_breaks(sources)
    print(f"includes against the direction of docs/architecture.md: {len(breaks)}")
    for b in breaks:
        print(f"  {b}")
    over += breaks
    flags = attention_flags(sources + sorted(pathlib.Path("tests").rglob("*.cpp")))
    print(f"attention calls with positional flags or pointers: {len(flags)}")
    for f in flags:
        print(f"  {f}")
    over += flags
    folders = output_folders()
    print(f"folders named like build output ({', '.join(sorted(OUTPUT_NAMES))}): {len(folders)}")
    for f in folders:
        print(f"  {f}")
    over += folders
    tests = unmirrored_tests()
    print(f"tests outside the folder of their room: {len(tests)}")
    for t in tests:
        print(f"  {t}")
    over += tests
    if "--check" in sys.argv and over:
        print("over the limits:\n  " + "\n  ".join(over))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
