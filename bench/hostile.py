"""Runs sovlint on each hostile input under a time and memory cap and prints a table.

    python bench/hostile.py [--timeout 60] [--memory-mib 2048] [--only NAME] [--sovlint PATH]

Each input is written to its own temporary directory; the scan runs in a child process with
`RLIMIT_AS` (address space) set in the child and a wall-clock deadline set here. The table has
the input, the exit code, the wall time, the peak RSS of the child and its descendants
(`ru_maxrss` of the children) and the result:

- finding: exit 0 or 1, a report, and the expected "limit" / "not read" text in it;
- error: exit 2 with one message and no traceback;
- crash: a traceback, a signal or another exit code;
- hang: the deadline passed.

Not run in CI: the large inputs take seconds and hundreds of megabytes on purpose.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_TIME = "/usr/bin/time"  # GNU time: -f %M is the peak resident set size in KiB
_PEAK = "SOVLINT_HOSTILE_PEAK_KIB="
_BUCKET = 'resource "aws_s3_bucket" "b{index}" {{\n  bucket = "b{index}"\n}}\n'


@dataclass(frozen=True)
class Hostile:
    name: str
    build: Callable[[Path], list[str]]  # writes the input, returns the scan's extra arguments


def _tf(text: str) -> Callable[[Path], list[str]]:
    def build(root: Path) -> list[str]:
        (root / "main.tf").write_text(text, encoding="utf-8")
        return ["."]
    return build


def _many_resources(root: Path) -> list[str]:
    with (root / "main.tf").open("w", encoding="utf-8") as out:
        for index in range(250_000):
            out.write(_BUCKET.format(index=index))
    return ["."]


def _long_line(root: Path) -> list[str]:
    (root / "main.tf").write_text('locals {\n  x = "' + "a" * 10_000_000 + '"\n}\n',
                                  encoding="utf-8")
    return ["."]


def _nested(depth: int) -> Callable[[Path], list[str]]:
    return _tf("locals {\n  x = " + "[" * depth + "1" + "]" * depth + "\n}\n")


def _alias_bomb(root: Path) -> list[str]:
    items = ['&a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    items += [f"&a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    (root / ".sovlint.yaml").write_text("scope:\n  tags:\n    k: [" + ", ".join(items) + "]\n",
                                        encoding="utf-8")
    (root / "main.tf").write_text(_BUCKET.format(index=0), encoding="utf-8")
    return ["."]


def _deep_config(root: Path) -> list[str]:
    (root / ".sovlint.yaml").write_text("scope:\n  tags:\n    k: " + "[" * 600 + "]" * 600
                                        + "\n", encoding="utf-8")
    (root / "main.tf").write_text(_BUCKET.format(index=0), encoding="utf-8")
    return ["."]


def _var_file(target: str) -> Callable[[Path], list[str]]:
    def build(root: Path) -> list[str]:
        (root / "main.tf").write_text(_BUCKET.format(index=0), encoding="utf-8")
        path = target
        if target == "fifo":
            path = str(root / "vars.tfvars")
            os.mkfifo(path)
        return [".", "--var-file", path]
    return build


def _fifo_main(root: Path) -> list[str]:
    os.mkfifo(root / "main.tf")
    return ["main.tf"]


def _rego(body: str) -> Callable[[Path], list[str]]:
    def build(root: Path) -> list[str]:
        policy = root / "policy" / "org"
        policy.mkdir(parents=True)
        (policy / "org.rego").write_text(
            "# METADATA\n# title: org\n# custom:\n#   id: ORG001\n#   severity: high\n"
            "package sovlint.rules.org\n\n" + body, encoding="utf-8")
        (root / "main.tf").write_text(_BUCKET.format(index=0), encoding="utf-8")
        return [".", "--policy-dir", str(root / "policy")]
    return build


_NESTED_FOR = ('locals {\n  r = range(1000)\n  big = flatten([for a in local.r : [for b in '
               'local.r : [for c in local.r : "${a}${b}${c}"]]])\n}\n'
               'resource "aws_s3_bucket" "b" {\n  region = local.big[0]\n}\n')

HOSTILE = [
    Hostile("count = 100000000", _tf('resource "aws_s3_bucket" "b" {\n  count = 100000000\n}\n')),
    Hostile("count = 1e308", _tf('resource "aws_s3_bucket" "b" {\n  count = 1e308\n}\n')),
    Hostile("count = -1", _tf('resource "aws_s3_bucket" "b" {\n  count = -1\n}\n')),
    Hostile("format %1500000000s", _tf('resource "aws_s3_bucket" "b" {\n  region = '
                                       'format("%1500000000s", "x")\n}\n')),
    Hostile("string-doubling locals", _tf(
        "locals {\n  s0 = \"ab\"\n" + "".join(
            f'  s{i + 1} = "${{local.s{i}}}${{local.s{i}}}"\n' for i in range(40))
        + '}\nresource "aws_s3_bucket" "b" {\n  region = local.s40\n}\n')),
    Hostile("nested for, 10^9 elements", _tf(_NESTED_FOR)),
    Hostile('regex("(a+)+$")', _tf('resource "aws_s3_bucket" "b" {\n  region = regex("(a+)+$",'
                                   ' "' + "a" * 5000 + '!")\n}\n')),
    Hostile("HCL brackets 300 deep", _nested(300)),
    Hostile("HCL brackets 5000 deep", _nested(5000)),
    Hostile("19 MB .tf, 250k resources", _many_resources),
    Hostile("10 MB single line", _long_line),
    Hostile("alias bomb in .sovlint.yaml", _alias_bomb),
    Hostile(".sovlint.yaml 600 deep", _deep_config),
    Hostile("--var-file /dev/zero", _var_file("/dev/zero")),
    Hostile("--var-file FIFO", _var_file("fifo")),
    Hostile("FIFO main.tf on the command line", _fifo_main),
    Hostile("Rego self-recursive function", _rego(
        "f(x) := y if {\n\ty := f(x + 1)\n}\n\ndeny contains {\"rule_id\": \"ORG001\", "
        "\"message\": \"m\"} if {\n\tsome r in input.resources\n\tf(1) > r.line\n}\n")),
    Hostile("Rego comprehension of 1e8", _rego(
        "deny contains {\"rule_id\": \"ORG001\", \"message\": \"m\"} if {\n"
        "\tsome r in input.resources\n\tbig := [x | some x in numbers.range(1, 100000000)]\n"
        "\tcount(big) > r.line\n}\n")),
]


def _run(hostile: Hostile, sovlint: str, timeout: float, memory: int) -> list[str]:
    root = Path(tempfile.mkdtemp(prefix="sovlint-hostile-"))
    try:
        arguments = hostile.build(root)

        def cap() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

        environment = {**os.environ, "XDG_CACHE_HOME": str(root / ".cache"),
                       "XDG_STATE_HOME": str(root / ".state")}
        start = time.monotonic()
        # GNU time reports the peak RSS of the scan (largest of it and its children).
        process = subprocess.Popen(
            [_TIME, "-f", f"{_PEAK}%M", sovlint, "scan", "--no-cache", "--jobs", "1",
             "--format", "json", *arguments],
            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment,
            preexec_fn=cap, start_new_session=True)
        try:
            out, err = process.communicate(timeout=timeout)
            hang = False
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            out, err = process.communicate()
            hang = True
        wall = time.monotonic() - start
        text = err.decode("utf-8", "replace")
        peaks = [line[len(_PEAK):] for line in text.splitlines() if line.startswith(_PEAK)]
        rss = f"{int(peaks[-1]) / 1024:,.0f} MiB" if peaks and peaks[-1].isdigit() else "?"
        text = "\n".join(line for line in text.splitlines()
                         if not line.startswith(_PEAK) and "exited with non-zero" not in line)
        code = process.returncode
        if code == 0 and "terminated by signal" in text:
            code = -1
        if hang:
            result = "hang"
        elif "Traceback" in text or code not in (0, 1, 2):
            result = "crash"
        elif code == 2:
            result = "error: " + (text.strip().splitlines() or [""])[-1][:90]
        else:
            report = out.decode("utf-8", "replace")
            reported = ("limit exceeded" in report or "not read" in report
                        or "nested too deeply" in report or "invalid count" in report
                        or "too large" in report or "larger than the" in report)
            result = "finding" if reported else "report, no limit named"
        return [hostile.name, str(code), f"{wall:.1f} s", rss, result]
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per input")
    parser.add_argument("--memory-mib", type=int, default=2048, help="address space per input")
    parser.add_argument("--only", help="run the inputs whose name contains this text")
    parser.add_argument("--sovlint", default=shutil.which("sovlint") or "sovlint")
    options = parser.parse_args()
    rows = [["input", "exit", "wall", "peak RSS", "result"]]
    for hostile in HOSTILE:
        if options.only and options.only not in hostile.name:
            continue
        rows.append(_run(hostile, options.sovlint, options.timeout,
                         options.memory_mib * 1024 ** 2))
        print(" | ".join(rows[-1]), file=sys.stderr, flush=True)
    print("| " + " | ".join(rows[0]) + " |")
    print("|" + "---|" * len(rows[0]))
    for row in rows[1:]:
        print("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")


if __name__ == "__main__":
    main()
