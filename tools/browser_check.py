#!/usr/bin/env python3
"""Checks that an SVG or HTML file minitrans wrote renders in a real browser (headless Chromium).

  browser_check.py FILE [--expect TEXT ...] [--screenshot OUT.png] [--size WxH]

Two looks, both through Chromium (after an SVG file is checked to parse as XML on its own):
  1. Layout: the page is loaded with a small script that finds, for every --expect text, an
     element showing it with a non-empty box on the page. Chromium prints the resulting DOM
     (--dump-dom) and the script's verdict is read from it. A file that does not parse fails.
  2. Pixels: a screenshot (PNG) is decoded here and must not be blank: enough non-white
     pixels and enough distinct colours (a heatmap or a chart, not a page of text or an error).
Exit 0 when both pass, 1 with the reason otherwise, 77 (skipped) without chromium.
Standard library only: the PNG decoder below handles what Chromium writes (8-bit RGB/RGBA).
"""
import argparse
import html
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

CHECK_SCRIPT = """
<script>
window.addEventListener('load', () => {
  const expected = %s;
  const shown = [...document.querySelectorAll('text, h1, h2, h3, p, td, th, li, span, div, figcaption')];
  const missing = expected.filter(want => !shown.some(el => {
    const box = el.getBoundingClientRect();
    return el.textContent.includes(want) && box.width > 0 && box.height > 0;
  }));
  const out = document.createElement('pre');
  out.id = 'browser-check';
  out.textContent = JSON.stringify({missing, svgs: document.querySelectorAll('svg').length,
                                    texts: document.querySelectorAll('text').length});
  document.body.appendChild(out);
});
</script>
"""


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def run_chromium(browser, args, url):
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--virtual-time-budget=3000", *args, url]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def decode_png(data):
    """(width, height, channels, rows of bytes) of an 8-bit, non-interlaced RGB or RGBA PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    at, idat, header = 8, b"", None
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    width, height, depth, color, _, _, interlace = header
    if depth != 8 or color not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {color}, interlace {interlace}")
    channels = 3 if color == 2 else 4
    raw, stride = zlib.decompress(idat), width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            up_left = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("file")
    parser.add_argument("--expect", nargs="*", default=[], help="texts that must be shown on the page")
    parser.add_argument("--screenshot", help="keep the screenshot here")
    parser.add_argument("--size", default="1400,1000", help="window size W,H")
    parser.add_argument("--min-ink", type=float, default=0.02, help="least share of non-white pixels")
    parser.add_argument("--min-colors", type=int, default=12, help="least number of distinct colours")
    args = parser.parse_args()

    browser = chromium()
    if not browser:
        print("skipped: no chromium (scripts/setup.sh --tests installs it)")
        return 77
    path = os.path.abspath(args.file)
    with open(path, encoding="utf-8") as f:
        content = f.read()

    with tempfile.TemporaryDirectory() as scratch:
        # 0. An SVG file must parse as XML on its own (inlined in HTML, errors would be forgiven).
        if path.endswith(".svg"):
            result = run_chromium(browser, ["--dump-dom"], "file://" + path)
            if "parsererror" in result.stdout or "<svg" not in result.stdout:
                print(f"FAILED: {args.file}: Chromium cannot parse it as SVG")
                return 1
        # 1. Layout, with the check script added to a copy of the page.
        script = CHECK_SCRIPT % json.dumps(args.expect)
        if path.endswith(".svg"):
            page = "<!DOCTYPE html><html><body style='margin:0'>" + content + script + "</body></html>"
        else:
            page = re.sub(r"</body>", lambda _: script + "</body>", content, count=1, flags=re.I)
            if script not in page:
                page = content + script
        page_path = os.path.join(scratch, "page.html")
        with open(page_path, "w", encoding="utf-8") as f:
            f.write(page)
        result = run_chromium(browser, ["--dump-dom"], "file://" + page_path)
        found = re.search(r'<pre id="browser-check">(.*?)</pre>', result.stdout, re.S)
        if not found:
            print(f"FAILED: {args.file}: the page did not load or its script did not run\n{result.stderr[-2000:]}")
            return 1
        verdict = json.loads(html.unescape(found.group(1)))
        if verdict["missing"]:
            print(f"FAILED: {args.file}: not shown on the page: {verdict['missing']}")
            return 1

        # 2. Pixels of the file itself, as a user opening it would see them.
        shot = args.screenshot or os.path.join(scratch, "shot.png")
        result = run_chromium(browser, [f"--screenshot={shot}", f"--window-size={args.size}"], "file://" + path)
        if not os.path.exists(shot):
            print(f"FAILED: {args.file}: no screenshot\n{result.stderr[-2000:]}")
            return 1
        with open(shot, "rb") as f:
            width, height, channels, rows = decode_png(f.read())
        inked, colors = 0, set()
        for row in rows:
            for x in range(0, width * channels, channels):
                pixel = row[x:x + 3]
                if pixel != b"\xff\xff\xff":
                    inked += 1
                    colors.add(pixel)
        ink = inked / (width * height)
        print(f"{args.file}: {verdict['svgs']} svg, {verdict['texts']} text elements, all {len(args.expect)} "
              f"expected texts shown; screenshot {width}x{height}: {100 * ink:.1f}% ink, {len(colors)} colours")
        if ink < args.min_ink or len(colors) < args.min_colors:
            print(f"FAILED: the screenshot looks blank (needs {100 * args.min_ink:.1f}% ink and "
                  f"{args.min_colors} colours)")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
