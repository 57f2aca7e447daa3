"""parent_locations.yaml against the generated per-type tables (types_<provider>.yaml): every
listed type exists, its parent attributes are arguments of the type where the table can tell,
and every Google and Azure child the tables record with a parent argument and no location of
its own is either listed or set aside here with the reason."""
from __future__ import annotations

from pathlib import Path

import pytest

from sovlint import catalog
from sovlint.catalog import load_data
from tests.cli.test_locations import rules_by_resource, scan

PROVIDERS = {"google_": "google", "azurerm_": "azurerm", "aws_": "aws"}

# Children with a parent-looking argument that is not where they are located.
NOT_PARENT_LOCATED = {
    "google_bigtable_instance": "`cluster` is a block of the instance, not a parent",
    "azurerm_monitor_diagnostic_setting": "storage_account_id is a destination; the parent is "
                                          "target_resource_id",
    "azurerm_monitor_aad_diagnostic_setting": "storage_account_id is a destination",
    "azurerm_security_center_workspace": "a subscription setting; workspace_id is a destination",
    "azurerm_kubernetes_fleet_member": "the member belongs to the fleet, not the cluster",
    "azurerm_spring_cloud_app_cosmosdb_association": "the parent is the Spring app",
    "azurerm_spring_cloud_app_redis_association": "the parent is the Spring app",
    "azurerm_spring_cloud_storage": "the parent is the Spring service",
    "azurerm_container_app_environment_storage": "the parent is the container app environment",
    "azurerm_digital_twins_time_series_database_connection": "the parent is the Digital Twins "
                                                             "instance",
    "azurerm_linux_function_app_slot": "the parent is the function app",
    "azurerm_windows_function_app_slot": "the parent is the function app",
    "azurerm_linux_web_app_slot": "the parent is the web app",
    "azurerm_windows_web_app_slot": "the parent is the web app",
    "azurerm_storage_mover_target_endpoint": "the parent is the storage mover",
    "azurerm_storage_sync_cloud_endpoint": "the parent is the sync group",
    "azurerm_virtual_desktop_workspace_application_group_association": "an association of two "
                                                                       "resources",
    "azurerm_redis_linked_server": "the linked cache is the other end, not the parent",
    "azurerm_api_management_redis_cache": "the parent is the API Management service",
}
STREAM_ANALYTICS = "azurerm_stream_analytics_"  # storage accounts are inputs/outputs of the job


def _table(provider: str) -> dict[str, dict[str, object]]:
    types: dict[str, dict[str, object]] = load_data(f"types_{provider}.yaml")["types"]
    return types


def _provider(resource_type: str) -> str:
    return next(p for prefix, p in PROVIDERS.items() if resource_type.startswith(prefix))


def _entries() -> dict[str, dict[str, list[str]]]:
    entries: dict[str, dict[str, list[str]]] = load_data("parent_locations.yaml")
    return entries


def test_every_listed_type_exists_with_its_parent_attributes() -> None:
    for resource_type, entry in _entries().items():
        attributes = entry["parent_attributes"]
        assert attributes and len(set(attributes)) == len(attributes), resource_type
        if not resource_type.startswith(tuple(PROVIDERS)):
            continue  # a provider with no generated table (IONOS): its docs page is the source
        table = _table(_provider(resource_type))
        assert resource_type in table, resource_type
        record = table[resource_type]
        # The table records the provider's candidate parent arguments the type has (when it
        # has no location argument): a candidate we list must be one of them.
        candidates = set(catalog.parent_attributes(_provider(resource_type)))
        if "location" not in record:
            recorded = set(record.get("parents") or [])  # type: ignore[call-overload]
            missing = {a for a in attributes if a in candidates} - recorded
            assert not missing, (resource_type, missing)


@pytest.mark.parametrize("provider", ["google", "azurerm"])
def test_every_child_recorded_with_a_parent_is_covered(provider: str) -> None:
    listed = _entries()
    uncovered = [
        name for name, record in _table(provider).items()
        if record.get("parents") and name not in listed and name not in NOT_PARENT_LOCATED
        and not name.startswith(STREAM_ANALYTICS)
    ]
    assert uncovered == []


def test_every_s3_bucket_sub_resource_takes_the_bucket_location() -> None:
    listed = _entries()
    children = [name for name in _table("aws") if name.startswith("aws_s3_bucket_")]
    assert children
    assert [name for name in children if listed.get(name, {}).get("parent_attributes")
            != ["bucket"]] == []


def test_set_aside_types_are_not_listed() -> None:
    assert not set(NOT_PARENT_LOCATED) & set(_entries())


def test_iam_member_of_a_dataset_is_where_the_dataset_is(tmp_path: Path) -> None:
    report = scan(tmp_path, {"main.tf": """
provider "google" { region = "europe-west9" }
resource "google_bigquery_dataset" "us" {
  dataset_id = "records"
  location   = "us-central1"
}
resource "google_bigquery_dataset_access" "reader" {
  dataset_id    = google_bigquery_dataset.us.dataset_id
  role          = "READER"
  user_by_email = "reader@example.com"
}
resource "google_storage_bucket" "eu" {
  name     = "eu-bucket"
  location = "EUROPE-WEST1"
}
resource "google_storage_managed_folder" "folder" {
  bucket = google_storage_bucket.eu.name
  name   = "reports/"
}
"""}, "--profile", "residency")
    found = rules_by_resource(report)
    assert "SOV001" in found.get("google_bigquery_dataset_access.reader", [])
    assert "google_storage_managed_folder.folder" not in found
