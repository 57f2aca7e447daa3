"""`--format gitlab`: a GitLab Code Quality report."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from helpers import run_cli

from sovlint.model import Finding, ScanResult, Severity, Suppression
from sovlint.report import render
from sovlint.suppress import fingerprint

LOCATED = Finding("SOV001", "non-eu-region", "high", "located in us-east-1 (US)",
                  "aws_s3_bucket.health", "aws_s3_bucket", "infra/main.tf", 12, 30)
PARSE_ERROR = Finding("SOV000", "parse-error", "high", "unexpected token '}'", None, None,
                      "bad.tf", 3, 3)
REQUIRED = {"description", "check_name", "fingerprint", "severity", "location"}


def scan_result(*findings: Finding) -> ScanResult:
    return ScanResult(profile="sovereign", files=1, resources=(), findings=findings, errors=(),
                      diagnostics=(), fail_on="low")


def issues(result: ScanResult) -> list[dict[str, Any]]:
    document = json.loads(render(result, "gitlab"))
    assert isinstance(document, list)
    return document


def test_issue_fields() -> None:
    [issue] = issues(scan_result(LOCATED))

    assert set(issue) >= REQUIRED
    assert issue["description"] == "located in us-east-1 (US)"
    assert issue["check_name"] == "SOV001"
    assert issue["fingerprint"] == fingerprint(LOCATED)  # the baseline's fingerprint
    assert issue["severity"] == "critical"
    assert issue["location"] == {"path": "infra/main.tf", "lines": {"begin": 12, "end": 30}}


@pytest.mark.parametrize(("severity", "expected"), [
    ("low", "minor"), ("medium", "major"), ("high", "critical"), ("critical", "blocker"),
])
def test_severities(severity: Severity, expected: str) -> None:
    [issue] = issues(scan_result(dataclasses.replace(LOCATED, severity=severity)))

    assert issue["severity"] == expected


def test_fingerprint_is_stable_across_line_moves_and_unique_per_finding() -> None:
    moved = dataclasses.replace(LOCATED, line=112, end_line=130)
    other_rule = dataclasses.replace(LOCATED, rule_id="SOV002", rule_name="x")

    [before] = issues(scan_result(LOCATED))
    [after] = issues(scan_result(moved))
    both = issues(scan_result(LOCATED, other_rule))

    assert before["fingerprint"] == after["fingerprint"]
    assert len({issue["fingerprint"] for issue in both}) == 2


def test_suppressed_findings_are_left_out_and_an_empty_report_is_an_array() -> None:
    quiet = dataclasses.replace(LOCATED, suppression=Suppression(reason="synthetic data"))

    assert render(scan_result(quiet), "gitlab") == "[]\n"


def test_parse_error_is_located_at_its_line() -> None:
    [issue] = issues(scan_result(PARSE_ERROR))

    assert issue["check_name"] == "SOV000"
    assert issue["location"] == {"path": "bad.tf", "lines": {"begin": 3, "end": 3}}


def test_same_result_gives_identical_bytes_whatever_the_input_order() -> None:
    first = render(scan_result(LOCATED, PARSE_ERROR), "gitlab")
    second = render(scan_result(PARSE_ERROR, LOCATED), "gitlab")

    assert first.encode() == second.encode()


def test_fixture_scan() -> None:
    output = run_cli("scan", "fixtures/aws-health-records", "--format", "gitlab", "--no-cache")
    report = run_cli("scan", "fixtures/aws-health-records", "--format", "json", "--no-cache")

    assert output.exit_code == 1
    document = json.loads(output.stdout)
    assert len(document) == json.loads(report.stdout)["summary"]["findings"]
    assert len({issue["fingerprint"] for issue in document}) == len(document)
    for issue in document:
        assert set(issue) >= REQUIRED
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["location"]["path"].startswith("fixtures/aws-health-records/")
        assert issue["location"]["lines"]["begin"] >= 1
