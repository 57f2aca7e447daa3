"""`--format json`: the machine contract (SPEC §8), schema version 1.

Keys are written in the order the specification shows them; lists are sorted, so the same
result always gives the same bytes.
"""

from __future__ import annotations

from typing import Any

from sovlint import __version__
from sovlint.jsontext import pretty
from sovlint.model import Diagnostic, Finding, ParseError, ScanResult, Suppression
from sovlint.report import sorted_diagnostics

SCHEMA_VERSION = 1


def render(result: ScanResult, *, color: bool = False) -> str:
    """The JSON report; ``color`` is accepted for a uniform signature and ignored."""
    del color
    return pretty(to_document(result))


def to_document(result: ScanResult) -> dict[str, Any]:
    """The report as plain data, in schema order."""
    findings = sorted(result.findings, key=Finding.sort_key)
    suppressed = sum(1 for finding in findings if finding.suppressed)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "sovlint", "version": __version__},
        "profile": result.profile,
        "summary": {
            "files": result.files,
            "resources": len(result.resources),
            "findings": len(findings) - suppressed,
            "suppressed": suppressed,
            "errors": len(result.errors),
            "passed": result.passed,
            "skipped_files": result.skipped_files,
            "skipped_by_reason": dict(result.skipped_by_reason),
            "excluded_files": result.excluded_files,
        },
        "findings": [_finding(finding) for finding in findings],
        "errors": [_error(error) for error in sorted(result.errors, key=_error_key)],
        "diagnostics": [
            _diagnostic(diagnostic)
            for diagnostic in sorted_diagnostics(result.diagnostics)
        ],
    }


def _finding(finding: Finding) -> dict[str, Any]:
    suppression = finding.suppression
    return {
        "rule_id": finding.rule_id,
        "rule_name": finding.rule_name,
        "severity": finding.severity,
        "message": finding.message,
        "resource": finding.resource or None,
        "root": finding.root,
        "resource_type": finding.resource_type,
        "file": finding.file,
        "line": finding.line,
        "end_line": finding.end_line,
        "location": finding.location,
        "target": finding.target,
        "suppressed": finding.suppressed,
        "suppression_reason": suppression.reason if suppression is not None else None,
        "suppression": _suppression(suppression) if suppression is not None else None,
    }


def _suppression(suppression: Suppression) -> dict[str, Any]:
    # The audit trail: who accepted the finding, why, until when, and where that is written.
    return {
        "reason": suppression.reason,
        "owner": suppression.owner,
        "until": suppression.until,
        "file": suppression.file,
        "line": suppression.line,
        "kind": suppression.kind,
    }


def _error(error: ParseError) -> dict[str, Any]:
    return {"file": error.file, "line": error.line, "message": error.message}


def _error_key(error: ParseError) -> tuple[str, int, str]:
    return (error.file, error.line, error.message)


def _diagnostic(diagnostic: Diagnostic) -> dict[str, Any]:
    return {"file": diagnostic.file, "line": diagnostic.line, "message": diagnostic.message}
