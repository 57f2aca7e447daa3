"""Control-plane types are not reported; azapi by ARM type; configured overrides; parents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers import run_cli


def scan(tmp_path: Path, files: dict[str, str], *args: str) -> dict[str, Any]:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = run_cli("scan", str(tmp_path), "--format", "json", *args, cwd=tmp_path)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def rules_by_resource(report: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in report["findings"]:
        found.setdefault(finding["resource"], []).append(finding["rule_id"])
    return found

US_PROVIDER = 'provider "google" {\n  project = "p"\n  region = "us-central1"\n}\n'


def test_iam_dns_and_monitoring_types_are_not_reported(tmp_path: Path) -> None:
    report = scan(tmp_path, {"main.tf": US_PROVIDER + """
resource "google_storage_bucket" "records" { location = "US" }
resource "google_storage_bucket_iam_member" "reader" {
  bucket = google_storage_bucket.records.name
  role   = "roles/storage.objectViewer"
  member = "group:readers@example.org"
}
resource "google_dns_record_set" "www" {
  name = "www.example.org."
  type = "A"
  managed_zone = "example"
  rrdatas = ["192.0.2.1"]
}
resource "google_monitoring_alert_policy" "errors" { display_name = "errors" }
resource "google_scc_notification_config" "findings" { config_id = "all" }
"""})
    assert rules_by_resource(report) == {"google_storage_bucket.records": ["SOV001", "SOV002"]}


def test_azapi_role_assignment_is_control_plane_but_its_storage_is_not(tmp_path: Path) -> None:
    report = scan(tmp_path, {"main.tf": """
resource "azapi_resource" "store" {
  type      = "Microsoft.Storage/storageAccounts@2023-01-01"
  name      = "records"
  location  = "eastus"
  parent_id = "/subscriptions/0/resourceGroups/rg"
}
resource "azapi_resource" "reader" {
  type      = "Microsoft.Authorization/roleAssignments@2022-04-01"
  name      = "reader"
  parent_id = azapi_resource.store.id
}
"""}, "--profile", "residency")
    assert rules_by_resource(report) == {"azapi_resource.store": ["SOV001"]}


def test_azapi_child_takes_its_parents_location_through_parent_id(tmp_path: Path) -> None:
    report = scan(tmp_path, {"main.tf": """
resource "azapi_resource" "store" {
  type      = "Microsoft.Storage/storageAccounts@2023-01-01"
  name      = "records"
  location  = "westeurope"
  parent_id = "/subscriptions/0/resourceGroups/rg"
}
resource "azapi_resource" "container" {
  type      = "Microsoft.Storage/storageAccounts/blobServices/containers@2023-01-01"
  name      = "scans"
  parent_id = "${azapi_resource.store.id}/blobServices/default"
}
"""}, "--profile", "residency")
    assert report["findings"] == []


def test_aks_node_pool_takes_the_clusters_location(tmp_path: Path) -> None:
    report = scan(tmp_path, {"main.tf": """
provider "azurerm" {
  features {}
}
resource "azurerm_kubernetes_cluster" "aks" {
  name     = "aks"
  location = "eastus"
  resource_group_name = "rg"
  dns_prefix = "aks"
}
resource "azurerm_kubernetes_cluster_node_pool" "gpu" {
  name                  = "gpu"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.aks.id
  vm_size               = "Standard_NC6"
}
"""}, "--profile", "residency")
    assert rules_by_resource(report) == {"azurerm_kubernetes_cluster.aks": ["SOV001"],
                                         "azurerm_kubernetes_cluster_node_pool.gpu": ["SOV001"]}


def test_configured_types_override_the_catalogue(tmp_path: Path) -> None:
    report = scan(tmp_path, {".sovlint.yaml": """
resource_types:
  control_plane: [google_storage_bucket]
  data_bearing: [google_dns_*]
""", "main.tf": US_PROVIDER + """
resource "google_storage_bucket" "records" { location = "US" }
resource "google_dns_managed_zone" "zone" { dns_name = "example.org." }
"""}, "--profile", "residency")
    assert rules_by_resource(report) == {"google_dns_managed_zone.zone": ["SOV001"]}


def test_bigquery_dataset_without_location_is_in_the_documented_default_us(
        tmp_path: Path) -> None:
    report = scan(tmp_path, {"main.tf": """
provider "google" {
  project = "p"
  region  = "europe-west1"
}
resource "google_bigquery_dataset" "claims" { dataset_id = "claims" }
"""}, "--profile", "residency")
    [finding] = report["findings"]
    assert (finding["rule_id"], finding["resource"]) == ("SOV001", "google_bigquery_dataset.claims")


def test_bigquery_dataset_with_an_eu_location_passes(tmp_path: Path) -> None:
    report = scan(tmp_path, {"main.tf": """
provider "google" {
  project = "p"
  region  = "europe-west1"
}
resource "google_bigquery_dataset" "claims" {
  dataset_id = "claims"
  location   = "EU"
}
"""}, "--profile", "residency")
    assert report["findings"] == []


def test_azapi_type_from_an_optional_attribute_default_is_classified(tmp_path: Path) -> None:
    report = scan(tmp_path, {"main.tf": """
variable "resource_types" {
  type = object({
    lock    = optional(string, "Microsoft.Authorization/locks@2020-05-01")
    account = optional(string, "Microsoft.Storage/storageAccounts@2023-01-01")
    other   = optional(string)
  })
  default = {}
}
resource "azapi_resource" "lock" {
  name      = "lock"
  parent_id = "/subscriptions/0"
  type      = var.resource_types.lock
  location  = "eastus"
}
resource "azapi_resource" "account" {
  name      = "records"
  parent_id = "/subscriptions/0"
  type      = var.resource_types.account
  location  = "eastus"
}
"""}, "--profile", "residency")
    assert rules_by_resource(report) == {"azapi_resource.account": ["SOV001"]}
