"""`--format junit`: JUnit XML for Jenkins, Azure DevOps, GitLab and other test report readers.

One `<testsuite name="sovlint">`; a testcase is one rule applied to one resource
(`classname` = rule id, `name` = resource address, prefixed with its root module when the scan
has several, e.g. `envs/dr: module.records.aws_s3_bucket.records`, or the file for a parse
error):

- a failure when the rule reported the resource (the message, then `file:line`);
- skipped when every finding of that rule on that resource is suppressed (the reason);
- passed for every in-scope resource that holds data and each rule that found nothing on it.

The rules counted as evaluated are the built-in rules of the scan's profile plus any rule that
reported something. A rule of the profile turned off in the configuration (`rules: {ID: off}`)
gives a skipped testcase per checked resource ("rule turned off in the configuration"), never
a pass. SOV000 (parse error) is about
files, not resources: it appears only as failures. `errors` is always 0; a file that cannot be
read is a SOV000 failure.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

from sovlint import __version__
from sovlint.model import (
    Finding,
    Resource,
    ScanResult,
    Severity,
    root_qualified,
    severity_rank,
)
from sovlint.report.rules_info import builtin_rules

PARSE_ERROR_RULE = "SOV000"
# XML 1.0 cannot carry these characters, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class _Case:
    rule_id: str
    name: str
    file: str
    line: int
    findings: tuple[Finding, ...] = ()
    disabled: bool = False

    @property
    def active(self) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if not finding.suppressed)

    def sort_key(self) -> tuple[str, str, int, str]:
        return (self.rule_id, self.file, self.line, self.name)


def render(result: ScanResult, *, color: bool = False) -> str:
    """The JUnit XML report; ``color`` is accepted for a uniform signature and ignored."""
    del color
    root = to_element(result)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def to_element(result: ScanResult) -> ET.Element:
    """The `<testsuites>` element holding the one `sovlint` suite."""
    cases = sorted(_cases(result), key=_Case.sort_key)
    failures = sum(1 for case in cases if case.active)
    skipped = sum(1 for case in cases if case.disabled or (case.findings and not case.active))
    counts = {
        "tests": str(len(cases)),
        "failures": str(failures),
        "errors": "0",
        "skipped": str(skipped),
    }
    root = ET.Element("testsuites", {"name": "sovlint", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": "sovlint", **counts})
    properties = ET.SubElement(suite, "properties")
    for name, value in (("sovlint.version", __version__), ("profile", result.profile),
                        ("fail_on", result.fail_on), ("passed", str(result.passed).lower())):
        ET.SubElement(properties, "property", {"name": name, "value": value})
    for case in cases:
        suite.append(_testcase(case))
    return root


def evaluated_rules(result: ScanResult) -> list[str]:
    """Rules counted as run on every resource: the profile's built-in rules, plus reporters."""
    from sovlint.config import PROFILES

    in_profile = PROFILES.get(result.profile, frozenset())
    rules = {rule_id for rule_id in builtin_rules() if rule_id in in_profile}
    rules.update(rule.id for rule in result.custom_rules)
    rules.update(finding.rule_id for finding in result.findings)
    rules.discard(PARSE_ERROR_RULE)
    rules.difference_update(result.disabled_rules)
    return sorted(rules)


def _cases(result: ScanResult) -> list[_Case]:
    roots = result.several_roots
    grouped: dict[tuple[str, str, str], list[Finding]] = {}
    for finding in sorted(result.findings, key=Finding.sort_key):
        key = (finding.rule_id, finding.subject(with_root=roots) or finding.file, finding.file)
        grouped.setdefault(key, []).append(finding)
    cases = [
        _Case(rule_id=rule_id, name=name, file=file, line=max(findings[0].line, 1),
              findings=tuple(findings))
        for (rule_id, name, file), findings in grouped.items()
    ]
    for rule_id in evaluated_rules(result):
        for resource in _checked_resources(result.resources):
            name = root_qualified(resource.root, resource.address, with_root=roots)
            if (rule_id, name, resource.source.file) in grouped:
                continue
            cases.append(_Case(rule_id=rule_id, name=name,
                               file=resource.source.file, line=max(resource.source.line, 1)))
    for rule_id in sorted(set(result.disabled_rules) - {PARSE_ERROR_RULE}):
        for resource in _checked_resources(result.resources):
            name = root_qualified(resource.root, resource.address, with_root=roots)
            if (rule_id, name, resource.source.file) not in grouped:
                cases.append(_Case(rule_id=rule_id, name=name, file=resource.source.file,
                                   line=max(resource.source.line, 1), disabled=True))
    return cases


def _checked_resources(resources: Iterable[Resource]) -> list[Resource]:
    """In-scope resources that hold data, once each (per root and address)."""
    seen: dict[tuple[str | None, str, str], Resource] = {}
    for resource in resources:
        if resource.data_bearing and resource.scope.in_scope:
            seen.setdefault((resource.root, resource.address, resource.source.file), resource)
    return list(seen.values())


def _testcase(case: _Case) -> ET.Element:
    element = ET.Element("testcase", {
        "classname": case.rule_id,
        "name": _xml_text(case.name),
        "file": _xml_text(case.file),
        "line": str(case.line),
    })
    active = case.active
    if case.disabled:
        ET.SubElement(element, "skipped", {"message": "rule turned off in the configuration"})
    elif active:
        severity = _top_severity(active)
        failure = ET.SubElement(element, "failure", {
            "message": _xml_text(active[0].message),
            "type": severity,
        })
        failure.text = _xml_text("\n".join(_detail(finding) for finding in case.findings))
    elif case.findings:
        reasons = dict.fromkeys(
            finding.suppression.reason for finding in case.findings
            if finding.suppression is not None
        )
        ET.SubElement(element, "skipped",
                      {"message": _xml_text("suppressed: " + "; ".join(reasons))})
    return element


def _detail(finding: Finding) -> str:
    where = f"{finding.file}:{finding.line}" if finding.line else finding.file
    text = f"{where}: {finding.rule_id} {finding.rule_name} ({finding.severity}): {finding.message}"
    if finding.suppression is not None:
        text += f" [suppressed: {finding.suppression.reason}]"
    return text


def _top_severity(findings: Iterable[Finding]) -> Severity:
    return max((finding.severity for finding in findings), key=severity_rank)


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
