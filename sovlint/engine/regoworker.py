"""Bounded Rego evaluation: custom policies run in a watchdog process with a time and memory cap.

regorus offers no instruction or time limit to Python (its bytecode VM has a fixed one but
cannot compile sovlint's policies yet), and a policy can take the engine down: a function that
calls itself without end overflows the native stack (a segmentation fault, the whole scan gone
without a report), and a comprehension of 10^8 elements takes minutes and gigabytes. Custom
policies may come with the change under review (a repository configuration may name policy
directories inside the tree), so they are evaluated in a child process:

- its address space is capped (`setrlimit(RLIMIT_AS)`), and so is its CPU time;
- the parent waits at most `timeout` seconds for the whole evaluation, then kills it;
- one query per package, announced on stderr before it starts, so a crash, a timeout or an
  exhausted memory names the package and its file.

Any of those is a `PolicyError` ("evaluation limit exceeded"): the scan exits with the error
code (2) and no report, as for every policy that cannot be evaluated. Built-in policies alone
are evaluated in the scanning process (they are ours, and their input is bounded by the
evaluation budgets).

The child is `python -c` in an empty temporary directory (nothing of the scanned tree on
`sys.path`); the request is one JSON line (policies, queries, limits) followed by the input.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sovlint.engine import PolicyError

DEFAULT_TIMEOUT = 300.0  # seconds for one whole evaluation (50,000 resources take about 4 s)
DEFAULT_MEMORY = 2 * 1024 ** 3  # bytes of address space (50,000 resources need about 700 MiB)
_CHILD = "from sovlint.engine.regoworker import child_main; child_main()"
_LIMIT = "evaluation limit exceeded"


@dataclass(frozen=True)
class Limits:
    """Bounds of one watchdog evaluation."""

    timeout: float = DEFAULT_TIMEOUT
    memory: int = DEFAULT_MEMORY


def evaluate_bounded(policies: Sequence[tuple[str, str]], queries: Sequence[str],
                     input_json: str, limits: Limits,
                     where: Mapping[str, str]) -> dict[str, Any]:
    """The value of each query (JSON `result` of `eval_query_as_json`) over `input_json`.

    `where` maps a query to the policy file it evaluates, for the messages. Raises
    `PolicyError` for an engine error, a crash, a timeout or exhausted memory."""
    header = json.dumps({"policies": [list(p) for p in policies], "queries": list(queries),
                         "memory": limits.memory, "cpu": int(limits.timeout) + 1})
    request = (header + "\n" + input_json).encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="sovlint-rego-") as cwd:
        process = subprocess.Popen(
            [sys.executable, "-c", _CHILD], cwd=cwd, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_child_environment())
        try:
            out, err = process.communicate(request, timeout=limits.timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            query = _last_query(err)
            raise PolicyError(f"{_name(query, where)}: {_LIMIT}: the Rego evaluation did not "
                              f"finish within {limits.timeout:g} s") from None
    if process.returncode != 0:
        query = _last_query(err)
        raise PolicyError(f"{_name(query, where)}: {_crash(process.returncode, limits, err)}")
    try:
        answer = json.loads(out)
    except ValueError:
        raise PolicyError("the Rego evaluation process answered something that is not JSON"
                          ) from None
    if "error" in answer:
        error = answer["error"]
        message = str(error.get("message", ""))
        if error.get("memory"):
            message = f"{_LIMIT}: more than {_mib(limits.memory)} of memory"
        query = str(error.get("query", ""))
        raise PolicyError(message if error.get("located") else f"{_name(query, where)}: {message}")
    results: dict[str, Any] = answer["results"]
    return results


def _child_environment() -> dict[str, str]:
    # The child needs to import sovlint as the parent did; nothing else of the environment
    # matters to it. PYTHONSAFEPATH keeps the working directory off sys.path on 3.11+.
    import sovlint

    environment = dict(os.environ)
    environment["PYTHONSAFEPATH"] = "1"
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(sovlint.__file__)))
    existing = environment.get("PYTHONPATH")
    environment["PYTHONPATH"] = (package_root if not existing
                                 else os.pathsep.join((package_root, existing)))
    return environment


def _mib(size: int) -> str:
    return f"{size / 1024 ** 2:,.0f} MiB"


def _last_query(stderr: bytes) -> str:
    lines = [line for line in stderr.decode("utf-8", "replace").splitlines()
             if line.startswith("query ")]
    return lines[-1][len("query "):] if lines else ""


def _name(query: str, where: Mapping[str, str]) -> str:
    file = where.get(query)
    if file is not None:
        return f"{file} ({query})"
    return query or "Rego policies"


def _crash(returncode: int, limits: Limits, stderr: bytes) -> str:
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
    text = stderr.decode("utf-8", "replace")
    if "MemoryError" in text or "memory allocation" in text:
        return f"{_LIMIT}: more than {_mib(limits.memory)} of memory"
    last = [line for line in text.splitlines() if line.strip() and not line.startswith("query ")]
    detail = f": {last[-1].strip()[:300]}" if last else ""
    return f"the Rego evaluation process failed (exit {returncode}){detail}"


def child_main() -> None:
    """The watchdog process: read the request, cap itself, evaluate, answer on stdout."""
    data = sys.stdin.buffer.read()
    header, _, input_json = data.partition(b"\n")
    request = json.loads(header)
    _cap(int(request["memory"]), int(request["cpu"]))
    try:
        answer = _evaluate(request, input_json.decode("utf-8"))
    except MemoryError:
        answer = {"error": {"memory": True, "query": ""}}
    sys.stdout.write(json.dumps(answer))
    sys.stdout.flush()


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


def _evaluate(request: dict[str, Any], input_json: str) -> dict[str, Any]:
    import regorus

    from sovlint.engine.rego import describe_engine_error, has_location

    engine = regorus.Engine()
    for name, text in request["policies"]:
        engine.add_policy(name, text)
    engine.set_input_json(input_json)
    results: dict[str, Any] = {}
    for query in request["queries"]:
        sys.stderr.write(f"query {query}\n")
        sys.stderr.flush()
        try:
            raw = engine.eval_query_as_json(query)
        except RuntimeError as exc:
            return {"error": {"query": query, "message": describe_engine_error(exc),
                              "located": has_location(exc)}}
        results[query] = json.loads(raw)
    return {"results": results}
