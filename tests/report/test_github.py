"""`--format github`: workflow-command annotations, escaped as the Actions runner reads them."""

from __future__ import annotations

import dataclasses
import json

from helpers import run_cli

from sovlint.model import Finding, ScanResult, Severity, Suppression
from sovlint.report import render
from sovlint.report.github import escape_data, escape_property
from sovlint.report.text import summary_line

LOCATED = Finding("SOV001", "non-eu-region", "high", "located in us-east-1 (US)",
                  "aws_s3_bucket.health", "aws_s3_bucket", "infra/main.tf", 12, 30)


def scan_result(*findings: Finding) -> ScanResult:
    return ScanResult(profile="sovereign", files=1, resources=(), findings=findings, errors=(),
                      diagnostics=(), fail_on="low")


def lines_of(result: ScanResult) -> list[str]:
    output = render(result, "github")
    assert output.endswith("\n")
    return output.splitlines()


def test_one_annotation_per_finding_then_the_summary() -> None:
    result = scan_result(LOCATED)

    lines = lines_of(result)

    assert lines == [
        "::error file=infra/main.tf,line=12,endLine=30,title=SOV001 non-eu-region"
        "::located in us-east-1 (US)",
        summary_line(result),
    ]
    assert not lines[-1].startswith("::")


def test_severity_picks_the_command() -> None:
    commands: dict[Severity, str] = {
        "critical": "::error ", "high": "::error ", "medium": "::warning ", "low": "::notice ",
    }
    for severity, command in commands.items():
        [annotation, _] = lines_of(scan_result(dataclasses.replace(LOCATED, severity=severity)))
        assert annotation.startswith(command)


def test_message_and_properties_are_escaped() -> None:
    finding = dataclasses.replace(
        LOCATED,
        rule_name="odd:name",
        message="100% of the data\r\nleaves the EU",
        file="infra/eu,west/a:b%.tf",
    )

    [annotation, _] = lines_of(scan_result(finding))

    assert annotation == (
        "::error file=infra/eu%2Cwest/a%3Ab%25.tf,line=12,endLine=30,title=SOV001 odd%3Aname"
        "::100%25 of the data%0D%0Aleaves the EU"
    )


def test_escape_functions() -> None:
    assert escape_data("a%b\rc\nd:e,f") == "a%25b%0Dc%0Ad:e,f"
    assert escape_property("a%b\rc\nd:e,f") == "a%25b%0Dc%0Ad%3Ae%2Cf"
    assert escape_data("%0A") == "%250A"  # the escapes themselves are not read back as escapes


def test_suppressed_findings_are_not_annotated() -> None:
    quiet = dataclasses.replace(LOCATED, suppression=Suppression(reason="synthetic data"))

    lines = lines_of(scan_result(quiet))

    assert len(lines) == 1
    assert "1 suppressed" in lines[0]


def test_line_is_at_least_one() -> None:
    parse_error = Finding("SOV000", "parse-error", "high", "cannot parse", None, None,
                          "bad.tf", 0, 0)

    [annotation, _] = lines_of(scan_result(parse_error))

    assert annotation.startswith("::error file=bad.tf,line=1,endLine=1,title=SOV000 parse-error::")


def test_fixture_scan_annotates_every_unsuppressed_finding() -> None:
    output = run_cli("scan", "fixtures/aws-health-records", "--format", "github", "--no-cache")
    report = run_cli("scan", "fixtures/aws-health-records", "--format", "json", "--no-cache")

    assert output.exit_code == 1
    lines = output.stdout.splitlines()
    annotations = lines[:-1]
    assert len(annotations) == json.loads(report.stdout)["summary"]["findings"]
    for line in annotations:
        assert line.split(" ", 1)[0] in {"::error", "::warning", "::notice"}
        assert "file=fixtures/aws-health-records/" in line
        assert "\n" not in line
    assert lines[-1].startswith(f"{len(annotations)} findings")
