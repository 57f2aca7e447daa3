"""Runs sovlint on each hostile input under a time and memory cap and prints a table.

    python bench/hostile.py [--timeout 60] [--memory-mib 2048] [--only NAME] [--sovlint PATH]
                            [--no-trace]

Each input is written to its own temporary directory; the scan runs in a child process with
`RLIMIT_AS` (address space) set in the child and a wall-clock deadline set here. The table has
the input, the exit code, the wall time, the peak RSS of the child and its descendants
(`ru_maxrss` of the children) and the result:

- finding: exit 0 or 1, a report, and the expected "limit" / "not read" text in it;
- error: exit 2 with one message and no traceback;
- crash: a traceback, a signal or another exit code;
- hang: the deadline passed.

Besides, every run is traced (`strace -f -e trace=connect`, when strace is installed) and
checked for what an attacker wants: a leak (a secret planted outside the tree, or in a token
variable, shows up in the output), code execution (a module of the scanned tree ran and left
a marker file), network calls (a `connect()` to an address that is not loopback, or to the
local listener posing as the attacker's server), raw terminal escapes in `--format text`, and
a memory blow-up (a MemoryError, or a peak RSS above 90 % of the cap). The totals end the
output. Inputs whose scan is meant to talk to the listener (an OPA server the command line
names) count those connections as expected, not as network calls.

Not run in CI: the large inputs take seconds and hundreds of megabytes on purpose.
"""

from __future__ import annotations

import argparse
import http.server
import os
import pickle
import re
import resource
import shutil
import signal
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

_TIME = "/usr/bin/time"  # GNU time: -f %M is the peak resident set size in KiB
_PEAK = "SOVLINT_HOSTILE_PEAK_KIB="
_BUCKET = 'resource "aws_s3_bucket" "b{index}" {{\n  bucket = "b{index}"\n}}\n'
SECRET = "hostile-secret-7f3a9c"  # planted outside the tree and in tokens: must never be printed
_ESCAPE = "\x1b]0;owned\x07\x1b[2J"  # retitles the terminal and clears it


@dataclass
class Context:
    """What one input's builder may use and set: a directory outside the scanned tree (with
    the secret), the marker file planted code would write, the attacker's listener."""

    root: Path
    outside: Path
    marker: Path
    port: int
    environment: dict[str, str] = field(default_factory=dict)
    text_format: bool = False  # --format text instead of json
    cache: bool = False  # with the parse cache (the default is --no-cache)
    python_m: bool = False  # `python -m sovlint` in the scanned directory
    expect_listener: bool = False  # the command line names the listener (a trusted OPA)
    between: Callable[[Context], None] | None = None  # after a first, unmeasured run


@dataclass(frozen=True)
class Hostile:
    name: str
    build: Callable[[Context], list[str]]  # writes the input, returns the scan's extra arguments


def _tf(text: str) -> Callable[[Context], list[str]]:
    def build(context: Context) -> list[str]:
        (context.root / "main.tf").write_text(text, encoding="utf-8")
        return ["."]
    return build


def _many_resources(context: Context) -> list[str]:
    with (context.root / "main.tf").open("w", encoding="utf-8") as out:
        for index in range(250_000):
            out.write(_BUCKET.format(index=index))
    return ["."]


def _long_line(context: Context) -> list[str]:
    (context.root / "main.tf").write_text('locals {\n  x = "' + "a" * 10_000_000 + '"\n}\n',
                                          encoding="utf-8")
    return ["."]


def _nested(depth: int, cache: bool = False) -> Callable[[Context], list[str]]:
    text = ("locals {\n  x = " + "[" * depth + "1" + "]" * depth + "\n}\n"
            'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n')

    def build(context: Context) -> list[str]:
        context.cache = cache
        (context.root / "main.tf").write_text(text, encoding="utf-8")
        return ["."]
    return build


def _alias_bomb(context: Context) -> list[str]:
    items = ['&a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    items += [f"&a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    (context.root / ".sovlint.yaml").write_text(
        "scope:\n  tags:\n    k: [" + ", ".join(items) + "]\n", encoding="utf-8")
    (context.root / "main.tf").write_text(_BUCKET.format(index=0), encoding="utf-8")
    return ["."]


def _deep_config(context: Context) -> list[str]:
    (context.root / ".sovlint.yaml").write_text(
        "scope:\n  tags:\n    k: " + "[" * 600 + "]" * 600 + "\n", encoding="utf-8")
    (context.root / "main.tf").write_text(_BUCKET.format(index=0), encoding="utf-8")
    return ["."]


def _var_file(target: str) -> Callable[[Context], list[str]]:
    def build(context: Context) -> list[str]:
        (context.root / "main.tf").write_text(_BUCKET.format(index=0), encoding="utf-8")
        path = target
        if target == "fifo":
            os.mkfifo(context.root / "vars.tfvars")
            path = "vars.tfvars"
        return [".", "--var-file", path]
    return build


def _fifo_main(context: Context) -> list[str]:
    os.mkfifo(context.root / "main.tf")
    return ["main.tf"]


def _fifo_yaml(context: Context) -> list[str]:
    os.mkfifo(context.root / "x.yaml")
    (context.root / "main.tf").write_text(_BUCKET.format(index=0), encoding="utf-8")
    return ["."]


def _rego(body: str) -> Callable[[Context], list[str]]:
    def build(context: Context) -> list[str]:
        policy = context.root / "policy" / "org"
        policy.mkdir(parents=True)
        (policy / "org.rego").write_text(
            "# METADATA\n# title: org\n# custom:\n#   id: ORG001\n#   severity: high\n"
            "package sovlint.rules.org\n\n" + body, encoding="utf-8")
        (context.root / "main.tf").write_text(_BUCKET.format(index=0), encoding="utf-8")
        return [".", "--policy-dir", "policy"]
    return build


# --- code execution, leaks, network -----------------------------------------------------------


def _planted_module(context: Context) -> str:
    """Python that leaves the marker file when imported."""
    return (f"from pathlib import Path\nPath({str(context.marker)!r}).write_text('ran')\n"
            "def __getattr__(name):\n    raise AttributeError(name)\n")


def _python_policy(context: Context) -> list[str]:
    (context.root / "evil.py").write_text(_planted_module(context), encoding="utf-8")
    (context.root / "evil_module.py").write_text(_planted_module(context), encoding="utf-8")
    (context.root / ".sovlint.yaml").write_text(
        "policies: [evil.py, 'python:evil_module']\n", encoding="utf-8")
    (context.root / "main.tf").write_text(_BUCKET.format(index=0), encoding="utf-8")
    return ["."]


def _shadowing_modules(context: Context) -> list[str]:
    for name in ("regorus", "click", "yaml", "re2", "requests"):
        (context.root / f"{name}.py").write_text(_planted_module(context), encoding="utf-8")
    (context.root / "main.tf").write_text(_BUCKET.format(index=0), encoding="utf-8")
    context.python_m = True
    return ["."]


def _repository_opa(context: Context) -> list[str]:
    (context.root / ".sovlint.yaml").write_text(
        f"opa:\n  url: http://127.0.0.1:{context.port}\n", encoding="utf-8")
    (context.root / "main.tf").write_text('variable "v" {}\n' + _BUCKET.format(index=0),
                                          encoding="utf-8")
    context.environment.update(SOVLINT_OPA_TOKEN=SECRET, TF_VAR_v=SECRET)
    return ["."]


def _trusted_opa(path: str) -> Callable[[Context], list[str]]:
    def build(context: Context) -> list[str]:
        config = context.outside / "trusted.yaml"
        config.write_text(f"opa:\n  url: http://127.0.0.1:{context.port}/{path}\n  timeout: 5\n",
                          encoding="utf-8")
        context.environment["SOVLINT_CONFIG"] = str(config)
        context.expect_listener = True
        (context.root / "main.tf").write_text(_BUCKET.format(index=0), encoding="utf-8")
        return ["."]
    return build


def _remote_kustomization(context: Context) -> list[str]:
    base = f"127.0.0.1:{context.port}"
    (context.root / "kustomization.yaml").write_text(
        "resources:\n  - deploy.yaml\n"
        f"  - https://{base}/org/repo//base?ref=main\n"
        f"  - {base}/org/repo/base\n"
        f"  - git@{base}:org/repo.git\n"
        f"components:\n  - http://{base}/component\n", encoding="utf-8")
    (context.root / "deploy.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n", encoding="utf-8")
    local = context.root / "local"
    local.mkdir()
    (local / "kustomization.yaml").write_text(
        "resources:\n  - ../remote-base\n", encoding="utf-8")
    remote = context.root / "remote-base"
    remote.mkdir()
    (remote / "kustomization.yaml").write_text(
        f"resources:\n  - https://{base}/org/other//x\n", encoding="utf-8")
    return ["."]


def _secret_outside(context: Context, name: str, text: str) -> Path:
    target = context.outside / name
    target.write_text(text, encoding="utf-8")
    return target


def _linked_tfvars(context: Context) -> list[str]:
    target = _secret_outside(context, "secret.tfvars.json", '{"region": "' + SECRET + '"}')
    (context.root / "terraform.tfvars.json").symlink_to(target)
    (context.root / "main.tf").write_text(
        'variable "region" {}\nresource "aws_s3_bucket" "b" {\n  region = var.region\n}\n',
        encoding="utf-8")
    return ["."]


def _linked_tf(context: Context) -> list[str]:
    target = _secret_outside(context, "secret.tf", 'resource "aws_s3_bucket" "leak" {\n'
                             f'  region = "{SECRET}"\n  broken =\n')
    (context.root / "evil.tf").symlink_to(target)
    (context.root / "main.tf").write_text(_BUCKET.format(index=0), encoding="utf-8")
    return ["."]


def _modules_json_outside(context: Context) -> list[str]:
    module = context.outside / "module"
    module.mkdir()
    (module / "main.tf").write_text(f'resource "aws_s3_bucket" "m" {{\n  region = "{SECRET}"\n}}\n',
                                    encoding="utf-8")
    modules = context.root / ".terraform" / "modules"
    modules.mkdir(parents=True)
    (modules / "modules.json").write_text(
        '{"Modules": [{"Key": "", "Source": "", "Dir": "."}, {"Key": "m", "Source": '
        f'"registry.terraform.io/org/m/aws", "Dir": {str(module)!r}}}]}}'.replace("'", '"'),
        encoding="utf-8")
    (context.root / "main.tf").write_text(
        'module "m" {\n  source = "org/m/aws"\n}\n', encoding="utf-8")
    return ["."]


def _linked_config(context: Context) -> list[str]:
    target = _secret_outside(context, "config.yaml", f"profile: {SECRET}\nfail_on: {SECRET}\n")
    (context.root / ".sovlint.yaml").symlink_to(target)
    (context.root / "main.tf").write_text(_BUCKET.format(index=0), encoding="utf-8")
    return ["."]


def _source_comment(target: str) -> Callable[[Context], list[str]]:
    def build(context: Context) -> list[str]:
        path = target
        if target == "fifo":
            path = str(context.outside / "pipe.yaml")
            os.mkfifo(path)
        elif target == "secret":
            path = str(_secret_outside(context, "secret.yaml", f"password: {SECRET}\n"))
        (context.root / "deploy.yaml").write_text(
            f"---\n# Source: {path}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
            "  name: d\nspec:\n  template:\n    spec:\n      containers:\n"
            "        - name: c\n          image: docker.io/library/nginx\n", encoding="utf-8")
        return ["."]
    return build


def _planted_pickle(context: Context) -> list[str]:
    (context.root / "main.tf").write_text(_BUCKET.format(index=0), encoding="utf-8")
    context.cache = True

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {context.marker}",))

    planted = pickle.dumps(Payload())

    def replace_entries(context: Context) -> None:
        for path in (context.root / ".cache").rglob("*"):
            if path.is_file():
                path.write_bytes(planted)
    context.between = replace_entries
    return ["."]


def _garbled_cache(context: Context) -> list[str]:
    (context.root / "main.tf").write_text(_BUCKET.format(index=0), encoding="utf-8")
    context.cache = True

    def garble(context: Context) -> None:
        for path in (context.root / ".cache").rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                path.write_bytes(data[: len(data) // 2] + b"\x00garbled")
    context.between = garble
    return ["."]


def _escapes(context: Context) -> list[str]:
    context.text_format = True
    (context.root / "main.tf").write_text(
        f'resource "aws_s3_bucket" "b" {{\n  region = "us-east-1{_ESCAPE}"\n}}\n'
        f'resource "aws_s3_bucket" "c" {{\n  broken = "{_ESCAPE}\n', encoding="utf-8")
    return ["."]


def _many_excludes(context: Context) -> list[str]:
    globs = "".join(f"  - 'dir{i}/**/x{i}*.tf'\n" for i in range(600))
    (context.root / ".sovlint.yaml").write_text("exclude:\n" + globs, encoding="utf-8")
    for index in range(200):
        (context.root / f"f{index}.tf").write_text(_BUCKET.format(index=index),
                                                   encoding="utf-8")
    return ["."]


def _many_ignores(context: Context) -> list[str]:
    with (context.root / "main.tf").open("w", encoding="utf-8") as out:
        for index in range(10_000):
            out.write(f"# sovlint:ignore SOV001 -- reason {index}\n")
            out.write(f'resource "aws_s3_bucket" "b{index}" {{\n  region = "us-east-1"\n}}\n')
    return ["."]


_NESTED_FOR = ('locals {\n  r = range(1000)\n  big = flatten([for a in local.r : [for b in '
               'local.r : [for c in local.r : "${a}${b}${c}"]]])\n}\n'
               'resource "aws_s3_bucket" "b" {\n  region = local.big[0]\n}\n')

_SLOW_ROOT = ('locals {\n  r = range(1000)\n' + "".join(
    f'  l{i} = length(flatten([for a in local.r : [for b in range(190) : "${{a}}-${{b}}-{i}"]]))\n'
    for i in range(60)) + '}\nresource "aws_s3_bucket" "b" {\n  bucket = "${local.l0}"\n}\n')


def _slow_root(context: Context) -> list[str]:
    slow = context.root / "slow"
    slow.mkdir()
    (slow / "main.tf").write_text(_SLOW_ROOT, encoding="utf-8")
    quick = context.root / "quick"
    quick.mkdir()
    (quick / "main.tf").write_text(_BUCKET.format(index=0), encoding="utf-8")
    return [".", "--root-timeout", "2"]


HOSTILE = [
    Hostile("count = 100000000", _tf('resource "aws_s3_bucket" "b" {\n  count = 100000000\n}\n')),
    Hostile("count = 1e308", _tf('resource "aws_s3_bucket" "b" {\n  count = 1e308\n}\n')),
    Hostile("count = -1", _tf('resource "aws_s3_bucket" "b" {\n  count = -1\n}\n')),
    Hostile("format %1500000000s", _tf('resource "aws_s3_bucket" "b" {\n  region = '
                                       'format("%1500000000s", "x")\n}\n')),
    Hostile("formatlist %1500000000s", _tf('resource "aws_s3_bucket" "b" {\n  region = '
                                           'formatlist("%1500000000s", ["x", "y"])[0]\n}\n')),
    Hostile("string-doubling locals", _tf(
        "locals {\n  s0 = \"ab\"\n" + "".join(
            f'  s{i + 1} = "${{local.s{i}}}${{local.s{i}}}"\n' for i in range(40))
        + '}\nresource "aws_s3_bucket" "b" {\n  region = local.s40\n}\n')),
    Hostile("nested for, 10^9 elements", _tf(_NESTED_FOR)),
    Hostile("root module slower than its budget", _slow_root),
    Hostile('regex("(a+)+$")', _tf('resource "aws_s3_bucket" "b" {\n  region = regex("(a+)+$",'
                                   ' "' + "a" * 5000 + '!")\n}\n')),
    Hostile('replace(…, "/(a+)+$/")', _tf('resource "aws_s3_bucket" "b" {\n  region = replace("'
                                          + "a" * 5000 + '!", "/(a+)+$/", "x")\n}\n')),
    Hostile("HCL brackets 300 deep", _nested(300)),
    Hostile("HCL brackets 320 deep, cached", _nested(320, cache=True)),
    Hostile("HCL brackets 5000 deep", _nested(5000)),
    Hostile("19 MB .tf, 250k resources", _many_resources),
    Hostile("10 MB single line", _long_line),
    Hostile("alias bomb in .sovlint.yaml", _alias_bomb),
    Hostile(".sovlint.yaml 600 deep", _deep_config),
    Hostile("600 exclude globs", _many_excludes),
    Hostile("10k inline ignores in one file", _many_ignores),
    Hostile("--var-file /dev/zero", _var_file("/dev/zero")),
    Hostile("--var-file FIFO", _var_file("fifo")),
    Hostile("FIFO main.tf on the command line", _fifo_main),
    Hostile("FIFO x.yaml in the tree", _fifo_yaml),
    Hostile("Rego self-recursive function", _rego(
        "f(x) := y if {\n\ty := f(x + 1)\n}\n\ndeny contains {\"rule_id\": \"ORG001\", "
        "\"message\": \"m\"} if {\n\tsome r in input.resources\n\tf(1) > r.line\n}\n")),
    Hostile("Rego comprehension of 1e8", _rego(
        "deny contains {\"rule_id\": \"ORG001\", \"message\": \"m\"} if {\n"
        "\tsome r in input.resources\n\tbig := [x | some x in numbers.range(1, 100000000)]\n"
        "\tcount(big) > r.line\n}\n")),
    Hostile("Python policy in .sovlint.yaml", _python_policy),
    Hostile("regorus.py, click.py... in the working directory", _shadowing_modules),
    Hostile("opa.url in .sovlint.yaml, token set", _repository_opa),
    Hostile("OPA answer of 3 GB announced", _trusted_opa("huge")),
    Hostile("OPA answer one line every 2 s", _trusted_opa("slow")),
    Hostile("OPA answer {}", _trusted_opa("empty")),
    Hostile("remote kustomize bases and components", _remote_kustomization),
    Hostile("terraform.tfvars.json linked outside", _linked_tfvars),
    Hostile(".tf linked outside", _linked_tf),
    Hostile("modules.json pointing outside", _modules_json_outside),
    Hostile(".sovlint.yaml linked outside", _linked_config),
    Hostile("# Source: /dev/zero", _source_comment("/dev/zero")),
    Hostile("# Source: a FIFO", _source_comment("fifo")),
    Hostile("# Source: a file outside", _source_comment("secret")),
    Hostile("pickle planted in the cache", _planted_pickle),
    Hostile("garbled cache entries", _garbled_cache),
    Hostile("terminal escapes, --format text", _escapes),
]


# --- the attacker's server --------------------------------------------------------------------


class _Listener(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    connections = 0


class _Attacker(http.server.BaseHTTPRequestHandler):
    """Answers like a hostile OPA or git server: `/huge/...` announces 3 GB, `/slow/...` sends
    one header line every 2 s, anything else `{}` (an answer without the rules)."""

    def setup(self) -> None:
        assert isinstance(self.server, _Listener)
        self.server.connections += 1
        super().setup()

    def log_message(self, format: str, *args: object) -> None:
        return

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path.startswith("/huge") and not self.path.endswith("/health"):
            self.send_response(200)
            self.send_header("Content-Length", str(3 * 1024 ** 3))
            self.end_headers()
            self.wfile.write(b"{" + b" " * 65536)
            return
        if self.path.startswith("/slow"):
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            for index in range(60):
                time.sleep(2)
                try:
                    self.wfile.write(f"X-Slow-{index}: x\r\n".encode())
                    self.wfile.flush()
                except OSError:
                    return
            return
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer


# --- one run ----------------------------------------------------------------------------------

_CONNECT = re.compile(r'connect\(\d+, \{sa_family=AF_INET6?, (?:sin6?_port=htons\((\d+)\), )?'
                      r'.*?(?:inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)")')


def _network_calls(trace: Path, port: int) -> tuple[int, int]:
    """(connect() calls to a non-loopback address or to the listener, of which to the
    listener) in an strace log."""
    calls = listener = 0
    if not trace.exists():
        return 0, 0
    for line in trace.read_text(errors="replace").splitlines():
        match = _CONNECT.search(line)
        if match is None:
            continue
        number, address = match.group(1), match.group(2) or match.group(3)
        if number == str(port) and address in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
            calls += 1
            listener += 1
        elif not (address.startswith("127.") or address in ("::1", "::ffff:127.0.0.1")):
            calls += 1
    return calls, listener


def _command(sovlint: str, python_m: bool) -> list[str]:
    if python_m:
        with open(sovlint, "rb") as script:
            first = script.readline().decode("utf-8", "replace")
        if first.startswith("#!") and "python" in first:
            return [first[2:].strip(), "-m", "sovlint"]
    return [sovlint]


@dataclass
class Outcome:
    row: list[str]
    crash: bool = False
    hang: bool = False
    memory: bool = False
    leak: bool = False
    code: bool = False
    network: int = 0
    escapes: bool = False


def _run(hostile: Hostile, sovlint: str, timeout: float, memory: int, listener: _Listener,
         trace: bool) -> Outcome:
    base = Path(tempfile.mkdtemp(prefix="sovlint-hostile-"))
    root, outside = base / "repo", base / "outside"
    root.mkdir()
    outside.mkdir()
    (root / ".git").mkdir()  # the repository under review ends here
    context = Context(root=root, outside=outside, marker=outside / "CODE-RAN",
                      port=listener.server_address[1])
    try:
        arguments = hostile.build(context)

        def cap() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

        environment = {**os.environ, "XDG_CACHE_HOME": str(root / ".cache"),
                       "XDG_STATE_HOME": str(outside / ".state"), **context.environment}
        if "SOVLINT_CONFIG" not in context.environment:
            environment.pop("SOVLINT_CONFIG", None)  # only the input's own trusted config
        scan = [*_command(sovlint, context.python_m), "scan", "--jobs", "1",
                "--format", "text" if context.text_format else "json",
                *([] if context.cache else ["--no-cache"]), *arguments]
        if context.between is not None:
            subprocess.run(scan, cwd=root, env=environment, capture_output=True,
                           timeout=timeout, check=False)
            context.between(context)
        log = outside / "connect.log"
        traced = (["strace", "-f", "-qq", "-e", "trace=connect", "-e", "signal=none", "-o",
                   str(log)] if trace else [])
        start = time.monotonic()
        # GNU time reports the peak RSS of the scan (largest of it and its children).
        process = subprocess.Popen(
            [*traced, _TIME, "-f", f"{_PEAK}%M", *scan],
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
        peak_kib = int(peaks[-1]) if peaks and peaks[-1].isdigit() else 0
        rss = f"{peak_kib / 1024:,.0f} MiB" if peak_kib else "?"
        text = "\n".join(line for line in text.splitlines()
                         if not line.startswith(_PEAK) and "exited with non-zero" not in line)
        code = process.returncode
        if code == 0 and "terminated by signal" in text:
            code = -1
        report = out.decode("utf-8", "replace")
        outcome = Outcome(row=[])
        outcome.hang = hang
        outcome.crash = not hang and ("Traceback" in text or code not in (0, 1, 2))
        outcome.memory = "MemoryError" in text or peak_kib * 1024 > 0.9 * memory
        outcome.leak = SECRET in report or SECRET in text
        outcome.code = context.marker.exists()
        calls, to_listener = _network_calls(log, context.port) if trace else (0, 0)
        outcome.network = calls - (to_listener if context.expect_listener else 0)
        # A pipe gets no colours: any ESC in the text report came from the scanned file.
        outcome.escapes = context.text_format and "\x1b" in report
        if hang:
            result = "hang"
        elif outcome.crash:
            result = "crash"
        elif code == 2:
            result = "error: " + (text.strip().splitlines() or [""])[-1][:90]
        else:
            reported = ("limit exceeded" in report or "not read" in report
                        or "not followed" in report or "not rendered" in report
                        or "not loaded" in report or "not used" in report
                        or "invalid count" in report or "outside the" in report)
            result = "finding" if reported else "report, no limit named"
        for flag, label in ((outcome.leak, "LEAK"), (outcome.code, "CODE RAN"),
                            (outcome.network, "NETWORK"), (outcome.escapes, "RAW ESCAPES"),
                            (outcome.memory, "MEMORY")):
            if flag:
                result += f"; {label}"
        outcome.row = [hostile.name, str(code), f"{wall:.1f} s", rss, result]
        return outcome
    finally:
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per input")
    parser.add_argument("--memory-mib", type=int, default=2048, help="address space per input")
    parser.add_argument("--only", help="run the inputs whose name contains this text")
    parser.add_argument("--sovlint", default=shutil.which("sovlint") or "sovlint")
    parser.add_argument("--no-trace", action="store_true",
                        help="do not trace connect() calls (network calls are then not counted)")
    options = parser.parse_args()
    trace = not options.no_trace and shutil.which("strace") is not None
    listener = _Listener(("127.0.0.1", 0), _Attacker)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    rows = [["input", "exit", "wall", "peak RSS", "result"]]
    outcomes: list[Outcome] = []
    for hostile in HOSTILE:
        if options.only and options.only not in hostile.name:
            continue
        outcome = _run(hostile, options.sovlint, options.timeout,
                       options.memory_mib * 1024 ** 2, listener, trace)
        outcomes.append(outcome)
        rows.append(outcome.row)
        print(" | ".join(rows[-1]), file=sys.stderr, flush=True)
    listener.shutdown()
    print("| " + " | ".join(rows[0]) + " |")
    print("|" + "---|" * len(rows[0]))
    for row in rows[1:]:
        print("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    print()
    totals = [("inputs tried", len(outcomes)),
              ("crashes", sum(o.crash for o in outcomes)),
              ("hangs", sum(o.hang for o in outcomes)),
              ("memory blow-ups", sum(o.memory for o in outcomes)),
              ("leaks", sum(o.leak for o in outcomes)),
              ("code-execution paths", sum(o.code for o in outcomes)),
              ("network calls", sum(o.network for o in outcomes) if trace else "not traced"),
              ("raw terminal escapes", sum(o.escapes for o in outcomes))]
    print("| " + " | ".join(name for name, _ in totals) + " |")
    print("|" + "---|" * len(totals))
    print("| " + " | ".join(str(value) for _, value in totals) + " |")


if __name__ == "__main__":
    main()
