"""Size and wall time of the HTML report against the JSON report on a large Terraform tree.

    python bench/html_report.py --resources 10000 --repeat 3

Generates, in a temporary directory that is removed afterwards, a Terraform tree of
`--resources` resources: root modules of 500 resources each, their default provider in an EU
or a US region, and in every group of 10 resources 8 S3 buckets, one replica bucket on a
provider alias in another region and the replication configuration between them. Then runs
`sovlint scan DIR --format html --no-timestamp --output F` and `sovlint scan DIR --format json
--output F` (`--no-cache`, `--jobs` as given), alternating, `--repeat` times each, and prints
the output size and the median wall time of the whole process for both formats. Deterministic
for a size.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PER_ROOT = 500
PER_FILE = 100
# (default region, replica region) of the root modules, in turn: one root in four is in the US,
# and one in four of the EU roots copies its replicas to the US.
REGIONS = [("eu-west-3", "eu-central-1"), ("eu-central-1", "eu-west-1"),
           ("us-east-1", "us-west-2"), ("eu-west-1", "us-east-1")]


def providers(default: str, replica: str) -> str:
    return f'''provider "aws" {{
  region = "{default}"
}}

provider "aws" {{
  alias  = "replica"
  region = "{replica}"
}}
'''


def unit(root: int, index: int) -> str:
    """10 resources: 8 buckets, a replica bucket and the replication between them."""
    name = f"r{root}-u{index}"
    blocks = [f'''resource "aws_s3_bucket" "b{index}_{n}" {{
  bucket = "{name}-b{n}"
  tags = {{ data-classification = "health" }}
}}
''' for n in range(8)]
    blocks.append(f'''resource "aws_s3_bucket" "replica{index}" {{
  provider = aws.replica
  bucket   = "{name}-replica"
}}
''')
    blocks.append(f'''resource "aws_s3_bucket_replication_configuration" "copy{index}" {{
  bucket = aws_s3_bucket.b{index}_0.id
  role   = "arn:aws:iam::123456789012:role/replication"
  rule {{
    id     = "all"
    status = "Enabled"
    destination {{
      bucket = aws_s3_bucket.replica{index}.arn
    }}
  }}
}}
''')
    return "\n".join(blocks)


def generate(out: Path, resources: int) -> int:
    """Writes the tree; returns the number of resources written (a multiple of 10)."""
    units = resources // 10
    written = 0
    for start in range(0, units, PER_ROOT // 10):
        root = start // (PER_ROOT // 10)
        directory = out / f"stack-{root:03d}"
        directory.mkdir(parents=True)
        default, replica = REGIONS[root % len(REGIONS)]
        (directory / "providers.tf").write_text(providers(default, replica), encoding="utf-8")
        indexes = list(range(start, min(start + PER_ROOT // 10, units)))
        per_file = PER_FILE // 10
        for first in range(0, len(indexes), per_file):
            text = "\n".join(unit(root, i) for i in indexes[first:first + per_file])
            (directory / f"buckets-{first // per_file:02d}.tf").write_text(text, encoding="utf-8")
        written += 10 * len(indexes)
    return written


def timed(command: list[str]) -> float:
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - began
    if done.returncode not in (0, 1):  # 1: findings, as expected here
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--sovlint", default=shutil.which("sovlint") or "sovlint",
                        help="the sovlint executable (default: the one on PATH)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sovlint-bench-html-") as temporary:
        tree = Path(temporary) / "tree"
        count = generate(tree, args.resources)
        outputs = {"html": Path(temporary) / "report.html", "json": Path(temporary) / "report.json"}
        times: dict[str, list[float]] = {"html": [], "json": []}
        for _ in range(args.repeat):
            for kind, output in outputs.items():
                command = [args.sovlint, "scan", str(tree), "--format", kind, "--output",
                           str(output), "--no-cache", "--jobs", str(args.jobs)]
                if kind == "html":
                    command.append("--no-timestamp")
                times[kind].append(timed(command))
        files = sum(1 for _ in tree.rglob("*.tf"))
        print(f"{count} resources in {files} files, --jobs {args.jobs}, --no-cache, "
              f"median of {args.repeat}")
        print("| format | output size | wall s (median) | runs |")
        print("|---|---:|---:|---|")
        for kind, output in outputs.items():
            size = output.stat().st_size
            runs = ", ".join(f"{t:.2f}" for t in times[kind])
            print(f"| {kind} | {size / 1e6:.2f} MB ({size:,} bytes) | "
                  f"{statistics.median(times[kind]):.2f} | {runs} |")


if __name__ == "__main__":
    main()
