"""Cross-border flows (SOV003), unknown flow targets (SOV004) and scope along flows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers import run_cli

PARIS_AND_DR = """
provider "aws" { region = "eu-west-3" }
provider "aws" {
  alias  = "dr"
  region = "%s"
}
"""


def scan(tmp_path: Path, text: str, *args: str, config: str | None = None) -> dict[str, Any]:
    (tmp_path / "main.tf").write_text(text)
    if config is not None:
        (tmp_path / ".sovlint.yaml").write_text(config)
    result = run_cli("scan", str(tmp_path), "--profile", "residency", "--format", "json", *args,
                     cwd=tmp_path)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def found(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f["rule_id"], f["resource"]) for f in report["findings"]]


S3_REPLICATION = PARIS_AND_DR + """
resource "aws_s3_bucket" "health" {
  tags = { data-classification = "health" }
}
resource "aws_s3_bucket" "dr" {
  provider = aws.dr
}
resource "aws_s3_bucket_replication_configuration" "health" {
  bucket = aws_s3_bucket.health.id
  role   = "arn:aws:iam::123456789012:role/replication"
  rule {
    status = "Enabled"
    destination { bucket = aws_s3_bucket.dr.arn }
  }
}
"""


def test_s3_replication_inside_the_eu_passes(tmp_path: Path) -> None:
    assert found(scan(tmp_path, S3_REPLICATION % "eu-central-1")) == []


def test_s3_replication_across_the_border_fails_on_the_configuration(tmp_path: Path) -> None:
    assert found(scan(tmp_path, S3_REPLICATION % "us-east-1")) == [
        ("SOV001", "aws_s3_bucket.dr"),
        ("SOV003", "aws_s3_bucket_replication_configuration.health"),
    ]


def test_scope_follows_the_data(tmp_path: Path) -> None:
    config = "scope:\n  tags: {data-classification: [health]}\n"
    report = scan(tmp_path, S3_REPLICATION % "us-east-1", config=config)
    assert found(report) == [
        ("SOV001", "aws_s3_bucket.dr"),
        ("SOV003", "aws_s3_bucket_replication_configuration.health"),
    ]


def test_dynamodb_replica_region(tmp_path: Path) -> None:
    text = """
provider "aws" { region = "eu-west-3" }
resource "aws_dynamodb_table" "sessions" {
  name = "sessions"
  replica { region_name = "eu-central-1" }
  replica { region_name = "us-west-2" }
}
"""
    report = scan(tmp_path, text)
    [finding] = report["findings"]
    assert (finding["rule_id"], finding["resource"]) == ("SOV003", "aws_dynamodb_table.sessions")
    assert "replica[1].region_name" in finding["message"]
    assert finding["target"]["region"] == "us-west-2"


def test_backup_copy_to_a_vault_arn_in_virginia(tmp_path: Path) -> None:
    text = """
provider "aws" { region = "eu-west-3" }
resource "aws_backup_plan" "records" {
  name = "records"
  rule {
    rule_name         = "daily"
    target_vault_name = "paris"
    copy_action {
      destination_vault_arn = "arn:aws:backup:us-east-1:123456789012:backup-vault:dr"
    }
  }
}
"""
    assert found(scan(tmp_path, text)) == [("SOV003", "aws_backup_plan.records")]


def test_read_replica_declared_on_the_receiving_side(tmp_path: Path) -> None:
    text = PARIS_AND_DR % "us-east-1" + """
resource "aws_db_instance" "primary" {
  engine = "postgres"
}
resource "aws_db_instance" "replica" {
  provider            = aws.dr
  replicate_source_db = aws_db_instance.primary.arn
}
"""
    report = scan(tmp_path, text)
    assert found(report) == [("SOV001", "aws_db_instance.replica"),
                             ("SOV003", "aws_db_instance.replica")]
    sov003 = report["findings"][1]
    assert sov003["message"].startswith(
        "replicates aws_db_instance.primary (eu-west-3, FR) to aws_db_instance.replica")


def test_azure_geo_redundant_storage_uses_the_paired_region(tmp_path: Path) -> None:
    text = """
resource "azurerm_storage_account" "imaging" {
  name                     = "imaging"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "%s"
}
"""
    config = "allow:\n  countries: [FR, NL]\n"
    assert found(scan(tmp_path, text % "LRS", config=config)) == []
    report = scan(tmp_path, text % "GRS", config=config)
    assert found(report) == [("SOV003", "azurerm_storage_account.imaging")]
    assert report["findings"][0]["target"]["region"] == "northeurope"


def test_unknown_replica_region_is_sov004(tmp_path: Path) -> None:
    text = """
variable "replica_region" {}
provider "aws" { region = "eu-west-3" }
resource "aws_dynamodb_table" "sessions" {
  name = "sessions"
  replica { region_name = var.replica_region }
}
"""
    [finding] = scan(tmp_path, text)["findings"]
    assert (finding["rule_id"], finding["resource"]) == ("SOV004", "aws_dynamodb_table.sessions")
    assert "var.replica_region has no value" in finding["message"]


def test_cloudfront_is_a_global_service_not_a_region(tmp_path: Path) -> None:
    text = """
provider "aws" { region = "eu-west-3" }
resource "aws_cloudfront_distribution" "portal" {
  enabled = true
}
resource "google_kms_key_ring" "records" {
  name     = "records"
  location = "global"
}
"""
    assert found(scan(tmp_path, text)) == [("SOV005", "aws_cloudfront_distribution.portal"),
                                          ("SOV005", "google_kms_key_ring.records")]
