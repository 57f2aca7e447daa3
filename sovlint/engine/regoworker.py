"""Bounded Rego evaluation: custom policies run in a watchdog process with a time and memory cap.

regorus offers no instruction or time limit to Python (its bytecode VM has a fixed one but
cannot compile sovlint's policies yet), and a policy can take the engine down: a function that
calls itself without end overflows the native stack (a segmentation fault, the whole scan gone
without a report), and a comprehension of 10^8 elements takes minutes and gigabytes. Custom
policies may come with the change under review (a repository configuration may name policy
directories inside the tree), so they are evaluated in a child process:

- its address space is capped (`setrlimit(RLIMIT_AS)`), and so is its CPU time;
- the parent waits at most `timeout` seconds for each evaluation, then kills it;
- one query per package, announced on stderr before it starts, so a crash, a timeout or an
  exhausted memory names the package and its file.

Any of those is a `PolicyError` ("evaluation limit exceeded"): the scan exits with the error
code (2) and no report, as for every policy that cannot be evaluated. Built-in policies alone
are evaluated in the scanning process (they are ours, and their input is bounded by the
evaluation budgets).

One process serves a `RegoEngine` for its whole life: the policies are compiled once, checked
on an input without resources, then evaluated on the scan's input. It runs in isolated mode
(`python -I`: no working directory, no user site, no PYTHON* variables) in an empty temporary
directory, with the scanning process's import path and an environment without the parent's
variables (no token, no `TF_VAR_*` value reaches it). Requests and answers are one JSON line
each.

The limits come from the environment of the person running sovlint, never from the scanned
repository: `SOVLINT_REGO_TIMEOUT` (seconds) and `SOVLINT_REGO_MEMORY` (MiB).
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from sovlint.engine import PolicyError
from sovlint.model import LIMIT_EXCEEDED

DEFAULT_TIMEOUT = 300.0  # seconds for one evaluation (50,000 resources take about 4 s)
DEFAULT_MEMORY = 2 * 1024 ** 3  # bytes of address space (50,000 resources need about 700 MiB)
TIMEOUT_ENV = "SOVLINT_REGO_TIMEOUT"
MEMORY_ENV = "SOVLINT_REGO_MEMORY"
_MIN_MEMORY_MIB = 256  # below this the interpreter and the engine cannot even start
_CHILD = ("import sys, json; sys.path[:0] = json.loads(sys.argv[1]); "
          "from sovlint.engine.regoworker import child_main; child_main()")
_LIMIT = LIMIT_EXCEEDED
_KEPT_ENVIRONMENT = ("SYSTEMROOT", "LANG", "LC_ALL", "TZ")  # SYSTEMROOT: Windows needs it


@dataclass(frozen=True)
class Limits:
    """Bounds of the watchdog: seconds per evaluation, bytes of address space."""

    timeout: float = DEFAULT_TIMEOUT
    memory: int = DEFAULT_MEMORY


def limits_from_environment(environment: Mapping[str, str] | None = None) -> Limits:
    """The limits `SOVLINT_REGO_TIMEOUT` and `SOVLINT_REGO_MEMORY` set, else the defaults; a
    value that is not a positive number is a `PolicyError` naming the variable."""
    environment = os.environ if environment is None else environment
    timeout, memory = DEFAULT_TIMEOUT, DEFAULT_MEMORY
    text = environment.get(TIMEOUT_ENV, "").strip()
    if text:
        try:
            timeout = float(text)
        except ValueError:
            timeout = -1.0
        if not 0 < timeout < float("inf"):
            raise PolicyError(f"{TIMEOUT_ENV}={text!r}: expected a positive number of seconds")
    text = environment.get(MEMORY_ENV, "").strip()
    if text:
        if not text.isdigit() or int(text) < _MIN_MEMORY_MIB:
            raise PolicyError(f"{MEMORY_ENV}={text!r}: expected a whole number of MiB, at "
                              f"least {_MIN_MEMORY_MIB}")
        memory = int(text) * 1024 ** 2
    return Limits(timeout=timeout, memory=memory)


class RegoWorker:
    """A watchdog process holding compiled policies; `evaluate` runs queries over an input."""

    def __init__(self, policies: Sequence[tuple[str, str]], limits: Limits,
                 where: Mapping[str, str]) -> None:
        self._limits = limits
        self._where = dict(where)
        self._policies: list[list[str]] | None = [list(p) for p in policies]
        self._stderr: collections.deque[str] = collections.deque(maxlen=200)
        self._last_query = ""
        cwd = tempfile.mkdtemp(prefix="sovlint-rego-")
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-c", _CHILD, json.dumps(_import_path())], cwd=cwd,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=_child_environment())
        self._stop = weakref.finalize(self, _stop_process, self._process, cwd)
        assert self._process.stderr is not None
        self._stderr_reader = threading.Thread(target=self._read_stderr,
                                               args=(self._process.stderr,), daemon=True)
        self._stderr_reader.start()

    def evaluate(self, queries: Sequence[str], input_json: str) -> dict[str, Any]:
        """The value of each query (JSON `result` of `eval_query_as_json`) over `input_json`
        (an empty text: no input).

        Raises `PolicyError` for an engine error, a crash, a timeout or exhausted memory."""
        request: dict[str, Any] = {"queries": list(queries)}
        if self._policies is not None:  # the first request compiles the policies
            request.update(policies=self._policies, memory=self._limits.memory,
                           cpu=_cpu_seconds(self._limits.timeout))
            self._policies = None
        payload = (json.dumps(request) + "\n" + input_json + "\n").encode("utf-8")
        line = self._exchange(payload)
        if not line:
            returncode = self._process.wait()
            self._stderr_reader.join(timeout=5)
            self._stop()
            raise PolicyError(f"{self._name(self._last_query)}: "
                              f"{_crash(returncode, self._limits, list(self._stderr))}")
        try:
            answer = json.loads(line)
        except ValueError:
            self._stop()
            raise PolicyError("the Rego evaluation process answered something that is not "
                              "JSON") from None
        if "error" in answer:
            self._stop()
            error = answer["error"]
            message = str(error.get("message", ""))
            if error.get("memory"):
                message = f"{_LIMIT}: more than {_mib(self._limits.memory)} of memory"
            if error.get("located"):
                raise PolicyError(message)
            raise PolicyError(f"{self._name(str(error.get('query', '')))}: {message}")
        results: dict[str, Any] = answer["results"]
        return results

    def close(self) -> None:
        """End the process (it also ends by itself when this process exits)."""
        self._stop()

    def _exchange(self, payload: bytes) -> bytes:
        """Send one request and read its answer line within the deadline; b"" if the process
        ended first."""
        answer: list[bytes] = [b""]
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        stdin, stdout = process.stdin, process.stdout

        def run() -> None:
            try:
                stdin.write(payload)
                stdin.flush()
                answer[0] = stdout.readline()
            except (OSError, ValueError):  # the process ended: its exit status says why
                answer[0] = b""

        exchange = threading.Thread(target=run, daemon=True)
        exchange.start()
        exchange.join(self._limits.timeout)
        if exchange.is_alive():
            self._stop()
            exchange.join(timeout=5)
            self._stderr_reader.join(timeout=5)
            raise PolicyError(f"{self._name(self._last_query)}: {_LIMIT}: the Rego evaluation "
                              f"did not finish within {self._limits.timeout:g} s")
        return answer[0]

    def _read_stderr(self, stream: IO[bytes]) -> None:
        for raw in stream:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if line.startswith("query "):
                self._last_query = line[len("query "):]
            else:
                self._stderr.append(line)

    def _name(self, query: str) -> str:
        file = self._where.get(query)
        if file is not None:
            return f"{file} ({query})"
        return query or "Rego policies"


def _stop_process(process: subprocess.Popen[bytes], cwd: str) -> None:
    if process.poll() is None:
        process.kill()
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        process.wait(timeout=5)
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    shutil.rmtree(cwd, ignore_errors=True)


def _cpu_seconds(timeout: float) -> int:
    # A backstop for a process whose parent is gone: two evaluations (the check at load time
    # and the scan's), each within the deadline.
    return int(2 * timeout) + 5


def _import_path() -> list[str]:
    """The scanning process's import path without the working directory (the scanned tree)."""
    cwd = os.path.realpath(os.getcwd())
    return [entry for entry in sys.path
            if entry not in ("", ".") and os.path.realpath(entry) != cwd]


def _child_environment() -> dict[str, str]:
    # Nothing of the parent's environment: tokens, TF_VAR_* values and cloud credentials stay
    # out of the process that evaluates policies of the change under review.
    return {name: os.environ[name] for name in _KEPT_ENVIRONMENT if name in os.environ}


def _mib(size: int) -> str:
    return f"{size / 1024 ** 2:,.0f} MiB"


def _crash(returncode: int, limits: Limits, stderr: Sequence[str]) -> str:
    if returncode < 0:
        number = -returncode
        if number in (signal.SIGSEGV, getattr(signal, "SIGBUS", signal.SIGSEGV)):
            return (f"{_LIMIT}: the Rego engine crashed (signal {number}, stack overflow: a "
                    "function or rule that calls itself without end?)")
        if number == signal.SIGABRT:
            return (f"{_LIMIT}: the Rego engine stopped (memory above "
                    f"{_mib(limits.memory)}, or an internal error)")
        if number in (signal.SIGKILL, getattr(signal, "SIGXCPU", signal.SIGKILL)):
            return f"{_LIMIT}: the Rego evaluation used more than {limits.timeout:g} s"
        return f"the Rego evaluation process ended with signal {number}"
    text = "\n".join(stderr)
    if "MemoryError" in text or "memory allocation" in text:
        return f"{_LIMIT}: more than {_mib(limits.memory)} of memory"
    last = [line for line in stderr if line.strip()]
    detail = f": {last[-1].strip()[:300]}" if last else ""
    return f"the Rego evaluation process failed (exit {returncode}){detail}"


# --- the child process ------------------------------------------------------------------------


def child_main() -> None:
    """The watchdog process: compile on the first request, then answer each request (a JSON
    header line, an input line) with one JSON line on stdout, until stdin is closed."""
    engine: Any = None
    stdin = sys.stdin.buffer
    while True:
        header = stdin.readline()
        input_line = stdin.readline()
        if not header or not input_line:
            return
        request = json.loads(header)
        try:
            if engine is None:
                _cap(int(request["memory"]), int(request["cpu"]))
                engine = _compile(request["policies"])
            answer = _evaluate(engine, request["queries"], input_line.decode("utf-8"))
        except MemoryError:
            answer = {"error": {"memory": True, "query": ""}}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
        if "error" in answer:
            return


def _cap(memory: int, cpu: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: the parent's deadline still holds
        return
    for name, value in (("RLIMIT_AS", memory), ("RLIMIT_CPU", cpu), ("RLIMIT_CORE", 0)):
        limit = getattr(resource, name, None)
        if limit is None:
            continue
        with contextlib.suppress(ValueError, OSError):  # macOS refuses some RLIMIT_AS values
            resource.setrlimit(limit, (value, value))


def _compile(policies: Sequence[Sequence[str]]) -> Any:
    import regorus

    engine = regorus.Engine()
    for name, text in policies:
        engine.add_policy(name, text)  # compiled by the parent already: no error expected
    return engine


def _evaluate(engine: Any, queries: Sequence[str], input_json: str) -> dict[str, Any]:
    from sovlint.engine.rego import describe_engine_error, has_location

    if input_json.strip():  # none: `input` stays undefined, as in a policy's unit tests
        engine.set_input_json(input_json)
    results: dict[str, Any] = {}
    for query in queries:
        sys.stderr.write(f"query {query}\n")
        sys.stderr.flush()
        try:
            raw = engine.eval_query_as_json(query)
        except RuntimeError as exc:
            return {"error": {"query": query, "message": describe_engine_error(exc),
                              "located": has_location(exc)}}
        results[query] = json.loads(raw)
    return {"results": results}
