"""`--format sarif`: SARIF 2.1.0 that validates and that GitHub code scanning ingests."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from helpers import run_cli
from sample_findings import ARCHIVE, PARSE_ERROR, REPLICATION

from sovlint import __version__
from sovlint.model import Finding, ScanResult, Severity, Suppression
from sovlint.report import render
from sovlint.report.rules_info import builtin_rules
from sovlint.resources import rule_docs_dir

SCHEMA_FILE = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
FINGERPRINT = "sovlintFingerprint/v1"


US_BUCKET = """\
provider "aws" {
  region = "us-east-1"
}

%s
resource "aws_s3_bucket" "exports" {
  bucket = "exports"
}
"""


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


def scan_result(*findings: Finding, profile: str = "sovereign") -> ScanResult:
    return ScanResult(profile=profile, files=3, resources=(), findings=findings, errors=(),
                      diagnostics=(), fail_on="low")


def sarif(result: ScanResult) -> dict[str, Any]:
    return json.loads(render(result, "sarif"))  # type: ignore[no-any-return]


def run_of(document: dict[str, Any]) -> dict[str, Any]:
    [run] = document["runs"]
    return run  # type: ignore[no-any-return]


def result_of(document: dict[str, Any], rule_id: str) -> dict[str, Any]:
    [result] = [r for r in run_of(document)["results"] if r["ruleId"] == rule_id]
    return result  # type: ignore[no-any-return]


def test_hand_built_report_validates_against_the_schema(
        validator: jsonschema.Draft4Validator) -> None:
    document = sarif(scan_result(REPLICATION, ARCHIVE, PARSE_ERROR))

    validator.validate(document)
    assert document["version"] == "2.1.0"
    assert document["$schema"].endswith("sarif-schema-2.1.0.json")


def test_driver_names_the_tool_and_lists_every_builtin_rule() -> None:
    driver = run_of(sarif(scan_result()))["tool"]["driver"]

    assert driver["name"] == "sovlint"
    assert driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    # Every built-in rule, even on a clean scan: code scanning can tell "checked, nothing found"
    # from "not checked", and ruleIndex does not move between scans.
    assert [rule["id"] for rule in driver["rules"]] == sorted(builtin_rules())
    assert {"SOV000", "SOV001", "SOV003"} <= {rule["id"] for rule in driver["rules"]}


def test_rule_descriptor_carries_help_severity_and_tags() -> None:
    rules = run_of(sarif(scan_result()))["tool"]["driver"]["rules"]
    [rule] = [r for r in rules if r["id"] == "SOV001"]

    assert rule["name"] == "non-eu-region"
    assert rule["shortDescription"]["text"]
    assert rule["fullDescription"]["text"]
    assert "sovlint explain SOV001" in rule["help"]["text"]
    page = (rule_docs_dir() / "SOV001.md").read_text(encoding="utf-8")
    assert rule["help"]["markdown"] == page
    assert rule["defaultConfiguration"] == {"level": "error"}
    assert rule["properties"]["security-severity"] == "8.0"
    assert rule["properties"]["tags"] == ["security", "sovereignty", "gdpr"]


@pytest.mark.parametrize(("severity", "level", "score"), [
    ("critical", "error", "9.5"),
    ("high", "error", "8.0"),
    ("medium", "warning", "5.5"),
    ("low", "note", "3.0"),
])
def test_severity_maps_to_level_and_security_severity(severity: Severity, level: str,
                                                      score: str) -> None:
    finding = dataclasses.replace(REPLICATION, severity=severity)

    document = sarif(scan_result(finding))

    assert result_of(document, "SOV003")["level"] == level
    [rule] = [r for r in run_of(document)["tool"]["driver"]["rules"] if r["id"] == "SOV003"]
    # The rule says the severity this scan used (a configuration may change it).
    assert rule["properties"]["security-severity"] == score
    assert rule["defaultConfiguration"]["level"] == level


def test_result_has_rule_index_message_location_and_fingerprint() -> None:
    document = sarif(scan_result(REPLICATION))
    rules = run_of(document)["tool"]["driver"]["rules"]

    result = result_of(document, "SOV003")

    assert rules[result["ruleIndex"]]["id"] == "SOV003"
    assert result["message"] == {"text": REPLICATION.message}
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "infra/main.tf", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 12, "endLine": 30},
    }
    assert set(result["partialFingerprints"]) == {FINGERPRINT}
    assert "suppressions" not in result
    assert "%SRCROOT%" in run_of(document)["originalUriBaseIds"]


def test_fingerprint_survives_a_line_move() -> None:
    moved = dataclasses.replace(REPLICATION, line=112, end_line=130)

    before = result_of(sarif(scan_result(REPLICATION)), "SOV003")["partialFingerprints"]
    after = result_of(sarif(scan_result(moved)), "SOV003")["partialFingerprints"]

    assert before == after
    other = dataclasses.replace(REPLICATION, resource="aws_s3_bucket_replication_configuration.x")
    assert result_of(sarif(scan_result(other)), "SOV003")["partialFingerprints"] != before


def test_inline_suppression_is_in_source_with_justification_and_keeps_level() -> None:
    result = result_of(sarif(scan_result(ARCHIVE)), "SOV001")

    assert result["level"] == "error"  # code scanning reads the suppression, not the level
    [suppression] = result["suppressions"]
    assert suppression["kind"] == "inSource"
    assert suppression["status"] == "accepted"
    assert suppression["justification"] == "legacy archive, deleted after migration"
    assert suppression["properties"] == {"owner": "@dpo-team", "until": "2027-03-31"}
    assert suppression["location"]["physicalLocation"]["region"] == {"startLine": 39}


def test_baseline_suppression_is_external() -> None:
    baselined = dataclasses.replace(REPLICATION, suppression=Suppression(
        reason="recorded in baseline .sovlint-baseline.json", kind="baseline"))

    [suppression] = result_of(sarif(scan_result(baselined)), "SOV003")["suppressions"]

    assert suppression == {"kind": "external", "status": "accepted",
                           "justification": "recorded in baseline .sovlint-baseline.json"}


def test_parse_error_has_a_location_and_no_logical_location() -> None:
    at_line_zero = dataclasses.replace(PARSE_ERROR, line=0, end_line=0)

    result = result_of(sarif(scan_result(at_line_zero)), "SOV000")

    [location] = result["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "bad.tf"
    assert location["physicalLocation"]["region"] == {"startLine": 1, "endLine": 1}
    assert "logicalLocations" not in location


def test_custom_rule_gets_a_descriptor_from_its_findings(
        validator: jsonschema.Draft4Validator) -> None:
    custom = Finding("ACME001", "no-tape-backups", "medium", "tape backup configured",
                     "aws_backup_vault.tape", "aws_backup_vault", "backup.tf", 4, 9)

    document = sarif(scan_result(custom))

    validator.validate(document)
    rules = run_of(document)["tool"]["driver"]["rules"]
    result = result_of(document, "ACME001")
    assert rules[result["ruleIndex"]]["id"] == "ACME001"
    assert rules[result["ruleIndex"]]["name"] == "no-tape-backups"
    assert rules[result["ruleIndex"]]["help"]["text"]


def test_uri_is_a_forward_slash_reference_with_reserved_characters_escaped() -> None:
    finding = dataclasses.replace(REPLICATION, file="infra/eu west/main#1.tf")

    result = result_of(sarif(scan_result(finding)), "SOV003")

    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "infra/eu%20west/main%231.tf"


def test_same_result_gives_identical_bytes_whatever_the_input_order() -> None:
    first = render(scan_result(REPLICATION, ARCHIVE, PARSE_ERROR), "sarif")
    second = render(scan_result(PARSE_ERROR, ARCHIVE, REPLICATION), "sarif")

    assert first.encode() == second.encode()
    assert first.endswith("}\n")


def test_fixture_scan_validates_and_is_deterministic(
        validator: jsonschema.Draft4Validator) -> None:
    first = run_cli("scan", "fixtures/aws-health-records", "--format", "sarif", "--no-cache")
    second = run_cli("scan", "fixtures/aws-health-records", "--format", "sarif", "--no-cache")

    assert first.exit_code == 1
    assert first.stdout == second.stdout
    document = json.loads(first.stdout)
    validator.validate(document)
    results = run_of(document)["results"]
    assert results
    for result in results:
        physical = result["locations"][0]["physicalLocation"]
        # Relative to the repository root (the checkout), else to the scanned directory.
        assert not physical["artifactLocation"]["uri"].startswith(("/", "../"))
        assert physical["artifactLocation"]["uri"].endswith(".tf")
        assert physical["region"]["startLine"] >= 1
        assert physical["region"]["endLine"] >= physical["region"]["startLine"]


def test_fixture_parse_error_is_a_located_result(validator: jsonschema.Draft4Validator) -> None:
    output = run_cli("scan", "fixtures/broken-terraform", "--format", "sarif", "--no-cache")

    document = json.loads(output.stdout)
    validator.validate(document)
    result = result_of(document, "SOV000")
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"].endswith("broken.tf")
    assert physical["region"]["startLine"] >= 1


def test_inline_ignore_through_the_cli_is_a_suppression_not_an_alert(
        tmp_path: Path, validator: jsonschema.Draft4Validator) -> None:
    (tmp_path / "main.tf").write_text(
        US_BUCKET % "# sovlint:ignore SOV001 owner=@dpo -- synthetic data")

    output = run_cli("scan", ".", "--profile", "residency", "--format", "sarif", cwd=tmp_path)

    assert output.exit_code == 0  # suppressed: the gate passes
    document = json.loads(output.stdout)
    validator.validate(document)
    result = result_of(document, "SOV001")
    assert result["suppressions"] == [{
        "kind": "inSource",
        "status": "accepted",
        "justification": "synthetic data",
        "location": {"physicalLocation": {
            "artifactLocation": {"uri": "main.tf", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 5},
        }},
        "properties": {"owner": "@dpo"},
    }]


def test_baseline_through_the_cli_is_an_external_suppression(
        tmp_path: Path, validator: jsonschema.Draft4Validator) -> None:
    (tmp_path / "main.tf").write_text(US_BUCKET % "")
    before = run_cli("scan", ".", "--profile", "residency", "--format", "sarif",
                     "--write-baseline", "baseline.json", cwd=tmp_path)
    fingerprints = result_of(json.loads(before.stdout), "SOV001")["partialFingerprints"]
    # The block moves down: the baseline still matches, and so does the fingerprint.
    (tmp_path / "main.tf").write_text("\n\n\n" + US_BUCKET % "")

    output = run_cli("scan", ".", "--profile", "residency", "--format", "sarif",
                     "--baseline", "baseline.json", cwd=tmp_path)

    assert output.exit_code == 0
    document = json.loads(output.stdout)
    validator.validate(document)
    result = result_of(document, "SOV001")
    assert result["suppressions"][0]["kind"] == "external"
    # The provider's `region =` moved from line 2 to 5, the block from 6 to 9.
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 5
    assert result["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 9
    assert result["partialFingerprints"] == fingerprints
