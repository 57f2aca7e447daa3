"""Flow lookups on small configurations: message contents, unknown targets (SOV004), provider
defaults and references through known values. Each bullet of flow knowledge has its compliant
and violating fixture in fixtures/flows/ (tests/cli/test_flow_fixtures.py)."""

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


def test_a_provider_default_that_copies_data_is_a_flow(tmp_path: Path) -> None:
    text = """
resource "azurerm_recovery_services_vault" "backups" {
  name                = "rsv"
  resource_group_name = "rg"
  location            = "westeurope"
  sku                 = "Standard"
%s}
"""
    config = "allow:\n  countries: [NL]\n"
    assert found(scan(tmp_path, text % '  storage_mode_type = "LocallyRedundant"\n',
                      config=config)) == []
    [finding] = scan(tmp_path, text % "", config=config)["findings"]
    assert (finding["rule_id"], finding["resource"]) == (
        "SOV003", "azurerm_recovery_services_vault.backups")
    assert "via storage_mode_type" in finding["message"]


def test_a_known_value_written_as_a_reference_names_the_source(tmp_path: Path) -> None:
    text = PARIS_AND_DR % "us-east-1" + """
resource "aws_db_instance" "primary" {
  identifier = "records"
  engine     = "postgres"
}
resource "aws_db_instance" "replica" {
  provider            = aws.dr
  replicate_source_db = aws_db_instance.primary.identifier
}
"""
    report = scan(tmp_path, text)
    assert found(report) == [("SOV001", "aws_db_instance.replica"),
                             ("SOV003", "aws_db_instance.replica")]
    assert report["findings"][1]["message"].startswith(
        "replicates aws_db_instance.primary (eu-west-3, FR) to aws_db_instance.replica")


def test_a_region_pair_unknown_to_the_catalogue_is_sov004(tmp_path: Path) -> None:
    text = """
resource "azurerm_storage_account" "imaging" {
  name                     = "imaging"
  location                 = "italynorth"
  account_tier             = "Standard"
  account_replication_type = "GRS"
}
"""
    [finding] = scan(tmp_path, text)["findings"]
    assert (finding["rule_id"], finding["resource"]) == ("SOV004",
                                                          "azurerm_storage_account.imaging")
    assert 'account_replication_type = "GRS": no paired region known for italynorth' in (
        finding["message"])
