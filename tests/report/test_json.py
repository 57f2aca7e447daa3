"""`--format json`: the machine contract of SPEC §8."""

from __future__ import annotations

import json
from typing import Any

from sample_findings import ARCHIVE, PARSE_ERROR, REPLICATION

from sovlint import __version__
from sovlint.model import Diagnostic, Finding, ParseError, ScanResult, Severity
from sovlint.report import render


def scan_result(*findings: Finding, fail_on: Severity = "low") -> ScanResult:
    return ScanResult(
        profile="sovereign",
        files=12,
        resources=(),
        findings=findings,
        errors=(ParseError(file="bad.tf", line=3, message="unexpected token '}'"),),
        diagnostics=(
            Diagnostic(file="main.tf", message='module "vpc": source not available locally'),
            Diagnostic(file="a.tf", line=7, message="variable region has no value"),
        ),
        fail_on=fail_on,
    )


def report(result: ScanResult) -> Any:
    return json.loads(render(result, "json"))


def test_top_level_keys_in_specification_order() -> None:
    assert list(report(scan_result())) == [
        "schema_version", "tool", "profile", "summary", "findings", "errors", "diagnostics",
    ]


def test_header_names_schema_tool_and_profile() -> None:
    document = report(scan_result())

    assert document["schema_version"] == 1
    assert document["tool"] == {"name": "sovlint", "version": __version__}
    assert document["profile"] == "sovereign"


def test_summary_counts_unsuppressed_findings_separately() -> None:
    document = report(scan_result(REPLICATION, ARCHIVE, PARSE_ERROR))

    assert document["summary"] == {
        "files": 12, "resources": 0, "findings": 2, "suppressed": 1, "errors": 1, "passed": False,
        "skipped_files": 0, "skipped_by_reason": {}, "excluded_files": 0,
    }


def test_summary_passes_when_findings_are_below_fail_on() -> None:
    finding = Finding("SOV006", "foreign-registry-image", "low", "pulled from docker.io",
                      "Deployment/default/web", "Deployment", "k8s/web.yaml", 1, 20)

    document = report(scan_result(finding, fail_on="medium"))

    assert document["summary"]["passed"] is True


def test_finding_keys_and_values_as_specified() -> None:
    [finding] = report(scan_result(REPLICATION))["findings"]

    assert finding == {
        "rule_id": "SOV003",
        "rule_name": "cross-border-replication",
        "severity": "high",
        "message": "replicates to us-east-1 (US) via rule.destination.bucket",
        "resource": "aws_s3_bucket_replication_configuration.health",
        "root": None,
        "resource_type": "aws_s3_bucket_replication_configuration",
        "file": "infra/main.tf",
        "line": 12,
        "end_line": 30,
        "location": {"provider": "aws", "region": "eu-west-3", "country": "FR"},
        "target": {"region": "us-east-1", "country": "US", "resource": "aws_s3_bucket.dr"},
        "suppressed": False,
        "suppression_reason": None,
        "suppression": None,
    }
    assert list(finding) == [
        "rule_id", "rule_name", "severity", "message", "resource", "root", "resource_type",
        "file", "line", "end_line", "location", "target", "suppressed", "suppression_reason",
        "suppression",
    ]


def test_suppressed_finding_carries_the_audit_trail() -> None:
    [finding] = report(scan_result(ARCHIVE))["findings"]

    assert finding["suppressed"] is True
    assert finding["suppression_reason"] == "legacy archive, deleted after migration"
    assert finding["suppression"] == {
        "reason": "legacy archive, deleted after migration",
        "owner": "@dpo-team",
        "until": "2027-03-31",
        "file": "infra/main.tf",
        "line": 39,
        "kind": "inline",
    }


def test_parse_error_is_a_finding_without_resource_and_an_error_entry() -> None:
    document = report(scan_result(PARSE_ERROR))

    [finding] = document["findings"]
    assert (finding["rule_id"], finding["resource"], finding["file"], finding["line"]) == (
        "SOV000", None, "bad.tf", 3,
    )
    assert document["errors"] == [{"file": "bad.tf", "line": 3, "message": "unexpected token '}'"}]


def test_findings_sorted_by_file_line_rule_resource() -> None:
    document = report(scan_result(ARCHIVE, REPLICATION, PARSE_ERROR))

    order = [(f["file"], f["line"]) for f in document["findings"]]
    assert order == [("bad.tf", 3), ("infra/main.tf", 12), ("infra/main.tf", 40)]


def test_diagnostics_sorted_with_nullable_line() -> None:
    assert report(scan_result())["diagnostics"] == [
        {"file": "a.tf", "line": 7, "message": "variable region has no value"},
        {"file": "main.tf", "line": None, "message": 'module "vpc": source not available locally'},
    ]


def test_same_result_gives_identical_bytes_whatever_the_input_order() -> None:
    first = render(scan_result(REPLICATION, ARCHIVE, PARSE_ERROR), "json")
    second = render(scan_result(PARSE_ERROR, ARCHIVE, REPLICATION), "json")

    assert first.encode() == second.encode()


def test_output_is_indented_utf8_with_trailing_newline() -> None:
    finding = Finding("SOV001", "non-eu-region", "high", "located in São Paulo (BR)",
                      "aws_s3_bucket.sp", "aws_s3_bucket", "main.tf", 1, 3)

    output = render(scan_result(finding), "json")

    assert output.startswith('{\n  "schema_version": 1,\n')
    assert output.endswith("}\n")
    assert "São Paulo" in output
