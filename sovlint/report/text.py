"""`--format text`: the report for people.

Findings are grouped by rule, most severe rule first; each group ends with how to fix it.
Suppressed findings and notes (diagnostics) follow, then one summary line. ANSI colour only when
the caller asks for it (a terminal, and no NO_COLOR); the words carry the meaning without it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sovlint.inputs import (
    REASON_GO_TEMPLATE,
    REASON_JSON_LINES,
    REASON_JSONC,
    REASON_NOT_MANIFEST,
    REASON_TERRAFORM_TEMPLATE,
    SKIP_FILE_TYPE,
    SKIP_HELM_TEMPLATE,
    SKIP_REPLACED_BY_TOFU,
    SKIP_TERRAFORM_FILE_INPUT,
)
from sovlint.model import SEVERITIES, Diagnostic, Finding, ScanResult, Severity, severity_rank
from sovlint.report import sorted_diagnostics

# One short, concrete fix per built-in rule; custom rules print none.
FIX_HINTS: dict[str, str] = {
    "SOV000": "fix the syntax at the reported line, or list the file under `exclude` if it is "
              "not infrastructure code; the gate does not pass what it cannot read",
    "SOV001": "move the resource to a region in the allowed countries (e.g. eu-west-3, "
              "francecentral, europe-west9), set that region on the resource or its provider",
    "SOV002": "host the data with a provider under EU jurisdiction (e.g. OVHcloud, Scaleway, "
              "Outscale, IONOS); trust an entity with `allow.providers` only after an assessment",
    "SOV003": "keep replicas, backup copies and failover partners in allowed regions (e.g. ZRS "
              "instead of GRS, a replica in eu-central-1), or remove the flow",
    "SOV004": "make the location static: set `region` explicitly, give the variable a default or "
              "a tfvars value, or scan the plan JSON (`terraform show -json`)",
    "SOV005": "use a regional service (regional load balancer, regional key ring) or keep "
              "regulated data off the global path",
    "SOV006": "mirror the image into a registry run by an EU operator in the allowed countries "
              "and name that registry host in the image reference",
    "SOV007": "ship logs, metrics and traces to an EU endpoint (e.g. Datadog site datadoghq.eu, "
              "New Relic EU region, an OTLP collector in the EU)",
}

_RESET = "\033[0m"
_BOLD = "1"
_DIM = "2"
_SEVERITY_STYLE: dict[str, str] = {"critical": "1;35", "high": "1;31", "medium": "33", "low": "36"}
_PASSED_STYLE = "1;32"
_FAILED_STYLE = "1;31"


def render(result: ScanResult, *, color: bool = False) -> str:
    """The text report of ``result``; ANSI colours only when ``color`` is true. Control
    characters from scanned content are escaped (see `sovlint.report.escape`)."""
    import dataclasses

    from sovlint.report.escape import escape_strings

    # Only what the report prints: escaping every resource of a large scan would cost seconds.
    result = dataclasses.replace(
        result, findings=escape_strings(result.findings),
        diagnostics=escape_strings(result.diagnostics), errors=escape_strings(result.errors),
        custom_rules=escape_strings(result.custom_rules))
    paint = _Painter(color)
    findings = sorted(result.findings, key=Finding.sort_key)
    active = [finding for finding in findings if not finding.suppressed]
    suppressed = [finding for finding in findings if finding.suppressed]
    remediations = {rule.id: rule.remediation for rule in result.custom_rules
                    if rule.remediation}
    roots = result.several_roots
    sections = [
        *(_rule_section(group, paint, remediations, roots)
          for group in _group_by_rule(active)),
        _suppressed_section(suppressed, paint, roots),
        _notes_section(result.diagnostics, paint),
    ]
    blocks = [section for section in sections if section]
    blocks.append(_summary(result, paint))
    return "\n\n".join(blocks) + "\n"


def summary_line(result: ScanResult, *, color: bool = False) -> str:
    """E.g. `3 findings (2 high, 1 medium), 1 suppressed, 12 files, 40 resources — failed ...`."""
    return _summary(result, _Painter(color))


def _summary(result: ScanResult, paint: _Painter) -> str:
    active = result.active_findings
    counts = {severity: 0 for severity in SEVERITIES}
    for finding in active:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    parts = [_plural(len(active), "finding")]
    by_severity = [
        paint(f"{counts[severity]} {severity}", _SEVERITY_STYLE[severity])
        for severity in reversed(SEVERITIES)
        if counts[severity]
    ]
    if by_severity:
        parts[0] += f" ({', '.join(by_severity)})"
    hidden = len(result.findings) - len(active)
    if hidden:
        parts.append(f"{hidden} suppressed")
    parts.append(_plural(result.files, "file"))
    if result.skipped_files:
        reasons = ", ".join(f"{count} {_SKIP_LABELS.get(reason, reason)}"
                            for reason, count in result.skipped_by_reason.items())
        parts.append(f"{result.skipped_files} skipped ({reasons or 'not IaC'})")
    if result.excluded_files:
        parts.append(f"{result.excluded_files} excluded")
    parts.append(_plural(len(result.resources), "resource"))
    verdict = (
        paint("passed", _PASSED_STYLE) if result.passed else paint("failed", _FAILED_STYLE)
    )
    return f"{', '.join(parts)} — {verdict} (fail-on: {result.fail_on})"


# Short forms of the skip reasons (sovlint.inputs) for the summary line.
_SKIP_LABELS = {
    SKIP_FILE_TYPE: "not IaC",
    REASON_NOT_MANIFEST: "not a manifest or plan",
    SKIP_TERRAFORM_FILE_INPUT: "read by Terraform file()/templatefile()",
    SKIP_HELM_TEMPLATE: "Helm template",
    SKIP_REPLACED_BY_TOFU: "replaced by .tofu",
    REASON_GO_TEMPLATE: "Go template",
    REASON_TERRAFORM_TEMPLATE: "Terraform template",
    REASON_JSONC: "JSON with comments",
    REASON_JSON_LINES: "JSON Lines",
}


class _Painter:
    """Wraps text in an ANSI style, or leaves it alone when colour is off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, style: str) -> str:
        return f"\033[{style}m{text}{_RESET}" if self.enabled else text


def _group_by_rule(findings: Iterable[Finding]) -> list[list[Finding]]:
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.rule_id, []).append(finding)
    # Most severe rule first, then by id, so the reader meets what blocks the gate first.
    return sorted(groups.values(), key=lambda group: (-_top_rank(group), group[0].rule_id))


def _top_rank(findings: Iterable[Finding]) -> int:
    return max(severity_rank(finding.severity) for finding in findings)


def _rule_section(findings: list[Finding], paint: _Painter,
                  remediations: dict[str, str], roots: bool) -> str:
    first = findings[0]
    severity: Severity = SEVERITIES[_top_rank(findings)]
    header = (
        f"{paint(first.rule_id, _BOLD)} {first.rule_name} "
        f"({paint(severity, _SEVERITY_STYLE[severity])}) — {_plural(len(findings), 'finding')}"
    )
    lines = [header]
    for finding in findings:
        fields = [paint(_position(finding.file, finding.line), _BOLD)]
        if finding.severity != severity:
            fields.append(paint(finding.severity, _SEVERITY_STYLE[finding.severity]))
        subject = finding.subject(with_root=roots)
        if subject:
            fields.append(subject)
        fields.append(_indent_continuation(finding.message))
        lines.append("  " + "  ".join(fields))
    hint = FIX_HINTS.get(first.rule_id) or remediations.get(first.rule_id)
    if hint:
        lines.append(paint(f"    fix: {hint}", _DIM))
    return "\n".join(lines)


def _suppressed_section(findings: list[Finding], paint: _Painter, roots: bool) -> str:
    if not findings:
        return ""
    lines = [paint(f"suppressed ({len(findings)})", _BOLD)]
    for finding in findings:
        suppression = finding.suppression
        assert suppression is not None  # only suppressed findings reach this section
        fields = [_position(finding.file, finding.line), finding.rule_id]
        subject = finding.subject(with_root=roots)
        if subject:
            fields.append(subject)
        trail = [f"reason: {suppression.reason}"]
        if suppression.owner:
            trail.append(f"owner: {suppression.owner}")
        if suppression.until:
            trail.append(f"until: {suppression.until}")
        if suppression.kind != "inline":
            trail.append(f"by {suppression.kind}")
        lines.append("  " + "  ".join(fields) + "  — " + "; ".join(trail))
    return "\n".join(lines)


def _notes_section(diagnostics: Iterable[Diagnostic], paint: _Painter) -> str:
    ordered = sorted_diagnostics(diagnostics)
    if not ordered:
        return ""
    lines = [paint(f"notes ({len(ordered)})", _BOLD)]
    for note in ordered:
        where = _position(note.file, note.line)
        prefix = f"{where}: " if where else ""
        lines.append(f"  {prefix}{_indent_continuation(note.message)}")
    return "\n".join(lines)


def _position(file: str, line: int | None) -> str:
    if not file:
        return ""
    return f"{file}:{line}" if line else file


def _indent_continuation(message: str) -> str:
    return message.replace("\n", "\n      ")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
