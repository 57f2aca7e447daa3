"""`# METADATA` annotations of Rego policies (OPA's format), read by us.

The embedded engine does not expose annotations, so the YAML comment blocks are parsed here.
A rule is described by its package annotation: `title`, `description`, `related_resources`
and `custom` with `id`, `name`, `severity` and optionally `remediation`.

Built-in policies are read leniently (`read_metadata`); custom policies are checked
(`check_metadata`): a rule without an id, a title or a known severity is a `PolicyError` that
names the file and the line of its annotation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sovlint.cache import load_yaml_data

_PACKAGE_RE = re.compile(r"^\s*package\s+([\w.]+)", re.M)
SEVERITY_NAMES = ("low", "medium", "high", "critical")
# Ids of the rules sovlint ships: SOV followed by digits. Custom rules may not look like one.
BUILTIN_ID_RE = re.compile(r"^SOV\d+$")
# A custom rule id: an upper-case prefix and a number or name, e.g. ACME001, HDS-FR-1.
CUSTOM_ID_RE = re.compile(r"^[A-Z][A-Z0-9_-]{2,31}$")


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
    remediation: str = ""
    line: int = 0  # line of the `# METADATA` comment (or of a Python rule's `def`)


@dataclass(frozen=True)
class _Block:
    line: int  # 1-based line of `# METADATA`
    data: Any
    error: str | None = None


def _blocks(text: str) -> list[_Block]:
    """Every METADATA comment block, parsed as YAML (or the YAML error)."""
    lines = text.splitlines()
    blocks: list[_Block] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == "# METADATA":
            start = i + 1
            body: list[str] = []
            i += 1
            while i < len(lines) and lines[i].lstrip().startswith("#"):
                stripped = lines[i].lstrip()[1:]
                body.append(stripped[1:] if stripped.startswith(" ") else stripped)
                i += 1
            try:
                # Through the data cache: a scan need not import the YAML parser.
                blocks.append(_Block(start, load_yaml_data("\n".join(body))))
            except Exception as exc:
                import yaml

                if not isinstance(exc, yaml.YAMLError):
                    raise
                mark = getattr(exc, "problem_mark", None)
                line = start + 1 + mark.line if mark is not None else start
                problem = getattr(exc, "problem", None) or "invalid YAML"
                blocks.append(_Block(start, None, f"line {line}: {problem}"))
        else:
            i += 1
    return blocks


def package_of(text: str) -> str:
    """The package a Rego file declares ("" when none)."""
    match = _PACKAGE_RE.search(text)
    return match.group(1) if match else ""


def _metadata(path: Path, package: str, block: _Block) -> RuleMetadata | None:
    data = block.data
    if not isinstance(data, dict):
        return None
    custom = data.get("custom") if isinstance(data.get("custom"), dict) else {}
    assert isinstance(custom, dict)
    rule_id = custom.get("id")
    if not isinstance(rule_id, str):
        return None
    references = []
    for item in data.get("related_resources") or []:
        if isinstance(item, dict) and isinstance(item.get("ref"), str):
            references.append(item["ref"])
        elif isinstance(item, str):
            references.append(item)
    return RuleMetadata(
        id=rule_id,
        name=str(custom.get("name", rule_id.lower())),
        title=str(data.get("title", "") or ""),
        severity=str(custom.get("severity", "medium")),
        description=str(data.get("description", "") or "").strip(),
        references=tuple(references),
        package=package,
        file=path.as_posix(),
        custom=dict(custom),
        remediation=str(custom.get("remediation", "") or "").strip(),
        line=block.line,
    )


def read_metadata(path: Path, text: str | None = None) -> RuleMetadata | None:
    """The rule metadata of a policy file, or None when it declares no rule id."""
    text = path.read_text(encoding="utf-8") if text is None else text
    package = package_of(text)
    for block in _blocks(text):
        metadata = _metadata(path, package, block)
        if metadata is not None:
            return metadata
    return None


def check_metadata(path: Path, text: str) -> RuleMetadata | None:
    """The metadata of a custom policy file, checked; None when it declares no rule.

    Raises `PolicyError` (file:line) for an annotation that is not YAML, or a rule annotation
    without an id, a title or a known severity, or with an id sovlint reserves.
    """
    from sovlint.engine import PolicyError

    package = package_of(text)
    for block in _blocks(text):
        where = f"{path.as_posix()}:{block.line}"
        if block.error is not None:
            raise PolicyError(f"{path.as_posix()}: METADATA is not valid YAML ({block.error})")
        data = block.data
        if not isinstance(data, dict):
            raise PolicyError(f"{where}: METADATA must be a YAML mapping (title, description, "
                              "custom: {id, severity, ...})")
        custom = data.get("custom")
        if custom is None:
            continue  # a package or rule annotation that does not declare a sovlint rule
        if not isinstance(custom, dict):
            raise PolicyError(f"{where}: METADATA 'custom' must be a mapping with id, "
                              "severity and optionally name, remediation")
        metadata = _metadata(path, package, block)
        if metadata is None:
            raise PolicyError(f"{where}: METADATA 'custom' has no 'id' (a string such as "
                              "ACME001)")
        problem = rule_definition_problem(metadata.id, metadata.title,
                                          str(custom.get("severity", "")))
        if problem:
            raise PolicyError(f"{where}: {problem}")
        return metadata
    return None


def rule_definition_problem(rule_id: str, title: str, severity: str) -> str | None:
    """What is wrong with a custom rule's id, title or severity; None when nothing is."""
    if BUILTIN_ID_RE.match(rule_id):
        return (f"rule id {rule_id!r} is reserved for sovlint's built-in rules (SOV followed "
                "by digits); choose your own prefix, e.g. ACME001")
    if rule_id.startswith("SOV") or not CUSTOM_ID_RE.match(rule_id):
        return (f"rule id {rule_id!r} is not valid: use 3 to 32 upper-case letters, digits, "
                "'-' or '_', starting with a letter and not with SOV (e.g. ACME001)")
    if not title.strip():
        return f"rule {rule_id} has no title"
    if severity not in SEVERITY_NAMES:
        return (f"rule {rule_id}: severity must be one of {', '.join(SEVERITY_NAMES)}, got "
                f"{severity!r}" if severity else f"rule {rule_id} has no severity "
                f"(one of {', '.join(SEVERITY_NAMES)})")
    return None
