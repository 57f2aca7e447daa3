"""`--format junit`: one testcase per rule and resource, failures, skips and passes counted."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET

from helpers import run_cli

from sovlint.model import (
    UNKNOWN_LOCATION,
    UNKNOWN_PROVIDER,
    Finding,
    Resource,
    ScanResult,
    Scope,
    Source,
    Suppression,
)
from sovlint.report import render
from sovlint.report.junit import evaluated_rules


def resource(address: str, line: int, *, data_bearing: bool = True,
             in_scope: bool = True) -> Resource:
    return Resource(address=address, type=address.split(".")[0], kind="terraform",
                    source=Source("infra/main.tf", line, line + 5), provider=UNKNOWN_PROVIDER,
                    location=UNKNOWN_LOCATION, data_bearing=data_bearing,
                    scope=Scope(in_scope=in_scope, why="test"))


HEALTH = resource("aws_s3_bucket.health", 1)
ARCHIVE_BUCKET = resource("aws_s3_bucket.archive", 40)
LOGS = resource("aws_cloudwatch_log_group.app", 60, data_bearing=False)
SCRATCH = resource("aws_s3_bucket.scratch", 80, in_scope=False)

LOCATED = Finding("SOV001", "non-eu-region", "high", "located in us-east-1 (US)",
                  "aws_s3_bucket.health", "aws_s3_bucket", "infra/main.tf", 1, 6)
ARCHIVED = Finding(
    "SOV001", "non-eu-region", "medium", "located in us-west-2 (US)", "aws_s3_bucket.archive",
    "aws_s3_bucket", "infra/main.tf", 40, 45,
    suppression=Suppression(reason="legacy archive", owner="@dpo", file="infra/main.tf",
                            line=39),
)
PARSE_ERROR = Finding("SOV000", "parse-error", "high", "unexpected token '}'", None, None,
                      "bad.tf", 3, 3)


def scan_result(*findings: Finding, profile: str = "residency") -> ScanResult:
    return ScanResult(profile=profile, files=2, resources=(HEALTH, ARCHIVE_BUCKET, LOGS, SCRATCH),
                      findings=findings, errors=(), diagnostics=(), fail_on="low")


def suite_of(result: ScanResult) -> ET.Element:
    root = ET.fromstring(render(result, "junit"))
    assert root.tag == "testsuites"
    [suite] = root.findall("testsuite")
    assert suite.get("name") == "sovlint"
    return suite


def cases_of(suite: ET.Element) -> dict[tuple[str, str], ET.Element]:
    cases = {(case.get("classname", ""), case.get("name", "")): case
             for case in suite.findall("testcase")}
    assert len(cases) == len(suite.findall("testcase"))  # one testcase per rule and resource
    return cases


def test_failure_skip_and_passes_are_counted() -> None:
    result = scan_result(LOCATED, ARCHIVED, PARSE_ERROR)
    rules = evaluated_rules(result)  # built-in rules of the profile, SOV000 aside
    assert "SOV001" in rules and "SOV000" not in rules

    suite = suite_of(result)

    # Two checked resources (HEALTH, ARCHIVE_BUCKET) x rules, plus the parse error.
    assert suite.get("tests") == str(2 * len(rules) + 1)
    assert suite.get("failures") == "2"
    assert suite.get("skipped") == "1"
    assert suite.get("errors") == "0"


def test_unsuppressed_finding_is_a_failure_with_message_severity_and_position() -> None:
    cases = cases_of(suite_of(scan_result(LOCATED)))

    case = cases[("SOV001", "aws_s3_bucket.health")]
    assert (case.get("file"), case.get("line")) == ("infra/main.tf", "1")
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == "located in us-east-1 (US)"
    assert failure.get("type") == "high"
    assert "infra/main.tf:1" in (failure.text or "")


def test_suppressed_finding_is_skipped_with_its_reason() -> None:
    cases = cases_of(suite_of(scan_result(ARCHIVED)))

    case = cases[("SOV001", "aws_s3_bucket.archive")]
    assert case.find("failure") is None
    skipped = case.find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "suppressed: legacy archive"


def test_passing_testcases_only_for_in_scope_data_bearing_resources() -> None:
    cases = cases_of(suite_of(scan_result(LOCATED)))

    passed = cases[("SOV003", "aws_s3_bucket.health")]
    assert list(passed) == []
    assert passed.get("line") == "1"
    names = {name for _, name in cases}
    assert "aws_cloudwatch_log_group.app" not in names  # holds no data
    assert "aws_s3_bucket.scratch" not in names  # out of scope


def test_parse_error_is_named_after_the_file() -> None:
    cases = cases_of(suite_of(scan_result(PARSE_ERROR)))

    case = cases[("SOV000", "bad.tf")]
    assert case.find("failure") is not None
    assert not [name for rule, name in cases if rule == "SOV000" and name != "bad.tf"]


def test_custom_rule_in_findings_is_evaluated_on_every_checked_resource() -> None:
    custom = Finding("ACME001", "no-tape", "low", "tape backup", "aws_s3_bucket.health",
                     "aws_s3_bucket", "infra/main.tf", 1, 6)

    cases = cases_of(suite_of(scan_result(custom)))

    assert cases[("ACME001", "aws_s3_bucket.health")].find("failure") is not None
    assert list(cases[("ACME001", "aws_s3_bucket.archive")]) == []


def test_control_characters_do_not_break_the_xml() -> None:
    odd = dataclasses.replace(LOCATED, message="bell \x07 and\nnewline")

    suite = suite_of(scan_result(odd))

    failure = cases_of(suite)[("SOV001", "aws_s3_bucket.health")].find("failure")
    assert failure is not None and "\x07" not in (failure.get("message") or "")


def test_same_result_gives_identical_bytes_whatever_the_input_order() -> None:
    first = render(scan_result(LOCATED, ARCHIVED, PARSE_ERROR), "junit")
    second = render(scan_result(PARSE_ERROR, ARCHIVED, LOCATED), "junit")

    assert first.encode() == second.encode()
    assert first.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')


def test_fixture_scan_counts_match_the_json_report() -> None:
    xml_output = run_cli("scan", "fixtures/aws-health-records", "--format", "junit",
                         "--no-cache")
    json_output = run_cli("scan", "fixtures/aws-health-records", "--format", "json",
                          "--no-cache")

    assert xml_output.exit_code == 1
    report = json.loads(json_output.stdout)
    root = ET.fromstring(xml_output.stdout)
    [suite] = root.findall("testsuite")
    cases = suite.findall("testcase")
    failures = [case for case in cases if case.find("failure") is not None]
    skipped = [case for case in cases if case.find("skipped") is not None]
    assert suite.get("tests") == root.get("tests") == str(len(cases))
    assert suite.get("failures") == str(len(failures)) == str(report["summary"]["findings"])
    assert suite.get("skipped") == str(len(skipped)) == "0"
    assert len(cases) > len(failures)  # passes are listed too
    for case in failures:
        failure = case.find("failure")
        assert failure is not None
        assert failure.get("type") in {"low", "medium", "high", "critical"}
        assert int(case.get("line", "0")) >= 1


def test_fixture_with_a_parse_error() -> None:
    output = run_cli("scan", "fixtures/broken-terraform", "--format", "junit", "--no-cache")

    root = ET.fromstring(output.stdout)
    [case] = [c for c in root.iter("testcase") if c.get("classname") == "SOV000"]
    assert case.get("name") == "fixtures/broken-terraform/broken.tf"
    assert case.find("failure") is not None
