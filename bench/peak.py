"""Runs one command and prints its wall time, CPU time and peak memory (PSS and RSS sums).

    python bench/peak.py -- sovlint scan path/to/tree --jobs 2 --no-cache --format json

Peak PSS is the largest sum, over the process and all its descendants, of their proportional
set sizes (`/proc/PID/smaps_rollup`), sampled every 50 ms: pages a forked worker shares with
its parent are counted once in all, which the RSS sum (also printed) counts once per process.
The figures are the command's own: the sampler is this process, which is not measured, so
the harness's own high-water mark does not leak into them (as it does into a child's
`ru_maxrss`, which starts from the forking process's).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

SAMPLE_INTERVAL = 0.05
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def descendants(root: int) -> list[int]:
    """`root` and every process below it, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def tree_memory(root: int) -> tuple[int, int]:
    """(PSS sum, RSS sum) in bytes of `root` and its descendants."""
    pss = rss = 0
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
                for line in handle:
                    if line.startswith(b"Pss:"):
                        pss += int(line.split()[1]) * 1024
                    elif line.startswith(b"Rss:"):
                        rss += int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            continue
    return pss, rss


def measure(command: list[str]) -> dict[str, float]:
    """Wall time, CPU time (the command and the children it waited for) and peak memory."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak_pss = peak_rss = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_pss, peak_rss
        while not done.is_set():
            pss, rss = tree_memory(process.pid)
            peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
            done.wait(SAMPLE_INTERVAL)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_pss_mib": round(peak_pss / 2**20), "peak_rss_sum_mib": round(peak_rss / 2**20),
            "exit": os.waitstatus_to_exitcode(status)}


def main() -> None:
    command = sys.argv[1:]
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        raise SystemExit(__doc__)
    print(json.dumps(measure(command)))


if __name__ == "__main__":
    main()
