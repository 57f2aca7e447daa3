"""The data-flow fixtures (fixtures/flows/): each bullet of flow knowledge has a compliant
version that passes and a violating version whose findings are listed here exactly: the rule,
the resource, its line and, for flows, the line of the attribute that creates the flow."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from helpers import FIXTURES

ScanJson = Callable[..., tuple[int, dict[str, Any]]]
FLOWS = "fixtures/flows"

# (rule id, resource address, resource line, line of the attribute that creates the flow)
Expected = tuple[str, str, int, int | None]

VIOLATING: dict[str, list[Expected]] = {
    "knowledge-gaps": [
        ("SOV001", "aws_dynamodb_table_replica.appointments_us", 22, None),
        ("SOV003", "aws_dynamodb_table_replica.appointments_us", 22, 24),
        ("SOV005", "aws_s3control_multi_region_access_point.records", 27, None),
        ("SOV003", "azurerm_data_protection_backup_vault.his", 40, 45),
        ("SOV004", "google_secret_manager_secret.db_password", 53, None),
        ("SOV001", "google_bigquery_dataset.claims", 60, None),
    ],
    "aws-replication": [
        ("SOV001", "aws_s3_bucket.records_dr", 15, None),
        ("SOV003", "aws_s3_bucket_replication_configuration.records", 20, 29),
        ("SOV003", "aws_s3_bucket.scans", 36, 47),
        ("SOV001", "aws_s3_bucket.scans_dr", 53, None),
        ("SOV003", "aws_dynamodb_table.appointments", 58, 69),
        ("SOV003", "aws_dynamodb_global_table.sessions", 73, 81),
        ("SOV003", "aws_ecr_replication_configuration.images", 85, 89),
        ("SOV001", "aws_kms_replica_key.records_dr", 101, None),
        ("SOV003", "aws_kms_replica_key.records_dr", 101, 104),
        ("SOV003", "aws_secretsmanager_secret.his_database", 107, 111),
    ],
    "aws-databases": [
        ("SOV001", "aws_db_instance.his_replica", 19, None),
        ("SOV003", "aws_db_instance.his_replica", 19, 23),
        ("SOV001", "aws_rds_cluster.lab_secondary", 38, None),
        ("SOV003", "aws_rds_cluster.lab_secondary", 38, 42),
        ("SOV001", "aws_elasticache_replication_group.sessions_dr", 58, None),
        ("SOV003", "aws_elasticache_replication_group.sessions_dr", 58, 62),
        ("SOV001", "aws_docdb_cluster.consents_dr", 71, None),
        ("SOV003", "aws_docdb_cluster.consents_dr", 71, 75),
        ("SOV001", "aws_neptune_cluster.care_graph_dr", 84, None),
        ("SOV003", "aws_neptune_cluster.care_graph_dr", 84, 88),
    ],
    "aws-backups": [
        ("SOV003", "aws_backup_plan.clinical", 15, 24),
        ("SOV001", "aws_ebs_snapshot_copy.pacs_volume", 30, None),
        ("SOV003", "aws_ebs_snapshot_copy.pacs_volume", 30, 33),
        ("SOV001", "aws_ami_copy.his_server", 36, None),
        ("SOV003", "aws_ami_copy.his_server", 36, 40),
        ("SOV003", "aws_redshift_snapshot_copy.research", 48, 50),
    ],
    "aws-edge": [
        ("SOV005", "aws_cloudfront_distribution.portal_documents", 10, None),
        ("SOV005", "aws_globalaccelerator_accelerator.portal", 44, None),
    ],
    "azure-geo-redundancy": [
        ("SOV003", "azurerm_storage_account.imaging", 3, 8),
        ("SOV003", "azurerm_storage_account.exports", 11, 16),
        # storage_mode_type is not written: the provider's default, reported on the block.
        ("SOV003", "azurerm_recovery_services_vault.backups", 20, 20),
        ("SOV003", "azurerm_recovery_services_vault.archive", 28, 34),
        ("SOV003", "azurerm_postgresql_flexible_server.cohort", 37, 43),
        ("SOV003", "azurerm_mysql_flexible_server.registry", 46, 51),
        ("SOV003", "azurerm_mssql_database.trials", 62, 62),
    ],
    "azure-replication": [
        ("SOV003", "azurerm_cosmosdb_account.cohorts", 2, 18),
        ("SOV001", "azurerm_mssql_server.records_partner", 30, None),
        ("SOV003", "azurerm_mssql_failover_group.records", 37, 42),
        ("SOV003", "azurerm_redis_linked_server.sessions", 60, 64),
        ("SOV003", "azurerm_container_registry.images", 68, 75),
    ],
    "azure-edge": [
        ("SOV005", "azurerm_cdn_frontdoor_profile.portal", 10, None),
        ("SOV005", "azurerm_cdn_frontdoor_endpoint.portal", 16, None),
    ],
    "google-locations": [
        ("SOV001", "google_storage_bucket.imaging", 7, None),
        ("SOV001", "google_storage_bucket.cohort_exports", 13, None),
        ("SOV001", "google_spanner_instance.registry", 19, None),
        ("SOV001", "google_bigquery_dataset.cohorts", 25, None),
        ("SOV001", "google_artifact_registry_repository.images", 30, None),
        ("SOV005", "google_kms_key_ring.records", 36, None),
    ],
    "google-placement": [
        ("SOV001", "google_storage_bucket.cohort", 7, None),
        ("SOV001", "google_storage_bucket.scratch", 17, None),
    ],
    "google-replication": [
        ("SOV003", "google_sql_database_instance.clinical", 7, 17),
        ("SOV001", "google_sql_database_instance.clinical_replica", 23, None),
        ("SOV003", "google_sql_database_instance.clinical_replica", 23, 27),
        ("SOV001", "google_bigquery_dataset.cohorts_copy", 39, None),
        ("SOV001", "google_bigquery_data_transfer_config.cohorts_copy", 45, None),
        ("SOV003", "google_bigquery_data_transfer_config.cohorts_copy", 45, 50),
    ],
    "google-edge": [
        ("SOV005", "google_compute_backend_bucket.portal_assets", 12, None),
        ("SOV005", "google_compute_global_forwarding_rule.portal", 29, None),
    ],
    "ovhcloud": [
        ("SOV003", "ovh_cloud_project_storage.records", 2, 7),
        ("SOV003", "ovh_cloud_project_database.his", 22, 29),
    ],
    "scaleway": [
        ("SOV004", "scaleway_rdb_instance.his", 7, None),
        ("SOV001", "scaleway_rdb_read_replica.his_reporting", 14, None),
        ("SOV003", "scaleway_rdb_read_replica.his_reporting", 14, 15),
    ],
}

_FLOW_LINE = re.compile(r"\((?P<file>[^()]+):(?P<line>\d+)\)$")


def _findings(report: dict[str, Any], file: str) -> list[Expected]:
    found: list[Expected] = []
    for finding in report["findings"]:
        assert finding["file"] == file, finding
        assert not finding["suppressed"]
        flow_line = None
        if finding["rule_id"] == "SOV003":
            match = _FLOW_LINE.search(finding["message"])
            assert match is not None and match.group("file") == file, finding["message"]
            flow_line = int(match.group("line"))
        found.append((finding["rule_id"], finding["resource"], finding["line"], flow_line))
    return found


@pytest.mark.parametrize("group", sorted(VIOLATING))
def test_compliant_version_passes(scan_json: ScanJson, group: str) -> None:
    code, report = scan_json(f"{FLOWS}/{group}/compliant")
    assert report["findings"] == []
    assert report["errors"] == [] and report["diagnostics"] == []
    assert code == 0


@pytest.mark.parametrize("group", sorted(VIOLATING))
def test_violating_version_reports_each_flow(scan_json: ScanJson, group: str) -> None:
    code, report = scan_json(f"{FLOWS}/{group}/violating")
    assert _findings(report, f"{FLOWS}/{group}/violating/main.tf") == VIOLATING[group]
    assert report["errors"] == [] and report["diagnostics"] == []
    assert code == 1


def test_every_fixture_group_is_checked() -> None:
    groups = {path.parent.name for path in (FIXTURES / "flows").glob("*/violating")}
    assert groups == set(VIOLATING)


def test_sov003_names_source_target_and_attribute(scan_json: ScanJson) -> None:
    _, report = scan_json(f"{FLOWS}/aws-databases/violating")
    messages = {f["resource"]: f["message"] for f in report["findings"]
                if f["rule_id"] == "SOV003"}
    assert messages["aws_docdb_cluster.consents_dr"].startswith(
        "replicates aws_docdb_global_cluster.consents (eu-west-3, FR) to "
        "aws_docdb_cluster.consents_dr (us-east-1, US) via global_cluster_identifier")


def test_bigquery_copy_names_both_datasets(scan_json: ScanJson) -> None:
    _, report = scan_json(f"{FLOWS}/google-replication/violating")
    [finding] = [f for f in report["findings"] if f["rule_id"] == "SOV003"
                 and f["resource"] == "google_bigquery_data_transfer_config.cohorts_copy"]
    assert finding["message"].startswith(
        "replicates google_bigquery_dataset.cohorts (europe-west9, FR) to "
        "google_bigquery_dataset.cohorts_copy (US, US) via destination_dataset_id")
    assert finding["target"] == {"region": "US", "country": "US",
                                 "resource": "google_bigquery_dataset.cohorts_copy"}


def test_scaleway_backups_elsewhere_are_undetermined_under_a_france_only_policy(
        scan_json: ScanJson) -> None:
    _, report = scan_json(f"{FLOWS}/scaleway/violating")
    [finding] = [f for f in report["findings"] if f["rule_id"] == "SOV004"]
    assert "backup_same_region = false" in finding["message"]


def test_scope_follows_the_data_from_the_only_tagged_store(scan_json: ScanJson) -> None:
    code, report = scan_json(f"{FLOWS}/scope")
    assert _findings(report, f"{FLOWS}/scope/main.tf") == [
        ("SOV001", "aws_s3_bucket.records_dr", 20, None),
        ("SOV003", "aws_s3_bucket_replication_configuration.records", 25, 34),
        ("SOV005", "aws_cloudfront_distribution.records", 39, None),
    ]
    assert code == 1


def test_scope_reasons_name_the_tagged_store(cli: Callable[..., Any]) -> None:
    result = cli("inventory", f"{FLOWS}/scope", "--format", "json")
    assert result.exit_code == 0, result.output
    stores = {s["address"]: s for s in json.loads(result.stdout)["stores"]}
    assert stores["aws_s3_bucket.records_dr"]["why"] == "receives data from aws_s3_bucket.records"
    assert stores["aws_cloudfront_distribution.records"]["in_scope"] is True
    assert (stores["aws_cloudfront_distribution.records"]["why"]
            == "receives data from aws_s3_bucket.records")
    assert stores["aws_cloudfront_distribution.brochure"]["in_scope"] is False
    assert stores["aws_s3_bucket.brochure"]["in_scope"] is False
