"""Rego unit tests (`test_*` rules), run like `opa test`: each test passes when it is true."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sovlint.engine import PolicyError
from sovlint.engine.rego import RegoEngine, describe_engine_error, display_name
from sovlint.model import LIMIT_EXCEEDED

_TEST_RE = re.compile(r"^(test_[A-Za-z0-9_]+)\s*(?:if\b|:?=|\{)", re.M)
_PACKAGE_RE = re.compile(r"^\s*package\s+([\w.]+)", re.M)


@dataclass(frozen=True)
class RegoTestResult:
    package: str
    name: str
    file: str
    passed: bool
    error: str | None = None


def discover_tests(files: Sequence[Path]) -> list[tuple[str, str, Path]]:
    """(package, test rule name, file) for every `test_*` rule in `*_test.rego` files."""
    found: list[tuple[str, str, Path]] = []
    for path in files:
        if not path.name.endswith("_test.rego"):
            continue
        text = path.read_text(encoding="utf-8")
        package = _PACKAGE_RE.search(text)
        if package is None:
            continue
        for name in dict.fromkeys(_TEST_RE.findall(text)):
            found.append((package.group(1), name, path))
    return found


def run_tests(directories: Sequence[Path]) -> list[RegoTestResult]:
    """Compile every policy and test file under the directories and run each test.

    With custom policies (anything but the built-in set) every test is evaluated in the
    watchdog process of `sovlint scan` (engine/regoworker.py): a test that exceeds its time or
    memory, or takes the engine down (a function calling itself without end), is a
    `PolicyError` naming the test ("evaluation limit exceeded"), not a crash or a hang. A test
    whose evaluation merely fails (an engine error) is a failed test, as in process."""
    engine = RegoEngine(directories, tests=True)
    try:
        return _run(engine)
    finally:
        engine.close()


def _run(engine: RegoEngine) -> list[RegoTestResult]:
    results: list[RegoTestResult] = []
    for package, name, path in discover_tests(engine.files):
        query = f"data.{package}.{name}"
        if engine.bounded:
            try:
                answer = engine.query_bounded(query)
            except PolicyError as exc:
                if LIMIT_EXCEEDED in str(exc):
                    raise PolicyError(f"{display_name(path)}: {exc}") from None
                results.append(RegoTestResult(package, name, display_name(path), False,
                                              str(exc)))
                continue
            results.append(_result(package, name, path, answer))
            continue
        try:
            raw = engine.engine.eval_query_as_json(query)
            results.append(_result(package, name, path, json.loads(raw)))
        except RuntimeError as exc:
            results.append(RegoTestResult(package, name, display_name(path), False,
                                          describe_engine_error(exc)))
    return results


def _result(package: str, name: str, path: Path, answer: dict[str, Any]) -> RegoTestResult:
    """A test passes when its only value is true."""
    found = answer.get("result", [])
    values = [
        expression.get("value")
        for entry in (found if isinstance(found, list) else [])
        for expression in entry.get("expressions", [])
    ]
    passed = values == [True]
    return RegoTestResult(package, name, display_name(path), passed,
                          None if passed else "test is false or undefined")
