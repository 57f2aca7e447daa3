"""`# METADATA` annotations of Rego policies (OPA's format), read by us.

The embedded engine does not expose annotations, so the YAML comment blocks are parsed here.
A rule is described by its package annotation: `title`, `description`, `related_resources`
and `custom` with `id`, `name`, `severity`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_PACKAGE_RE = re.compile(r"^\s*package\s+([\w.]+)", re.M)


@dataclass(frozen=True)
class RuleMetadata:
    id: str
    name: str
    title: str
    severity: str
    description: str = ""
    references: tuple[str, ...] = ()
    package: str = ""
    file: str = ""
    custom: dict[str, Any] = field(default_factory=dict)


def _blocks(text: str) -> list[tuple[int, str]]:
    """(line after the block, YAML text) for each METADATA comment block."""
    lines = text.splitlines()
    blocks: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == "# METADATA":
            body: list[str] = []
            i += 1
            while i < len(lines) and lines[i].lstrip().startswith("#"):
                stripped = lines[i].lstrip()[1:]
                body.append(stripped[1:] if stripped.startswith(" ") else stripped)
                i += 1
            blocks.append((i + 1, "\n".join(body)))
        else:
            i += 1
    return blocks


def read_metadata(path: Path, text: str | None = None) -> RuleMetadata | None:
    """The rule metadata of a policy file, or None when it declares no rule id."""
    text = path.read_text(encoding="utf-8") if text is None else text
    package_match = _PACKAGE_RE.search(text)
    package = package_match.group(1) if package_match else ""
    for _, block in _blocks(text):
        try:
            data = yaml.safe_load(block)
        except yaml.YAMLError:
            continue
        if not isinstance(data, dict):
            continue
        custom = data.get("custom") if isinstance(data.get("custom"), dict) else {}
        assert isinstance(custom, dict)
        rule_id = custom.get("id")
        if not isinstance(rule_id, str):
            continue
        references = []
        for item in data.get("related_resources") or []:
            if isinstance(item, dict) and isinstance(item.get("ref"), str):
                references.append(item["ref"])
            elif isinstance(item, str):
                references.append(item)
        return RuleMetadata(
            id=rule_id,
            name=str(custom.get("name", rule_id.lower())),
            title=str(data.get("title", "")),
            severity=str(custom.get("severity", "medium")),
            description=str(data.get("description", "")).strip(),
            references=tuple(references),
            package=package,
            file=path.as_posix(),
            custom=dict(custom),
        )
    return None
