#!/usr/bin/python3
"""Runs a command and prints one line: its wall seconds, its peak resident set (the kernel's
maximum RSS of the process, which counts the mapped pages of a prepared set it touched) and its
peak anonymous memory (RssAnon of /proc/PID/status, sampled every 20 ms: the memory that is the
process's own, not file pages the page cache shares).
    bench/peak_memory.py COMMAND [ARG ...]      the command's output goes to stdout/stderr as usual"""
import os
import resource
import subprocess
import sys
import time


def rss_anon_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


start = time.monotonic()
child = subprocess.Popen(sys.argv[1:])
peak_anon = 0
while child.poll() is None:
    peak_anon = max(peak_anon, rss_anon_kb(child.pid))
    time.sleep(0.02)
wall = time.monotonic() - start
peak_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB
print(f"wall_s {wall:.1f} peak_rss_mib {peak_rss / 1024:.0f} peak_anon_mib {peak_anon / 1024:.0f} exit {child.returncode}",
      file=sys.stderr)
sys.exit(child.returncode)
