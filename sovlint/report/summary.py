"""`--format markdown`, and the job summary GitHub Actions shows (`$GITHUB_STEP_SUMMARY`).

GitHub shows at most 10 annotations of each kind per step, so the summary carries the whole
picture: the verdict line, a table of unsuppressed findings per rule and severity, then the
findings themselves, most severe first (the first `TOP` of them; the SARIF and JSON reports
have all). Text from the scanned repository (messages, addresses, paths) is escaped so that it
cannot break the table or inject Markdown links, images or HTML.
"""

from __future__ import annotations

import re
from collections import Counter

from sovlint.model import SEVERITIES, Finding, ScanResult, severity_rank
from sovlint.report.text import summary_line

TOP = 50
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def render(result: ScanResult, *, color: bool = False) -> str:
    """The Markdown summary; ``color`` is ignored."""
    del color
    active = sorted(result.active_findings, key=_severity_first)
    lines = ["## sovlint", "", escape(summary_line(result)), ""]
    if not active:
        return "\n".join(lines)
    counts = Counter((f.rule_id, f.rule_name, f.severity) for f in active)
    lines += ["| rule | severity | findings |", "| --- | --- | ---: |"]
    for (rule_id, rule_name, severity), count in sorted(
            counts.items(), key=lambda item: (-severity_rank(item[0][2]), item[0][0])):
        lines.append(f"| {escape(rule_id)} {escape(rule_name)} | {severity} | {count} |")
    shown = active[:TOP]
    title = "Findings" if len(shown) == len(active) else f"Top {len(shown)} of {len(active)}"
    lines += ["", f"### {title}", "", "| severity | rule | resource | file | message |",
              "| --- | --- | --- | --- | --- |"]
    for finding in shown:
        resource = finding.resource or ""
        if result.several_roots and finding.root is not None:
            resource = f"{finding.root}: {resource}"
        lines.append(f"| {finding.severity} | {escape(finding.rule_id)} | {escape(resource)} "
                     f"| {escape(finding.file)}:{finding.line} | {escape(finding.message)} |")
    return "\n".join(lines) + "\n"


def escape(text: str) -> str:
    """One table cell of plain text: Markdown punctuation backslash-escaped, line breaks as
    spaces."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.splitlines()))


def _severity_first(finding: Finding) -> tuple[int, tuple[str, int, str, str, str]]:
    return (len(SEVERITIES) - severity_rank(finding.severity), finding.sort_key())
