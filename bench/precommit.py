"""pre-commit on one changed file of a shared module: how long the walk for its callers takes.

    python bench/generate.py --resources 10000 --out bench/corpus/10000
    python bench/precommit.py bench/corpus/10000 --repeat 11

Runs `sovlint scan FILE --format json` from the corpus root (which is made the repository root
with an empty `.git` directory when it has none) for a module file that root modules call, and
for a root module's own file; prints the median wall time of each and the roots reported.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _run(corpus: Path, file: str) -> tuple[float, int, int]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sovlint", "scan", file, "--format", "json",
                           "--no-cache"], cwd=corpus, capture_output=True, text=True,
                          check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"sovlint failed on {file}: {done.stderr.strip()}")
    findings = json.loads(done.stdout)["findings"]
    return elapsed, len(findings), len({f["root"] for f in findings})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()
    corpus = args.corpus.resolve()
    (corpus / ".git").mkdir(exist_ok=True)
    modules = sorted(p for p in corpus.glob("*/modules/*/*.tf"))
    roots = sorted(p for p in corpus.glob("*/*/*.tf") if "modules" not in p.parts)
    if not modules or not roots:
        raise SystemExit(f"{corpus}: no module or root files (generate the corpus first)")
    print(f"{'case':<12} {'file':<48} {'median s':>9} {'findings':>9} {'roots':>6}")
    for case, path in (("module file", modules[0]), ("root file", roots[0])):
        file = path.relative_to(corpus).as_posix()
        runs = [_run(corpus, file) for _ in range(args.repeat)]
        median = statistics.median(run[0] for run in runs)
        print(f"{case:<12} {file:<48} {median:>9.2f} {runs[0][1]:>9} {runs[0][2]:>6}")


if __name__ == "__main__":
    main()
