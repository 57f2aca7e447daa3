"""Parser acceptance against `terraform fmt` over real repositories (not run in CI).

For every .tf / .tofu file under the given directories, asks Terraform's own parser whether the
file is valid HCL (`terraform fmt -` on the file's text: exit 0 accepts, a syntax error
rejects) and whether sovlint's parser reads it, then prints the counts and every file Terraform
accepts that sovlint rejects (the ones to fix) and the reverse.

    python bench/tf_fmt_acceptance.py DIR [DIR ...] [--terraform PATH] [--limit N]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from sovlint.parsers.hcl import parse_hcl

SUFFIXES = (".tf", ".tofu")


def terraform_accepts(terraform: str, text: str) -> bool:
    done = subprocess.run([terraform, "fmt", "-no-color", "-"], input=text.encode("utf-8"),
                          capture_output=True, timeout=60, check=False)
    return done.returncode == 0


def sovlint_parses(text: str, path: str) -> tuple[bool, str]:
    _, error = parse_hcl(text, path)
    return error is None, "" if error is None else str(error)


def files_under(roots: list[Path]) -> list[Path]:
    found: list[Path] = []
    for root in roots:
        found.extend(sorted(p for p in root.rglob("*") if p.suffix in SUFFIXES and p.is_file()
                            and ".terraform" not in p.parts))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="+", type=Path)
    parser.add_argument("--terraform", default=shutil.which("terraform"))
    parser.add_argument("--limit", type=int, default=0, help="at most N files (0: all)")
    args = parser.parse_args(argv)
    if not args.terraform:
        print("no terraform binary found", file=sys.stderr)
        return 2
    files = files_under(args.roots)
    if args.limit:
        files = files[: args.limit]
    accepted = parsed = 0
    ours_only: list[str] = []
    theirs_only: list[tuple[str, str]] = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        theirs = terraform_accepts(args.terraform, text)
        ours, why = sovlint_parses(text, str(path))
        accepted += theirs
        parsed += ours and theirs
        if theirs and not ours:
            theirs_only.append((str(path), why))
        elif ours and not theirs:
            ours_only.append(str(path))
    print(f"files: {len(files)}  terraform accepts: {accepted}  "
          f"sovlint parses (of those): {parsed}")
    for path, why in theirs_only:
        print(f"REJECTED BY SOVLINT {path}: {why}")
    for path in ours_only:
        print(f"ACCEPTED ONLY BY SOVLINT {path}")
    return 1 if theirs_only else 0


if __name__ == "__main__":
    raise SystemExit(main())
