"""Warm against cold: `sovlint scan DIR --format json` with a filled cache and with `--no-cache`.

    python bench/generate.py --resources 10000 --out bench/corpus/10000
    python bench/warm.py bench/corpus/10000 --repeat 5

Each run is a fresh process. The cache and its key live in a private temporary directory
(`XDG_CACHE_HOME`, `XDG_STATE_HOME`), filled by one untimed run; then cold and warm runs
alternate, so that both see the same load on the machine. Prints the median wall time of each,
the paired ratio cold / warm of every pair and their median, and whether the two JSON reports
are byte for byte the same.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _run(directory: Path, env: dict[str, str], cold: bool, jobs: int | None,
         output: Path) -> float:
    command = [sys.executable, "-m", "sovlint", "scan", str(directory), "--format", "json",
               "--no-timestamp", "--output", str(output)]
    if cold:
        command.append("--no-cache")
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"sovlint failed: {done.stderr.strip()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--repeat", type=int, default=5, help="pairs of cold and warm runs")
    parser.add_argument("--jobs", type=int, default=None, help="passed to sovlint")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sovlint-warm-") as scratch:
        base = Path(scratch)
        env = dict(os.environ, XDG_CACHE_HOME=str(base / "cache"),
                   XDG_STATE_HOME=str(base / "state"))
        cold_out, warm_out = base / "cold.json", base / "warm.json"
        _run(args.directory, env, False, args.jobs, warm_out)  # fills the cache
        colds: list[float] = []
        warms: list[float] = []
        for _ in range(args.repeat):
            colds.append(_run(args.directory, env, True, args.jobs, cold_out))
            warms.append(_run(args.directory, env, False, args.jobs, warm_out))
        same = cold_out.read_bytes() == warm_out.read_bytes()
    ratios = [c / w for c, w in zip(colds, warms, strict=True)]
    print(f"{args.directory}: cold {statistics.median(colds):.2f} s "
          f"({', '.join(f'{t:.2f}' for t in colds)}), warm {statistics.median(warms):.2f} s "
          f"({', '.join(f'{t:.2f}' for t in warms)}), cold/warm median of pairs "
          f"{statistics.median(ratios):.2f}x; reports identical: {same}")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
