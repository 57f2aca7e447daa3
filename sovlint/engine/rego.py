"""The embedded Rego engine (regorus): no server, no network.

All policy files are compiled into one engine; one query, `data.sovlint.rules`, evaluates
every rule package over every resource of the scan. Each package exposes a `deny` set.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sovlint.engine import Deny, PolicyError, deny_from_object
from sovlint.engine.metadata import RuleMetadata, read_metadata

RULES_ROOT = "data.sovlint.rules"
_LOCATION_RE = re.compile(r"-->\s*(?P<file>[^:\s]+):(?P<line>\d+):(?P<col>\d+)")


def policy_files(directories: Iterable[Path], *, tests: bool = False) -> list[Path]:
    """The `.rego` files under the directories; test files only when asked."""
    files: list[Path] = []
    for directory in directories:
        candidates = [directory] if directory.is_file() else sorted(directory.rglob("*.rego"))
        for path in candidates:
            if path.name.endswith("_test.rego") and not tests:
                continue
            files.append(path)
    return files


def describe_engine_error(exc: Exception) -> str:
    """regorus errors carry `--> file:line:col`; keep that and the first message line."""
    text = str(exc)
    match = _LOCATION_RE.search(text)
    first = next((line.strip() for line in text.splitlines() if line.strip()), text)
    if match:
        where = f"{match.group('file')}:{match.group('line')}:{match.group('col')}"
        if where not in first:
            return f"{where}: {first}"
    return first


class RegoEngine:
    """Compiled policies, evaluated in one batched query per scan."""

    def __init__(self, directories: Sequence[Path], *, tests: bool = False) -> None:
        import regorus  # imported here: start-up time of commands that evaluate nothing

        self._engine = regorus.Engine()
        self._rules: dict[str, RuleMetadata] = {}
        self.files = policy_files(directories, tests=tests)
        for path in self.files:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise PolicyError(f"{path}: cannot read policy: {exc}") from exc
            try:
                self._engine.add_policy(path.as_posix(), text)
            except RuntimeError as exc:
                raise PolicyError(describe_engine_error(exc)) from exc
            metadata = read_metadata(path, text)
            if metadata is not None:
                self._rules[metadata.id] = metadata

    @property
    def engine(self) -> Any:
        return self._engine

    def rules(self) -> dict[str, RuleMetadata]:
        return dict(self._rules)

    def evaluate(self, input_document: dict[str, Any]) -> list[Deny]:
        self._engine.set_input_json(json.dumps(input_document, sort_keys=True))
        try:
            raw = self._engine.eval_query_as_json(RULES_ROOT)
        except RuntimeError as exc:
            raise PolicyError(describe_engine_error(exc)) from exc
        result = json.loads(raw)
        denies: list[Deny] = []
        for entry in result.get("result", []):
            for expression in entry.get("expressions", []):
                denies.extend(_collect(expression.get("value")))
        return denies


def _collect(value: Any) -> list[Deny]:
    """Every `deny` set under data.sovlint.rules, whatever the package depth."""
    denies: list[Deny] = []
    if not isinstance(value, dict):
        return denies
    for key, item in sorted(value.items()):
        if key == "deny" and isinstance(item, list):
            for obj in item:
                deny = deny_from_object(obj)
                if deny is not None:
                    denies.append(deny)
        elif isinstance(item, dict):
            denies.extend(_collect(item))
    return denies
