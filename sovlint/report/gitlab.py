"""`--format gitlab`: a GitLab Code Quality report (`artifacts:reports:codequality`).

A JSON array with one issue per unsuppressed finding: `description`, `check_name` (the rule
id), `fingerprint` (the baseline fingerprint: rule, root module, resource, file, so an issue
keeps its identity when its block moves and the same module in two roots is two issues),
`severity` and `location` (`path`, `lines.begin`/`end`).
Suppressed findings are left out: GitLab has no notion of an accepted issue.
"""

from __future__ import annotations

from typing import Any

from sovlint.jsontext import pretty
from sovlint.model import Finding, ScanResult, Severity
from sovlint.suppress import fingerprint

# GitLab's scale is info, minor, major, critical, blocker.
SEVERITIES: dict[Severity, str] = {
    "low": "minor", "medium": "major", "high": "critical", "critical": "blocker",
}


def render(result: ScanResult, *, color: bool = False) -> str:
    """The Code Quality report; ``color`` is accepted for a uniform signature and ignored."""
    del color
    return pretty(to_document(result))


def to_document(result: ScanResult) -> list[dict[str, Any]]:
    """The report as plain data, in finding order (file, line, rule, resource)."""
    return [
        issue(finding)
        for finding in sorted(result.findings, key=Finding.sort_key)
        if not finding.suppressed
    ]


def issue(finding: Finding) -> dict[str, Any]:
    """One Code Quality issue."""
    begin = max(finding.line, 1)
    return {
        "type": "issue",
        "description": finding.message,
        "check_name": finding.rule_id,
        "fingerprint": fingerprint(finding),
        "severity": SEVERITIES[finding.severity],
        "categories": ["Security"],
        "location": {
            "path": finding.file,
            "lines": {"begin": begin, "end": max(finding.end_line, begin)},
        },
    }
