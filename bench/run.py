"""Times `sovlint scan` (and optionally Checkov) as whole processes: wall time, CPU, peak memory.

    python bench/run.py --resources 1000 10000 50000 --repeat 3 --no-cache --markdown
    python bench/run.py --resources 1000 10000 --checkov --checkov-venv .venv-checkov --markdown
    python bench/run.py --dir path/to/any/terraform/tree --checkov --checkov-venv .venv-checkov

Corpora are generated with bench/generate.py into bench/corpus/SIZE (not committed); `--dir`
takes any directory instead (for example public module repositories fetched for a local
measurement). Every run is a fresh process; the table holds the median wall time and CPU time
of the runs and the highest peak memory:

- CPU time is user + system time of the process and of the worker processes it waited for
  (from `wait4`);
- peak RSS is the largest sum of the resident set sizes of the process and all its
  descendants, sampled every 20 ms from /proc (never below the single-process peak `wait4`
  reports); pages shared by forked workers are counted once per process, so it errs high.

With `--checkov`, `checkov -d DIR --framework terraform --quiet -o json --skip-download` runs
on the same tree, alternating with sovlint run by run, and the ratio columns divide Checkov's
median by sovlint's. Checkov is taken from the virtual environment `--checkov-venv`
(`--create-checkov-venv` creates it there with `python -m venv` and `pip install checkov`),
else from PATH. Without `--no-cache`, sovlint runs are warm: one untimed run fills the parse
cache first. The harness always points sovlint at a private, temporary cache directory.
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
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402
from peak import descendants  # noqa: E402

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
SAMPLE_INTERVAL = 0.02


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mib: float
    stdout: str
    stderr: str


@dataclass
class Measure:
    runs: list[Run] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def peak(self) -> float:
        return max(r.peak_mib for r in self.runs)


def _tree_rss(root: int) -> int:
    """Resident bytes of `root` and all its descendants, read from /proc."""
    try:
        pids = descendants(root)
    except OSError:
        return 0
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            pass
    return total


def run_process(command: list[str], env: dict[str, str], ok: tuple[int, ...]) -> Run:
    """Runs one command to completion and measures it."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        peak_tree = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak_tree
            while not done.is_set():
                peak_tree = max(peak_tree, _tree_rss(process.pid))
                done.wait(SAMPLE_INTERVAL)

        sampler = None
        if os.path.isdir("/proc"):
            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
        # wait4 gives the process's own resource usage, including the children it waited
        # for: CPU time summed, peak RSS of the largest single process (KiB on Linux).
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        if sampler is not None:
            sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode not in ok:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}): {stderr[-2000:]}")
    peak = max(peak_tree / 2**20, usage.ru_maxrss / 1024)
    return Run(wall, usage.ru_utime + usage.ru_stime, peak, stdout, stderr)


def sovlint_command(target: Path, args: argparse.Namespace) -> list[str]:
    command = [sys.executable, "-m", "sovlint", "scan", str(target), "--format", "json"]
    if args.jobs:
        command += ["--jobs", str(args.jobs)]
    if args.no_cache:
        command.append("--no-cache")
    return command


def checkov_command(target: Path, checkov: str) -> list[str]:
    return [checkov, "-d", str(target), "--framework", "terraform", "--quiet", "-o", "json",
            "--skip-download"]


def find_checkov(args: argparse.Namespace) -> str:
    if args.checkov_venv is not None:
        venv = args.checkov_venv
        executable = venv / "bin" / "checkov"
        if args.create_checkov_venv and not executable.exists():
            spec = f"checkov=={args.checkov_version}" if args.checkov_version else "checkov"
            print(f"creating {venv} with {spec}", file=sys.stderr)
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", spec], check=True)
        if not executable.exists():
            raise SystemExit(f"no checkov in {venv} (pass --create-checkov-venv to install it)")
        return str(executable)
    found = shutil.which("checkov")
    if found is None:
        raise SystemExit("checkov is not on PATH: pass --checkov-venv DIR")
    return found


def checkov_version(checkov: str) -> str:
    result = subprocess.run([checkov, "--version"], capture_output=True, text=True, check=False)
    return result.stdout.strip() or "unknown"


def measure(target: Path, args: argparse.Namespace, checkov: str | None) -> dict[str, object]:
    sov, chk = Measure(), Measure()
    with tempfile.TemporaryDirectory(prefix="sovlint-bench-cache-") as cache:
        env = dict(os.environ, XDG_CACHE_HOME=cache)
        command = sovlint_command(target, args)
        if not args.no_cache:
            _sovlint_run(command, env)  # fills the cache: the timed runs are warm
        checkov_runs = args.checkov_repeat if args.checkov_repeat is not None else args.repeat
        for index in range(max(args.repeat, checkov_runs if checkov else 0)):
            if index < args.repeat:
                sov.runs.append(_sovlint_run(command, env))
                print(f"  sovlint {target}: {sov.runs[-1].wall:.2f} s", file=sys.stderr)
            if checkov and index < checkov_runs:
                chk.runs.append(run_process(checkov_command(target, checkov),
                                            dict(os.environ), (0, 1)))
                print(f"  checkov {target}: {chk.runs[-1].wall:.2f} s", file=sys.stderr)
    summary = json.loads(sov.runs[-1].stdout)["summary"]
    row: dict[str, object] = {
        "target": _display(target),
        "files": int(summary["files"]), "resources": int(summary["resources"]),
        "findings": int(summary["findings"]), "errors": int(summary["errors"]),
        "jobs": args.jobs or os.cpu_count(), "cache": "cold" if args.no_cache else "warm",
        "runs": len(sov.runs),
        "wall_s": sov.wall, "cpu_s": sov.cpu, "peak_rss_mib": sov.peak,
    }
    if chk.runs:
        row.update({
            "checkov_runs": len(chk.runs), "checkov_resources": _checkov_resources(chk),
            "checkov_wall_s": chk.wall, "checkov_cpu_s": chk.cpu,
            "checkov_peak_rss_mib": chk.peak,
        })
    return row


def _sovlint_run(command: list[str], env: dict[str, str]) -> Run:
    """One sovlint run; a run that ends without its report (a crash exits 1 too) is fatal."""
    run = run_process(command, env, (0, 1))
    try:
        json.loads(run.stdout)["summary"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise SystemExit(f"{' '.join(command)} wrote no report:\n{run.stderr[-3000:]}") from None
    return run


def _checkov_resources(measure: Measure) -> int | None:
    try:
        report = json.loads(measure.runs[-1].stdout)
    except json.JSONDecodeError:
        return None
    reports = report if isinstance(report, list) else [report]
    total = 0
    for item in reports:
        if isinstance(item, dict):
            total += int(item.get("summary", {}).get("resource_count", 0))
    return total


def _display(target: Path) -> str:
    """The path relative to the current directory when it lies inside it, else as given."""
    try:
        return str(target.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(target)


def ms_per_resource(row: dict[str, object]) -> str:
    resources = int(row["resources"])  # type: ignore[call-overload]
    if not resources:
        return "-"
    return f"{float(row['wall_s']) * 1000 / resources:.2f}"  # type: ignore[arg-type]


def table(rows: list[dict[str, object]], markdown: bool) -> str:
    with_checkov = any("checkov_wall_s" in row for row in rows)
    header = ["corpus", "files", "resources", "jobs", "cache", "runs", "wall s", "CPU s",
              "peak RSS MiB", "ms/resource"]
    if with_checkov:
        header += ["Checkov runs", "Checkov wall s", "Checkov CPU s", "Checkov peak RSS MiB",
                   "wall ratio", "CPU ratio"]
    lines: list[list[str]] = []
    for row in rows:
        cells = [str(row["target"]), f"{row['files']:,}", f"{row['resources']:,}",
                 str(row["jobs"]), str(row["cache"]), str(row["runs"]),
                 f"{row['wall_s']:.2f}", f"{row['cpu_s']:.2f}", f"{row['peak_rss_mib']:.0f}",
                 ms_per_resource(row)]
        if with_checkov:
            if "checkov_wall_s" in row:
                wall = float(row["checkov_wall_s"])  # type: ignore[arg-type]
                cpu = float(row["checkov_cpu_s"])  # type: ignore[arg-type]
                cells += [str(row["checkov_runs"]), f"{wall:.2f}", f"{cpu:.2f}",
                          f"{row['checkov_peak_rss_mib']:.0f}",
                          f"{wall / float(row['wall_s']):.1f}×",  # type: ignore[arg-type]
                          f"{cpu / float(row['cpu_s']):.1f}×"]  # type: ignore[arg-type]
            else:
                cells += ["-"] * 6
        lines.append(cells)
    if markdown:
        out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(cells) + " |" for cells in lines]
    else:
        widths = [max(len(h), *(len(c[i]) for c in lines)) for i, h in enumerate(header)]
        out = ["  ".join(h.rjust(w) if i else h.ljust(w)
                         for i, (h, w) in enumerate(zip(header, widths, strict=True)))]
        out += ["  ".join(c.rjust(w) if i else c.ljust(w)
                          for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
                for cells in lines]
    return "\n".join(out)


def flatness(rows: list[dict[str, object]]) -> str | None:
    """Time per resource of the largest corpus against the smallest one, and the time each
    further resource costs between the two."""
    sized = [r for r in rows if int(r["resources"])]  # type: ignore[call-overload]
    if len(sized) < 2:
        return None
    small = min(sized, key=lambda r: int(r["resources"]))  # type: ignore[call-overload]
    large = max(sized, key=lambda r: int(r["resources"]))  # type: ignore[call-overload]
    if small is large:
        return None
    ratios = []
    for key in ("wall_s", "cpu_s"):
        per = [float(r[key]) / int(r["resources"])  # type: ignore[arg-type,call-overload]
               for r in (small, large)]
        ratios.append(per[1] / per[0])
    # What each further resource costs, start-up (paid once per run) taken out.
    extra = int(large["resources"]) - int(small["resources"])  # type: ignore[call-overload]
    marginal = (float(large["wall_s"]) - float(small["wall_s"])) / extra * 1000  # type: ignore[arg-type]
    return (f"Time per resource, {int(large['resources']):,} against "  # type: ignore[call-overload]
            f"{int(small['resources']):,} resources: "  # type: ignore[call-overload]
            f"{ratios[0]:.2f}× wall time, {ratios[1]:.2f}× CPU time; each further resource "
            f"{marginal:.2f} ms of wall time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, nargs="*", default=[],
                        help="generate corpora of these sizes into bench/corpus/SIZE")
    parser.add_argument("--dir", type=Path, action="append", default=[],
                        help="measure this directory too (repeatable)")
    parser.add_argument("--repeat", type=int, default=3, help="sovlint runs per corpus")
    parser.add_argument("--jobs", type=int, default=None,
                        help="sovlint --jobs (default: sovlint's own, the number of CPUs)")
    parser.add_argument("--no-cache", action="store_true",
                        help="cold runs (sovlint --no-cache); default: warm runs")
    parser.add_argument("--checkov", action="store_true", help="run Checkov on the same trees")
    parser.add_argument("--checkov-repeat", type=int, default=None,
                        help="Checkov runs per corpus (default: --repeat)")
    parser.add_argument("--checkov-venv", type=Path, default=None,
                        help="virtual environment holding Checkov")
    parser.add_argument("--create-checkov-venv", action="store_true",
                        help="create --checkov-venv and install Checkov if it is missing")
    parser.add_argument("--checkov-version", default=None,
                        help="Checkov version to install (default: the latest)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON")
    args = parser.parse_args()
    if args.create_checkov_venv and args.checkov_venv is None:
        parser.error("--create-checkov-venv needs --checkov-venv DIR")
    checkov = find_checkov(args) if args.checkov else None
    targets = list(args.dir)
    for size in args.resources:
        corpus = HERE / "corpus" / f"{size}"
        generate(size, corpus)
        targets.append(corpus)
    if not targets:
        parser.error("nothing to measure: give --resources or --dir")
    load_before = _load_average()
    rows = [measure(target, args, checkov) for target in targets]
    print(table(rows, args.markdown))
    note = flatness(rows[len(args.dir):])  # the generated corpora, one shape at several sizes
    if note:
        print(f"\n{note}")
    tools = f"sovlint {_sovlint_version()}"
    if checkov:
        tools += f", Checkov {checkov_version(checkov)}"
    print(f"\n{tools}; Python {sys.version.split()[0]}; {os.cpu_count()} CPUs; "
          f"1-minute load average {load_before} before the runs, {_load_average()} after")
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


def _load_average() -> str:
    """Other work on the machine skews wall times: the report says how busy it was."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "unknown"


def _sovlint_version() -> str:
    try:
        from sovlint import __version__
    except ImportError:
        return "unknown"
    return str(__version__)


if __name__ == "__main__":
    main()
