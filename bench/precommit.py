"""pre-commit on one changed file of a shared module: how long the walk for its callers takes.

    python bench/generate.py --resources 10000 --out bench/corpus/10000
    python bench/precommit.py bench/corpus/10000 --repeat 11
    python bench/precommit.py bench/corpus/10000 --repeat 11 --warm

Runs `sovlint scan FILE --format json` from the corpus root (which is made the repository root
with an empty `.git` directory when it has none) for a module file that root modules call, and
for a root module's own file; prints the median wall time of each and the roots reported.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _run(corpus: Path, file: str, warm: dict[str, str] | None = None) -> tuple[float, int, int]:
    """One run; `warm` is the environment of a private, filled cache (else `--no-cache`)."""
    command = [sys.executable, "-m", "sovlint", "scan", file, "--format", "json"]
    if warm is None:
        command.append("--no-cache")
    start = time.perf_counter()
    done = subprocess.run(command, cwd=corpus, capture_output=True, text=True, check=False,
                          env=warm)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"sovlint failed on {file}: {done.stderr.strip()}")
    findings = json.loads(done.stdout)["findings"]
    return elapsed, len(findings), len({f["root"] for f in findings})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--warm", action="store_true",
                        help="use a private cache, filled by one untimed run per file")
    args = parser.parse_args()
    corpus = args.corpus.resolve()
    (corpus / ".git").mkdir(exist_ok=True)
    modules = sorted(p for p in corpus.glob("*/modules/*/*.tf"))
    roots = sorted(p for p in corpus.glob("*/*/*.tf") if "modules" not in p.parts)
    if not modules or not roots:
        raise SystemExit(f"{corpus}: no module or root files (generate the corpus first)")
    scratch = Path(tempfile.mkdtemp(prefix="sovlint-precommit-"))
    print(f"{'case':<12} {'file':<48} {'median s':>9} {'findings':>9} {'roots':>6}")
    for case, path in (("module file", modules[0]), ("root file", roots[0])):
        file = path.relative_to(corpus).as_posix()
        warm = None
        if args.warm:
            warm = dict(os.environ, XDG_CACHE_HOME=str(scratch / "cache"),
                        XDG_STATE_HOME=str(scratch / "state"))
            _run(corpus, file, warm)
        runs = [_run(corpus, file, warm) for _ in range(args.repeat)]
        median = statistics.median(run[0] for run in runs)
        print(f"{case:<12} {file:<48} {median:>9.2f} {runs[0][1]:>9} {runs[0][2]:>6}")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
