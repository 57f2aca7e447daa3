"""Every resource type of the major providers is classified, by the rule the table records."""

from __future__ import annotations

import importlib.util
from importlib import resources
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from sovlint.catalog.classify import DEFAULT_RULE, classify_type
from sovlint.normalise.classification import ResourceClass, classify_resource
from sovlint.terraform.values import Unknown

# Types in the generated tables (tools/catalog_types.py), at least: the schemas hold this many.
TABLES = {"aws": 1500, "azurerm": 1000, "google": 1000, "google-beta": 1100, "kubernetes": 80}


def _table(provider: str) -> dict[str, dict[str, str]]:
    text = (resources.files("sovlint.catalog") / "data" / f"types_{provider}.yaml").read_text()
    return yaml.safe_load(text)["types"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("provider", sorted(TABLES))
def test_every_schema_type_is_classified_by_the_current_rules(provider: str) -> None:
    table = _table(provider)
    assert len(table) >= TABLES[provider]
    stale = {name: row["class"] for name, row in table.items()
             if (row["class"], row["rule"]) != (classify_type(name).type_class,
                                               classify_type(name).rule)}
    # A rule changed without running tools/catalog_types.py again.
    assert stale == {}
    assert {row["class"] for row in table.values()} == {"data_bearing", "control_plane"}


@pytest.mark.parametrize("resource_type", [
    "aws_iam_role", "aws_iam_role_policy_attachment", "google_project_iam_member",
    "google_storage_bucket_iam_binding", "google_scc_notification_config",
    "google_dns_record_set", "aws_route53_record", "google_tags_tag_binding",
    "azurerm_role_assignment", "azurerm_monitor_diagnostic_setting",
    "google_monitoring_alert_policy", "aws_cloudwatch_metric_alarm", "aws_guardduty_detector",
    "azurerm_security_center_subscription_pricing", "google_project_service",
    "aws_kms_alias", "aws_s3_bucket_versioning", "kubernetes_role_binding_v1",
    "aws_sns_topic_policy", "google_kms_crypto_key_iam_member",
    "hcloud_zone", "hcloud_zone_rrset", "ovh_iploadbalancing_tcp_farm",
    "ovh_iploadbalancing_http_route_rule", "google_compute_region_autoscaler",
    "google_compute_instance_template", "google_compute_instance_group",
    "google_container_analysis_note", "google_clouddeploy_delivery_pipeline",
    "google_endpoints_service", "google_data_loss_prevention_inspect_template",
    "google_identity_platform_oauth_idp_config", "ovh_ip_move", "ovh_ip_reverse",
    "ovh_ip_firewall_rule", "ovh_domain_zone", "ovh_domain_name_servers",
    "aws_macie2_organization_admin_account", "aws_guardduty_organization_admin_account",
    "aws_securityhub_organization_configuration", "kind_cluster",
    "ovh_cloud_project_database_opensearch_pattern",
    "ovh_cloud_project_database_ip_restriction",
    "ovh_cloud_project_containerregistry_ip_restrictions_management", "aws_ssm_document",
    "aws_ssm_patch_baseline", "modtm_telemetry",
    "google_privileged_access_manager_entitlement", "google_cloud_asset_folder_feed",
    "google_logging_log_scope",
    "aws_macie2_organization_admin_account", "aws_config_configuration_aggregator",
    "aws_ebs_encryption_by_default", "aws_api_gateway_base_path_mapping",
    "aws_globalaccelerator_endpoint_group", "google_secure_source_manager_branch_rule",
    "ovh_ip_mitigation", "ovh_domain_zone", "ovh_cloud_project_kube_iprestrictions",
    "ovh_cloud_project_kube_oidc", "ovh_dedicated_server_reboot_task", "ovh_savings_plan",
    "hcloud_load_balancer_target", "hcloud_rdns", "github_branch_protection",
    "google_workstations_workstation_config", "docker_image", "docker_registry_image",
    "docker_tag", "ovh_hosting_privatedatabase_user", "ionoscloud_pg_user", "snowflake_user",
    "azurerm_monitor_data_collection_rule", "google_dataplex_lake", "google_dataplex_zone",
    "echo", "aws_lambda_alias", "aws_lambda_event_source_mapping", "aws_lambda_layer_version",
    "aws_flow_log", "aws_efs_mount_target", "aws_efs_access_point", "aws_rolesanywhere_profile",
    "aws_athena_named_query", "aws_codedeploy_deployment_group", "google_cloud_identity_group",
    "google_privateca_ca_pool", "google_pubsub_schema", "google_cloud_scheduler_job",
    "google_dataplex_asset", "ionoscloud_ipfailover", "ovh_cloud_project_kube_log_subscription",
])
def test_control_plane_types(resource_type: str) -> None:
    assert classify_type(resource_type).control_plane


@pytest.mark.parametrize("resource_type", [
    "aws_s3_bucket", "aws_dynamodb_table", "aws_dynamodb_table_replica", "aws_db_instance",
    "aws_kms_key", "aws_secretsmanager_secret", "aws_iam_access_key", "google_storage_bucket",
    "google_bigquery_dataset", "google_secret_manager_secret", "google_service_account_key",
    "google_kms_crypto_key", "azurerm_storage_account", "azurerm_key_vault_secret",
    "azurerm_kubernetes_cluster_node_pool", "kubernetes_stateful_set_v1",
    "kubernetes_persistent_volume_claim_v1", "kubernetes_storage_class_v1",
    "azuread_application_password", "aws_cloudwatch_log_group",
    "ovh_iploadbalancing", "ovh_iploadbalancing_ssl", "google_compute_instance_from_template",
    "google_compute_instance_group_manager", "google_firebase_app_check_debug_token",
    "hcloud_server", "ovh_email_domain_account", "aws_ssm_parameter",
    "hcloud_load_balancer", "ovh_domain_zone_dynhost_login",
    "ovh_cloud_project_containerregistry_user", "aws_globalaccelerator_accelerator",
    "aws_macie2_classification_export_configuration", "github_repository_file",
    "google_workstations_workstation", "docker_container", "docker_volume", "docker_secret",
    "ovh_hosting_privatedatabase_database", "azurerm_monitor_data_collection_endpoint",
    "google_dataplex_datascan", "aws_cognito_user_pool", "aws_lambda_function",
    "aws_efs_file_system", "google_privateca_certificate_authority", "google_pubsub_topic",
    "google_api_gateway_gateway", "aws_secretsmanager_secret_version",
])
def test_data_bearing_types(resource_type: str) -> None:
    assert not classify_type(resource_type).control_plane


def test_an_unknown_type_is_data_bearing_by_default() -> None:
    assert classify_type("acme_customer_store") == classify_type("acme_customer_store")
    assert classify_type("acme_customer_store").rule == DEFAULT_RULE


@pytest.mark.parametrize(("arm_type", "control_plane"), [
    ("Microsoft.Authorization/roleAssignments@2022-04-01", True),
    ("Microsoft.Network/virtualNetworks/subnets@2023-09-01", True),
    ("Microsoft.Insights/diagnosticSettings@2021-05-01-preview", True),
    ("Microsoft.Insights/dataCollectionRules@2023-03-11", True),
    ("Microsoft.ContainerService/managedClusters/maintenanceConfigurations@2026-03-01", True),
    ("Microsoft.ContainerService/managedClusters/managedNamespaces@2026-03-01", True),
    ("Microsoft.ContainerService/managedClusters/agentPools@2026-01-02-preview", False),
    ("Microsoft.Sql/servers/firewallRules@2023-05-01-preview", True),
    ("Microsoft.Storage/storageAccounts@2023-01-01", False),
    ("Microsoft.Storage/storageAccounts/blobServices/containers@2023-01-01", False),
    ("Microsoft.DocumentDB/databaseAccounts@2024-05-15", False),
    ("Microsoft.KeyVault/vaults/secrets@2023-07-01", False),
])
def test_azapi_resources_are_classified_by_their_arm_type(arm_type: str,
                                                           control_plane: bool) -> None:
    decided = classify_resource("azapi_resource", {"type": arm_type})
    assert decided.data_bearing is not control_plane
    assert decided.unknown_reason is None


def test_azapi_resource_whose_type_is_unknown_is_data_bearing_with_the_reason() -> None:
    decided = classify_resource("azapi_resource",
                                {"type": Unknown("var.resource_type has no value")})
    assert decided.data_bearing
    assert decided.unknown_reason == (
        "its ARM type is not known statically (var.resource_type has no value): write the "
        "type as a literal (Microsoft.Namespace/type@api-version), or classify it with "
        "resource_types in the configuration")


def test_azapi_resource_without_a_type_is_data_bearing_with_the_reason() -> None:
    decided = classify_resource("azapi_resource", {})
    assert decided.data_bearing
    assert decided.unknown_reason is not None
    assert decided.unknown_reason.startswith("it names no ARM type (`type` is not set)")


def test_azapi_type_that_is_not_an_arm_type_is_named() -> None:
    decided = classify_resource("azapi_resource", {"type": "storageAccounts"})
    assert decided.data_bearing
    assert decided.unknown_reason is not None
    assert decided.unknown_reason.startswith(
        "its type 'storageAccounts' is not an ARM resource type")


@pytest.mark.parametrize(("candidates", "data_bearing"), [
    (("Microsoft.Authorization/roleAssignments@2022-04-01",
      "Microsoft.Authorization/locks@2020-05-01"), False),
    (("Microsoft.Authorization/roleAssignments@2022-04-01",
      "Microsoft.Storage/storageAccounts@2023-01-01"), True),
])
def test_azapi_type_known_as_a_set_of_candidates_is_classified_by_all_of_them(
        candidates: tuple[str, ...], data_bearing: bool) -> None:
    decided = classify_resource("azapi_resource",
                                {"type": Unknown("var.type has no value", candidates=candidates)})
    assert decided == ResourceClass(data_bearing)


def test_azapi_resource_action_stays_control_plane_whatever_its_type() -> None:
    decided = classify_resource("azapi_resource_action",
                                {"type": Unknown("var.type has no value")})
    assert decided == ResourceClass(False)


def _generator() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "tools" / "catalog_types.py"
    spec = importlib.util.spec_from_file_location("catalog_types", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_rules_overview_reports_the_coverage_of_every_generated_table() -> None:
    generator = _generator()
    table = generator.coverage_table()
    docs = generator.DOCS.read_text(encoding="utf-8")
    assert f"{generator.COVERAGE_START}\n{table}\n{generator.COVERAGE_END}" in docs
    rows = table.splitlines()[2:]
    assert [row.split(" | ")[0].lstrip("| ") for row in rows] == sorted(TABLES)
    assert all("(100 %)" in row for row in rows)


@pytest.mark.parametrize("provider", sorted(TABLES))
def test_every_table_records_the_schema_it_came_from(provider: str) -> None:
    text = (resources.files("sovlint.catalog") / "data" / f"types_{provider}.yaml").read_text()
    schema = yaml.safe_load(text)["schema"]
    assert schema["package"] == f"@cdktf/provider-{provider}"
    assert schema["package_version"]
    assert schema["provider"].startswith(f"hashicorp/{provider} ")
