"""GitHub Actions: annotations most severe first on the causing line, the Markdown job summary
in $GITHUB_STEP_SUMMARY, and JUnit's skipped testcases for rules turned off."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers import run_cli

from sovlint.model import Finding, ScanResult
from sovlint.report import render
from sovlint.report.summary import escape

LOW = Finding("SOV006", "foreign-registry-image", "low", "image from docker.io",
              "Deployment/default/web", "Deployment", "a.yaml", 1, 20)
HIGH = Finding("SOV001", "non-eu-region", "high", "located in us-east-1 (US)",
               "aws_s3_bucket.health", "aws_s3_bucket", "z.tf", 12, 30)
MEDIUM = dataclasses.replace(HIGH, rule_id="SOV004", rule_name="unresolved-location",
                             severity="medium", message="region not known")

US_BUCKET = '''provider "aws" {
  region = "us-east-1"
}

resource "aws_s3_bucket" "records" {}
'''


def scan_result(*findings: Finding) -> ScanResult:
    return ScanResult(profile="sovereign", files=2, resources=(), findings=findings, errors=(),
                      diagnostics=(), fail_on="low")


def test_annotations_come_most_severe_first_whatever_the_file_order() -> None:
    lines = render(scan_result(LOW, MEDIUM, HIGH), "github").splitlines()

    assert [line.split(" ", 1)[0] for line in lines[:3]] == ["::error", "::warning", "::notice"]


def test_annotation_points_at_the_provider_region_line(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(US_BUCKET)

    output = run_cli("scan", ".", "--profile", "residency", "--format", "github", cwd=tmp_path)

    assert output.stdout.splitlines()[0] == (
        "::error file=main.tf,line=2,endLine=2,title=SOV001 non-eu-region"
        "::aws_s3_bucket.records is located in us-east-1 (US): US outside the allowed countries")


def test_markdown_summary_has_a_table_per_rule_and_severity_and_the_findings() -> None:
    text = render(scan_result(LOW, HIGH, dataclasses.replace(HIGH, resource="aws_s3_bucket.b")),
                  "markdown")

    assert "| SOV001 non-eu-region | high | 2 |\n| SOV006 foreign-registry-image | low | 1 |" \
        in text
    rows = [line for line in text.splitlines() if line.startswith("| high |")
            or line.startswith("| low |")]
    assert [row.split(" | ")[0] for row in rows] == ["| high", "| high", "| low"]


def test_summary_cells_cannot_break_the_table_or_inject_markdown() -> None:
    assert escape("a | b\n[x](http://e) <img>") == "a \\| b \\[x\\]\\(http://e\\) \\<img\\>"


def test_step_summary_is_appended_when_github_actions_names_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.tf").write_text(US_BUCKET)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))

    run_cli("scan", ".", "--profile", "residency", "--format", "github", cwd=tmp_path)

    text = summary.read_text()
    assert text.startswith("earlier step\n## sovlint\n")
    assert "| SOV001 non-eu-region | high | 1 |" in text


def test_no_step_summary_without_the_github_format(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.tf").write_text(US_BUCKET)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))

    run_cli("scan", ".", "--profile", "residency", "--format", "json", cwd=tmp_path)

    assert not summary.exists()


def test_junit_lists_a_rule_turned_off_as_skipped_not_passed(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(US_BUCKET)
    (tmp_path / ".sovlint.yaml").write_text("profile: residency\nrules:\n  SOV005: off\n")

    output = run_cli("scan", ".", "--format", "junit", cwd=tmp_path)

    suite = ET.fromstring(output.stdout).find("testsuite")
    assert suite is not None
    cases = {(case.get("classname"), case.get("name")): case for case in suite.iter("testcase")}
    skipped = cases[("SOV005", "aws_s3_bucket.records")].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "rule turned off in the configuration"
    assert cases[("SOV001", "aws_s3_bucket.records")].find("failure") is not None
    assert suite.get("skipped") == "1"
