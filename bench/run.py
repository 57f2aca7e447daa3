"""Times `sovlint scan` as a whole process: wall time, CPU time, peak memory.

    python bench/run.py --resources 1000 10000 [--repeat 3]
    python bench/run.py --dir path/to/any/terraform/tree

Corpora are generated with bench/generate.py into bench/corpus/ (not committed). Reports the
median of the runs: files/s, resources/s and the peak RSS of the scanning process.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402


def run_once(target: Path, extra: list[str]) -> tuple[float, float, float, dict[str, object]]:
    """(wall s, cpu s, peak RSS MiB, json summary) of one `sovlint scan` process."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            ["sovlint", "scan", str(target), "--format", "json", *extra],
            stdout=out, stderr=err,
        )
        # wait4 gives this one process's own resource usage (CPU and peak RSS in KiB).
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode not in (0, 1):
        raise SystemExit(f"sovlint failed ({process.returncode}): {stderr[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    peak = usage.ru_maxrss / 1024
    summary = json.loads(stdout)["summary"]
    return wall, cpu, peak, summary


def measure(target: Path, repeat: int, extra: list[str]) -> dict[str, object]:
    runs = [run_once(target, extra) for _ in range(repeat)]
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    peak = max(r[2] for r in runs)
    summary = runs[-1][3]
    files = int(summary["files"])  # type: ignore[call-overload]
    resources = int(summary["resources"])  # type: ignore[call-overload]
    return {
        "target": str(target), "files": files, "resources": resources,
        "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "peak_rss_mib": round(peak),
        "files_per_s": round(files / wall), "resources_per_s": round(resources / wall),
        "findings": summary["findings"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, nargs="*", default=[])
    parser.add_argument("--dir", type=Path, action="append", default=[])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    extra = ["--jobs", str(args.jobs)] if args.jobs else []
    targets = list(args.dir)
    for size in args.resources:
        corpus = HERE / "corpus" / f"{size}"
        generate(size, corpus)
        targets.append(corpus)
    print(f"{'target':<40}{'files':>7}{'resources':>10}{'wall s':>8}{'cpu s':>7}"
          f"{'peak MiB':>9}{'files/s':>9}{'res/s':>8}")
    for target in targets:
        row = measure(target, args.repeat, extra)
        name = os.path.relpath(str(row["target"]))
        print(f"{name:<40}{row['files']:>7}{row['resources']:>10}{row['wall_s']:>8}"
              f"{row['cpu_s']:>7}{row['peak_rss_mib']:>9}{row['files_per_s']:>9}"
              f"{row['resources_per_s']:>8}")


if __name__ == "__main__":
    main()
