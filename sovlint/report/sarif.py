"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF readers.

One run. The driver lists every built-in rule (plus any custom rule the scan reported), so the
file says which rules were checked even when nothing was found, and `ruleIndex` stays the same
from one scan to the next. Every finding is a result; a suppressed finding (inline ignore or
baseline) keeps its level and carries a `suppressions` entry with the justification, which
GitHub code scanning does not read as a dismissal (see docs/ci.md). Each result's primary
location is the line that caused it (the `region =` of the resource or of its provider, the
attribute that creates a flow), and the resource block is a related location: code review
shows inline alerts only on changed lines. Paths are relative to the repository root (the
directory holding `.git` above the first scanned path, else that path) under `%SRCROOT%`,
whatever directory sovlint ran from. `automationDetails.id` names the scanned directory, so
several sovlint runs over one repository do not close each other's alerts. Fingerprints ignore
line numbers, so an alert follows its resource when the block moves, and include the root
module, so the same module deployed by two roots gives two alerts.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sovlint import __version__
from sovlint.catalog import catalogue_identity
from sovlint.jsontext import pretty
from sovlint.model import Diagnostic, Finding, ScanResult, Severity, Suppression
from sovlint.report import sorted_diagnostics
from sovlint.report.cause import Causes
from sovlint.report.rules_info import INFORMATION_URI, RuleInfo, rules_for
from sovlint.suppress import fingerprint

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "sovlintFingerprint/v1"

LEVELS: dict[Severity, str] = {
    "critical": "error", "high": "error", "medium": "warning", "low": "note",
}
# GitHub code scanning reads a rule's `security-severity` (0.0-10.0) to rank alerts:
# over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY: dict[Severity, str] = {
    "critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0",
}
TAGS: tuple[str, ...] = ("security", "sovereignty", "gdpr")
# Code scanning cuts descriptions longer than this.
_DESCRIPTION_LIMIT = 1000


def render(result: ScanResult, *, color: bool = False) -> str:
    """The SARIF log; ``color`` is accepted for a uniform signature and ignored."""
    del color
    return pretty(to_document(result))


def without_suppressed(result: ScanResult) -> ScanResult:
    """The scan with its suppressed findings left out, for `--sarif-omit-suppressed`: GitHub
    code scanning opens an alert for a result even when it carries `suppressions`, so a
    repository whose ignores and baseline must not become alerts uploads the SARIF without
    them (the JSON report still keeps the audit trail)."""
    from dataclasses import replace

    return replace(result, findings=result.active_findings)


def to_document(result: ScanResult) -> dict[str, Any]:
    """The SARIF log as plain data."""
    findings = sorted(result.findings, key=Finding.sort_key)
    rules = rules_for(findings, result.custom_rules)
    index = {rule_id: position for position, rule_id in enumerate(rules)}
    paths = ArtifactPaths.of(result)
    causes = Causes(result.resources)
    catalogue = catalogue_identity()
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "sovlint",
                "fullName": f"sovlint {__version__} (catalogue {catalogue.date}), "
                            "data-sovereignty linter for infrastructure as code",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(rule) for rule in rules.values()],
                "properties": {"catalogueDate": catalogue.date,
                               "catalogueSchemas": list(catalogue.schemas)},
            }
        },
        "automationDetails": {"id": paths.automation_id()},
        "originalUriBaseIds": {
            SRCROOT: {"description": {"text": "The root of the scanned repository."}}
        },
        "results": [_result(finding, index[finding.rule_id], paths, causes)
                    for finding in findings],
        "invocations": [_invocation(result, paths)],
        "properties": {"profile": result.profile, "failOn": result.fail_on},
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _rule(rule: RuleInfo) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": _clip(rule.short_description)},
        "fullDescription": {"text": _clip(rule.description or rule.name)},
        "help": {"text": rule.help_text, "markdown": rule.help_markdown},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "severity": rule.severity,
            "tags": list(TAGS),
        },
    }


class ArtifactPaths:
    """Report paths (relative to the directory the scan displays them from) as URIs relative
    to the repository root."""

    def __init__(self, display_root: str, source_root: str, scan_root: str) -> None:
        self.display_root = display_root
        self.source_root = source_root
        self.scan_root = scan_root

    @classmethod
    def of(cls, result: ScanResult) -> ArtifactPaths:
        display = result.display_root or os.getcwd()
        scan_root = result.scan_root or display
        return cls(display, repository_root(scan_root), scan_root)

    def uri(self, path: str) -> dict[str, str]:
        """An artifactLocation for a report path: under %SRCROOT% when inside the repository,
        else as written (stdin, a path outside every repository)."""
        absolute = os.path.normpath(os.path.join(self.display_root, path))
        relative = os.path.relpath(absolute, self.source_root)
        if relative == ".." or relative.startswith(".." + os.sep) or os.path.isabs(relative):
            return {"uri": artifact_uri(path)}
        return {"uri": artifact_uri(relative), "uriBaseId": SRCROOT}

    def automation_id(self) -> str:
        """`sovlint/DIR/`: the category of the run is the scanned directory in the repository,
        so scans of `infra/` and `k8s/` keep their own alerts."""
        relative = os.path.relpath(self.scan_root, self.source_root).replace(os.sep, "/")
        return "sovlint/" if relative in (".", "") or relative.startswith("..") \
            else f"sovlint/{relative}/"


def repository_root(start: str) -> str:
    """The nearest directory at or above ``start`` holding `.git` (a directory, or the file of
    a worktree or submodule), else ``start`` itself. Read from the file system: no git
    process runs."""
    directory = Path(start)
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return str(candidate)
    return str(directory)


def _result(finding: Finding, rule_index: int, paths: ArtifactPaths,
            causes: Causes) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
    }
    cause = causes.of(finding)
    block = _location(finding, paths)
    if cause is None:
        result["locations"] = [block]
    else:
        primary = {
            "physicalLocation": {
                "artifactLocation": paths.uri(cause.file),
                "region": {"startLine": cause.line, "endLine": cause.end_line},
            }
        }
        if "logicalLocations" in block:
            primary["logicalLocations"] = block["logicalLocations"]
        block = {"id": 0, **block, "message": {
            "text": f"resource block {finding.resource}" if finding.resource else "block"}}
        result["locations"] = [primary]
        result["relatedLocations"] = [block]
    result["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint(finding)}
    if finding.suppression is not None:
        result["suppressions"] = [_suppression(finding.suppression, paths)]
    properties: dict[str, Any] = {"severity": finding.severity}
    if finding.root is not None:
        properties["rootModule"] = finding.root
    if finding.resource_type:
        properties["resourceType"] = finding.resource_type
    if finding.location is not None:
        properties["location"] = finding.location
    if finding.target is not None:
        properties["target"] = finding.target
    result["properties"] = properties
    return result


def _location(finding: Finding, paths: ArtifactPaths) -> dict[str, Any]:
    start = max(finding.line, 1)
    physical = {
        "artifactLocation": paths.uri(finding.file),
        "region": {"startLine": start, "endLine": max(finding.end_line, start)},
    }
    location: dict[str, Any] = {"physicalLocation": physical}
    logical = []
    if finding.root is not None:
        # The root module (or overlay) the resource was evaluated for: with the address, its
        # identity (the same module in two roots is two results).
        logical.append({"fullyQualifiedName": finding.root, "kind": "module"})
    if finding.resource:
        logical.append({"fullyQualifiedName": finding.resource, "kind": "resource"})
    if logical:
        location["logicalLocations"] = logical
    return location


def _suppression(suppression: Suppression, paths: ArtifactPaths) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    if suppression.owner:
        properties["owner"] = suppression.owner
    if suppression.until:
        properties["until"] = suppression.until
    entry: dict[str, Any] = {
        "kind": "inSource" if suppression.kind == "inline" else "external",
        "status": "accepted",
        "justification": suppression.reason,
    }
    if suppression.file:
        # Where the ignore comment is written (baseline entries have no place in the code).
        physical: dict[str, Any] = {
            "artifactLocation": paths.uri(suppression.file),
        }
        if suppression.line >= 1:
            physical["region"] = {"startLine": suppression.line}
        entry["location"] = {"physicalLocation": physical}
    if properties:
        entry["properties"] = properties
    return entry


def _invocation(result: ScanResult, paths: ArtifactPaths) -> dict[str, Any]:
    # Notes (a module not available, an ignore that does not suppress) travel with the run.
    invocation: dict[str, Any] = {"executionSuccessful": True}
    notifications = [_notification(note, paths)
                     for note in sorted_diagnostics(result.diagnostics)]
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


def _notification(note: Diagnostic, paths: ArtifactPaths) -> dict[str, Any]:
    notification: dict[str, Any] = {"level": "note", "message": {"text": note.message}}
    if note.file:
        physical: dict[str, Any] = {
            "artifactLocation": paths.uri(note.file),
        }
        if note.line is not None and note.line >= 1:
            physical["region"] = {"startLine": note.line}
        notification["locations"] = [{"physicalLocation": physical}]
    return notification


def artifact_uri(path: str) -> str:
    """A relative path as a URI reference: forward slashes, reserved characters escaped."""
    return quote(path.replace("\\", "/"), safe="/-._~!$&'()*+,;=@")


def _clip(text: str) -> str:
    return text if len(text) <= _DESCRIPTION_LIMIT else text[: _DESCRIPTION_LIMIT - 1] + "…"
