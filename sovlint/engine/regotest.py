"""Rego unit tests (`test_*` rules), run like `opa test`: each test passes when it is true."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sovlint.engine.rego import RegoEngine, describe_engine_error, display_name

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
    """Compile every policy and test file under the directories and run each test."""
    engine = RegoEngine(directories, tests=True)
    results: list[RegoTestResult] = []
    for package, name, path in discover_tests(engine.files):
        try:
            raw = engine.engine.eval_query_as_json(f"data.{package}.{name}")
            values = [
                expression.get("value")
                for entry in json.loads(raw).get("result", [])
                for expression in entry.get("expressions", [])
            ]
            passed = values == [True]
            results.append(RegoTestResult(package, name, display_name(path), passed,
                                          None if passed else "test is false or undefined"))
        except RuntimeError as exc:
            results.append(RegoTestResult(package, name, display_name(path), False,
                                          describe_engine_error(exc)))
    return results
