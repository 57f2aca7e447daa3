"""Where resources are located, end to end: variables, candidates, parents, backends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers import run_cli


def scan(tmp_path: Path, files: dict[str, str], *args: str) -> dict[str, Any]:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    result = run_cli("scan", str(tmp_path), "--format", "json", *args, cwd=tmp_path)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def rules_by_resource(report: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in report["findings"]:
        found.setdefault(finding["resource"], []).append(finding["rule_id"])
    return found


def test_unset_variable_gives_sov004_naming_it(tmp_path: Path) -> None:
    report = scan(tmp_path, {"main.tf": """
variable "region" {}
provider "aws" { region = var.region }
resource "aws_s3_bucket" "records" {}
"""}, "--profile", "residency")
    [finding] = report["findings"]
    assert (finding["rule_id"], finding["resource"]) == ("SOV004", "aws_s3_bucket.records")
    assert "var.region has no value" in finding["message"]


def test_variable_value_from_tfvars_is_judged_like_a_literal(tmp_path: Path) -> None:
    report = scan(tmp_path, {
        "main.tf": 'variable "region" {}\nprovider "aws" { region = var.region }\n'
                   'resource "aws_s3_bucket" "records" {}\n',
        "terraform.tfvars": 'region = "us-east-1"\n',
    }, "--profile", "residency")
    assert rules_by_resource(report) == {"aws_s3_bucket.records": ["SOV001"]}


def test_validation_list_of_eu_regions_needs_no_value(tmp_path: Path) -> None:
    report = scan(tmp_path, {"main.tf": """
variable "region" {
  validation {
    condition     = contains(["eu-west-3", "eu-central-1"], var.region)
    error_message = "EU only."
  }
}
provider "aws" { region = var.region }
resource "aws_s3_bucket" "records" {}
"""}, "--profile", "residency")
    assert report["findings"] == []


def test_module_called_twice_reports_only_the_us_instance(tmp_path: Path) -> None:
    report = scan(tmp_path, {
        "main.tf": """
provider "aws" { region = "eu-west-3" }
provider "aws" {
  alias  = "us"
  region = "us-east-1"
}
module "paris" { source = "./store" }
module "virginia" {
  source    = "./store"
  providers = { aws = aws.us }
}
""",
        "store/main.tf": 'resource "aws_dynamodb_table" "this" { name = "t" }\n',
    }, "--profile", "residency")
    assert rules_by_resource(report) == {"module.virginia.aws_dynamodb_table.this": ["SOV001"]}
    assert report["findings"][0]["file"] == "store/main.tf"


def test_child_takes_its_parents_location(tmp_path: Path) -> None:
    report = scan(tmp_path, {"main.tf": """
resource "ionoscloud_datacenter" "us" { location = "us/las" }
resource "ionoscloud_server" "app" { datacenter_id = ionoscloud_datacenter.us.id }
"""}, "--profile", "residency")
    # The datacenter is a container (control plane); the server holds data.
    assert rules_by_resource(report) == {"ionoscloud_server.app": ["SOV001"]}


def test_nested_block_regions_form_a_set(tmp_path: Path) -> None:
    report = scan(tmp_path, {"main.tf": """
resource "ovh_cloud_project_database" "db" {
  service_name = "p"
  engine       = "postgresql"
  nodes { region = "GRA" }
  nodes { region = "BHS" }
}
"""}, "--profile", "residency")
    [finding] = report["findings"]
    assert finding["rule_id"] == "SOV001"
    assert "CA" in finding["message"]


def test_s3_backend_on_an_ovh_endpoint_belongs_to_ovh(tmp_path: Path) -> None:
    report = scan(tmp_path, {"main.tf": """
terraform {
  backend "s3" {
    bucket    = "tfstate"
    region    = "gra"
    endpoints = { s3 = "https://s3.gra.io.cloud.ovh.net" }
  }
}
"""})
    assert report["findings"] == []
    assert report["summary"]["resources"] == 1


def test_hcp_terraform_backend_is_us(tmp_path: Path) -> None:
    report = scan(tmp_path, {"main.tf": 'terraform {\n  cloud {\n    organization = "x"\n  }\n}\n'},
                  "--profile", "residency")
    assert rules_by_resource(report) == {"terraform.backend": ["SOV001"]}


def test_unknown_count_leaves_resource_unexpanded_and_unresolved(tmp_path: Path) -> None:
    report = scan(tmp_path, {"main.tf": """
variable "n" {}
resource "aws_s3_bucket" "b" {
  count  = var.n
  region = "eu-west-3"
}
"""}, "--profile", "residency")
    assert report["findings"] == []
    assert report["summary"]["resources"] == 1


def test_unknown_for_each_makes_per_instance_region_unresolved(tmp_path: Path) -> None:
    report = scan(tmp_path, {"main.tf": """
variable "sites" {}
resource "aws_s3_bucket" "b" {
  for_each = var.sites
  region   = each.value
}
"""}, "--profile", "residency")
    [finding] = report["findings"]
    assert (finding["rule_id"], finding["resource"]) == ("SOV004", "aws_s3_bucket.b")
    assert "for_each is not known statically (var.sites has no value)" in finding["message"]


def test_remote_module_read_from_terraform_init_manifest(tmp_path: Path) -> None:
    manifest = json.dumps({"Modules": [
        {"Key": "", "Source": "", "Dir": "."},
        {"Key": "archive", "Source": "registry.terraform.io/acme/archive/aws", "Version": "1.2.0",
         "Dir": ".terraform/modules/archive"},
    ]})
    report = scan(tmp_path, {
        "main.tf": 'provider "aws" { region = "us-east-1" }\n'
                   'module "archive" {\n  source  = "acme/archive/aws"\n  version = "1.2.0"\n}\n',
        ".terraform/modules/modules.json": manifest,
        ".terraform/modules/archive/main.tf": 'resource "aws_s3_bucket" "this" {}\n',
    }, "--profile", "residency")
    assert rules_by_resource(report) == {"module.archive.aws_s3_bucket.this": ["SOV001"]}
    assert report["diagnostics"] == []


def test_parent_location_wins_over_the_provider_default_region(tmp_path: Path) -> None:
    report = scan(tmp_path, {"main.tf": """
provider "google" { region = "europe-west9" }
resource "google_bigquery_dataset" "us" {
  dataset_id = "records"
  location   = "us-central1"
}
resource "google_bigquery_table" "visits" {
  dataset_id = google_bigquery_dataset.us.dataset_id
  table_id   = "visits"
}
resource "google_kms_key_ring" "eu" {
  name     = "ring"
  location = "europe-west1"
}
resource "google_kms_crypto_key" "key" {
  name     = "key"
  key_ring = google_kms_key_ring.eu.id
}
"""}, "--profile", "residency")
    found = rules_by_resource(report)
    assert "SOV001" in found.get("google_bigquery_table.visits", [])
    assert "google_kms_crypto_key.key" not in found


def test_parent_location_types_are_catalogue_data() -> None:
    from sovlint import catalog

    assert catalog.parent_location_attributes("google_container_node_pool") == ("cluster",)
    assert catalog.parent_location_attributes("azurerm_kubernetes_cluster_node_pool") == (
        "kubernetes_cluster_id",)
    assert catalog.parent_location_attributes("google_bigquery_dataset") == ()


def test_ionos_object_storage_objects_are_located_by_their_bucket(tmp_path: Path) -> None:
    report = scan(tmp_path, {"main.tf": """
provider "ionoscloud" {}
resource "ionoscloud_s3_bucket" "eu" {
  name   = "records-eu"
  region = "eu-central-3"
}
resource "ionoscloud_s3_bucket" "us" {
  name   = "records-us"
  region = "us-central-1"
}
resource "ionoscloud_s3_object" "in_eu" {
  bucket = ionoscloud_s3_bucket.eu.name
  key    = "index.html"
}
resource "ionoscloud_s3_object" "in_us" {
  bucket = ionoscloud_s3_bucket.us.name
  key    = "index.html"
}
"""}, "--profile", "residency")
    found = rules_by_resource(report)
    assert "ionoscloud_s3_object.in_eu" not in found
    assert found["ionoscloud_s3_object.in_us"] == ["SOV001"]
