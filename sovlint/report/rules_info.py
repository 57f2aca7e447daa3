"""What the machine formats say about a rule: name, severity, descriptions and help.

Built-in rules are described by their policy's `# METADATA` annotation and their documentation
page (``docs/rules/SOVnnn.md``). A rule the scan reports but sovlint does not ship (a custom
policy) is described from its findings alone.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sovlint.model import Finding, RuleDescription, Severity, severity_rank
from sovlint.report.text import FIX_HINTS
from sovlint.resources import builtin_policies_dir, rule_docs_dir

# Where a user learns about the tool (SARIF `tool.driver.informationUri`).
INFORMATION_URI = "https://pypi.org/project/sovlint/"

_SEVERITIES: dict[str, Severity] = {
    "low": "low", "medium": "medium", "high": "high", "critical": "critical",
}
_SENTENCE_END = re.compile(r"(?<=[.;])\s")


@dataclass(frozen=True)
class RuleInfo:
    id: str
    name: str
    severity: Severity
    description: str  # one paragraph, plain text
    references: tuple[str, ...] = ()
    doc: str = ""  # the documentation page (Markdown), "" when there is none
    builtin: bool = False
    remediation: str = ""  # a custom rule's fix hint (built-in rules have FIX_HINTS)

    @property
    def short_description(self) -> str:
        """The first sentence of the description (the name when there is none)."""
        if not self.description:
            return self.name
        return _SENTENCE_END.split(self.description, maxsplit=1)[0].rstrip(";")

    @property
    def help_text(self) -> str:
        """Plain-text help: what the rule checks, how to fix it, where to read more."""
        parts = [self.description or self.name]
        hint = FIX_HINTS.get(self.id) if self.builtin else self.remediation
        if hint:
            parts.append(f"Fix: {hint}.")
        if self.references:
            parts.append("References: " + " ".join(self.references))
        if self.builtin:
            parts.append(f"Run `sovlint explain {self.id}` for the full documentation.")
        return "\n\n".join(parts)

    @property
    def help_markdown(self) -> str:
        """The documentation page, or the plain-text help when the rule has no page."""
        return self.doc or self.help_text


def normal_severity(value: str) -> Severity:
    """A severity from metadata; anything unknown reads as medium."""
    return _SEVERITIES.get(value.strip().lower(), "medium")


@functools.cache
def builtin_rules() -> dict[str, RuleInfo]:
    """Every rule sovlint ships, by id (read once per process)."""
    from sovlint.engine.metadata import read_metadata
    from sovlint.engine.rego import policy_files

    rules: dict[str, RuleInfo] = {}
    docs = rule_docs_dir()
    for path in policy_files([builtin_policies_dir()]):
        metadata = read_metadata(path)
        if metadata is None:
            continue
        page = docs / f"{metadata.id}.md"
        rules[metadata.id] = RuleInfo(
            id=metadata.id,
            name=metadata.name,
            severity=normal_severity(metadata.severity),
            description=" ".join(metadata.description.split()),
            references=metadata.references,
            doc=page.read_text(encoding="utf-8") if page.is_file() else "",
            builtin=True,
        )
    return dict(sorted(rules.items()))


def custom_rule_info(rule: RuleDescription) -> RuleInfo:
    """A custom rule as reports describe it: title and description from its metadata."""
    description = " ".join(rule.description.split()) or rule.title
    return RuleInfo(id=rule.id, name=rule.name, severity=rule.severity,
                    description=description, references=rule.references,
                    remediation=rule.remediation)


def rules_for(findings: Iterable[Finding],
              custom: Iterable[RuleDescription] = ()) -> dict[str, RuleInfo]:
    """Every built-in rule and every custom rule the scan evaluated, plus any other rule the
    findings report, sorted by id.

    A rule's severity is the one this scan used: the highest severity among its findings
    (a configuration may raise or lower it), else the rule's default.
    """
    known = {**builtin_rules(), **{rule.id: custom_rule_info(rule) for rule in custom}}
    used: dict[str, Severity] = {}
    names: dict[str, str] = {}
    for finding in findings:
        current = used.get(finding.rule_id)
        if current is None or severity_rank(finding.severity) > severity_rank(current):
            used[finding.rule_id] = finding.severity
        names.setdefault(finding.rule_id, finding.rule_name)
    rules: dict[str, RuleInfo] = {}
    for rule_id in sorted({*known, *used}):
        info = known.get(rule_id)
        if info is None:
            info = RuleInfo(id=rule_id, name=names[rule_id], severity=used[rule_id],
                            description="")
        elif rule_id in used and used[rule_id] != info.severity:
            info = dataclasses.replace(info, severity=used[rule_id])
        rules[rule_id] = info
    return rules

