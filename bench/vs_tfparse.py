"""Times tfparse's Terraform evaluation against sovlint's Terraform loading on the same root
module directories, alternating run by run, and prints the medians and their ratio.

    python bench/vs_tfparse.py --tfparse-python VENV/bin/python --repeat 3 DIR [DIR ...]

tfparse (Trivy's evaluator, built as a Python wheel) is never a dependency of sovlint: it is
imported by the interpreter given with `--tfparse-python` (a separate virtual environment
with `pip install tfparse`). Each run is a fresh process that times only the loading, start-up
and imports excluded: `tfparse.load_from_path(DIR)` (no downloads) against parsing and
evaluating DIR as a root module with `sovlint.terraform.loader.TerraformLoader` (no parse
cache). Neither locates, normalises or runs policies here.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

TFPARSE = """\
import sys, time
import tfparse
start = time.perf_counter()
tfparse.load_from_path(sys.argv[1])
print(time.perf_counter() - start)
"""

SOVLINT = """\
import sys, time
from pathlib import Path
from sovlint.scan import _TerraformFiles
from sovlint.terraform.loader import TerraformLoader
directory = Path(sys.argv[1]).resolve()
start = time.perf_counter()
files = _TerraformFiles(directory)
loaded = TerraformLoader(directory, directory, files.parse, environ={}).load()
print(time.perf_counter() - start, len(loaded.resources))
"""


def timed(python: str, program: str, directory: Path) -> tuple[float, str]:
    done = subprocess.run([python, "-c", program, str(directory)], capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise SystemExit(f"{directory}: {python} failed: {tail[0]}")
    fields = done.stdout.split()
    return float(fields[0]), " ".join(fields[1:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directories", nargs="+", type=Path)
    parser.add_argument("--tfparse-python", required=True,
                        help="interpreter of a virtual environment holding tfparse")
    parser.add_argument("--sovlint-python", default=sys.executable)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print("| directory | resources sovlint evaluated | tfparse s | sovlint s | tfparse / sovlint |")
    print("|---|---|---|---|---|")
    totals = [0.0, 0.0]
    for directory in args.directories:
        theirs: list[float] = []
        ours: list[float] = []
        count = ""
        for _ in range(args.repeat):  # alternating, so that a change of load hits both
            theirs.append(timed(args.tfparse_python, TFPARSE, directory)[0])
            seconds, count = timed(args.sovlint_python, SOVLINT, directory)
            ours.append(seconds)
        them, us = statistics.median(theirs), statistics.median(ours)
        totals[0] += them
        totals[1] += us
        print(f"| {directory} | {count} | {them:.3f} | {us:.3f} | {them / us:.1f}× |")
    print(f"| all | | {totals[0]:.3f} | {totals[1]:.3f} | {totals[0] / totals[1]:.1f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
