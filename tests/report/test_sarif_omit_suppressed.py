"""`--sarif-omit-suppressed`: GitHub code scanning alerts on results that carry `suppressions`,
so the option leaves them out of the SARIF; other reports of the same run keep them."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import run_cli

IGNORED_US_BUCKET = '''provider "aws" {
  region = "us-east-1"
}

# sovlint:ignore SOV001 -- synthetic data
resource "aws_s3_bucket" "drill" {}

resource "aws_s3_bucket" "records" {}
'''


def sarif_results(text: str) -> list[tuple[str, str, bool]]:
    (run,) = json.loads(text)["runs"]
    return [(r["ruleId"], r["locations"][0]["logicalLocations"][-1]["fullyQualifiedName"],
             "suppressions" in r) for r in run["results"]]


def test_suppressed_findings_are_left_out_of_the_sarif_only(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(IGNORED_US_BUCKET)

    output = run_cli("scan", ".", "--profile", "residency", "--sarif-omit-suppressed",
                     "--format", "sarif", "--format", "json", "--output", "out.sarif",
                     "--output", "out.json", cwd=tmp_path)

    assert output.exit_code == 1
    assert sarif_results((tmp_path / "out.sarif").read_text()) == [
        ("SOV001", "aws_s3_bucket.records", False)]
    findings = json.loads((tmp_path / "out.json").read_text())["findings"]
    assert sorted((f["resource"], f["suppressed"]) for f in findings) == [
        ("aws_s3_bucket.drill", True), ("aws_s3_bucket.records", False)]


def test_without_the_option_the_suppressed_result_is_kept(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(IGNORED_US_BUCKET)

    output = run_cli("scan", ".", "--profile", "residency", "--format", "sarif", cwd=tmp_path)

    assert sorted(sarif_results(output.stdout)) == [
        ("SOV001", "aws_s3_bucket.drill", True), ("SOV001", "aws_s3_bucket.records", False)]
