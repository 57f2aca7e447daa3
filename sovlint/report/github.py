"""`--format github`: GitHub Actions workflow commands that annotate the pull request.

One `::error`, `::warning` or `::notice` line per unsuppressed finding (high and critical,
medium, low), most severe first: GitHub shows only 10 annotations of each kind per step, so
the ones shown are the ones that matter (the job summary, `sovlint.report.summary`, lists
them all). An annotation points at the line that caused the finding (the `region =`, the
attribute creating a flow), as code review shows annotations only on changed lines. Then the
summary line of the text report. Suppressed findings are not annotated.
Values are escaped the way the Actions runner reads them back: `%`, CR and LF in the message;
those and `:` and `,` in properties (file, title).
"""

from __future__ import annotations

from sovlint.model import Finding, ScanResult, Severity, severity_rank
from sovlint.report.cause import Causes
from sovlint.report.text import summary_line

COMMANDS: dict[Severity, str] = {
    "critical": "error", "high": "error", "medium": "warning", "low": "notice",
}


def render(result: ScanResult, *, color: bool = False) -> str:
    """The workflow commands; ``color`` is ignored (the Actions log is not a terminal)."""
    del color
    causes = Causes(result.resources)
    lines = [
        annotation(finding, with_root=result.several_roots, causes=causes)
        for finding in sorted(result.active_findings,
                              key=lambda f: (-severity_rank(f.severity), f.sort_key()))
    ]
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"


def annotation(finding: Finding, *, with_root: bool = False,
               causes: Causes | None = None) -> str:
    """`::error file=...,line=...,endLine=...,title=...::message` for one finding. When the
    scan has several roots, the title names the finding's root module: a shared module's file
    carries one annotation per root that deploys it."""
    cause = causes.of(finding) if causes is not None else None
    file, line, end_line = ((cause.file, cause.line, cause.end_line) if cause is not None
                            else (finding.file, max(finding.line, 1), finding.end_line))
    title = f"{finding.rule_id} {finding.rule_name}"
    if with_root and finding.root is not None:
        title += f" ({finding.root})"
    properties = {
        "file": file,
        "line": str(line),
        "endLine": str(max(end_line, line)),
        "title": title,
    }
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{COMMANDS[finding.severity]} {rendered}::{escape_data(finding.message)}"


def escape_data(text: str) -> str:
    """A command's message: `%` first, so the escapes themselves are not escaped again."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command property value: as a message, plus the `:` and `,` that delimit properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
