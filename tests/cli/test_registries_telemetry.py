"""SOV006 and SOV007 end to end: the k8s-registries-telemetry fixture and Terraform."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers import findings_of

ScanJson = Callable[..., tuple[int, dict[str, Any]]]
FIXTURE = "fixtures/k8s-registries-telemetry"
VIOLATING = f"{FIXTURE}/violating.yaml"
COMPLIANT = f"{FIXTURE}/compliant.yaml"


def test_violating_manifests(scan_json: ScanJson) -> None:
    code, report = scan_json(VIOLATING)
    assert code == 1
    assert findings_of(report, "SOV006") == [
        ("Deployment/patient-portal/portal-web", VIOLATING, 7),
        ("DaemonSet/patient-portal/datadog-agent", VIOLATING, 41),
        ("Pod/patient-portal/debug-shell", VIOLATING, 83),
    ]
    assert findings_of(report, "SOV007") == [
        ("Deployment/patient-portal/portal-web", VIOLATING, 7),
        ("DaemonSet/patient-portal/datadog-agent", VIOLATING, 41),
        ("CronJob/patient-portal/nightly-export", VIOLATING, 64),
    ]
    assert {f["rule_id"] for f in report["findings"]} == {"SOV006", "SOV007"}


def test_compliant_manifests_pass(scan_json: ScanJson) -> None:
    code, report = scan_json(COMPLIANT)
    assert code == 0, report["findings"]
    assert report["findings"] == []


def test_whole_fixture_directory(scan_json: ScanJson) -> None:
    _, report = scan_json(FIXTURE)
    assert {f["file"] for f in report["findings"]} == {VIOLATING}
    assert len(report["findings"]) == 6


def test_messages_name_images_endpoints_vendors_and_variables(scan_json: ScanJson) -> None:
    _, report = scan_json(VIOLATING)
    messages = {(f["rule_id"], f["resource"]): f["message"] for f in report["findings"]}
    web = messages[("SOV006", "Deployment/patient-portal/portal-web")]
    assert "2 images" in web
    assert "ghcr.io/hsa-platform/portal-migrations:2.14.1 (registry ghcr.io" in web
    assert "nginx:1.27 (registry docker.io, operated by Docker, Inc." in web
    agent = messages[("SOV007", "DaemonSet/patient-portal/datadog-agent")]
    assert "datadoghq.com (Datadog US1, in US; vendor headquartered in US)" in agent
    assert "ConfigMap datadog-env key DD_SITE (envFrom)" in agent
    export = messages[("SOV007", "CronJob/patient-portal/nightly-export")]
    assert "https://o450123.ingest.sentry.io/5512345" in export
    assert "3f2a9c0d51e84b7f" not in export  # the DSN key stays out of reports
    assert "env SENTRY_DSN in container export" in export


def test_residency_profile_leaves_both_rules_out(scan_json: ScanJson) -> None:
    code, report = scan_json(VIOLATING, "--profile", "residency")
    assert code == 0
    assert report["findings"] == []


def test_trusted_registry_only_through_allow_registries(scan_json: ScanJson,
                                                       tmp_path: Path) -> None:
    manifest = tmp_path / "agent.yaml"
    manifest.write_text(
        (Path(__file__).resolve().parents[2] / COMPLIANT).read_text(encoding="utf-8"))
    (tmp_path / ".sovlint.yaml").write_text(
        "kubernetes:\n  cluster: {provider: scaleway, region: fr-par}\n")
    _, untrusted = scan_json(str(manifest), cwd=tmp_path)
    assert findings_of(untrusted, "SOV006") == []  # harbor.hsa-platform.eu is unknown: no SOV006
    (tmp_path / ".sovlint.yaml").write_text(
        "allow:\n  registries: ['*.scw.cloud', docker.io]\n")
    violating = tmp_path / "violating.yaml"
    violating.write_text(
        (Path(__file__).resolve().parents[2] / VIOLATING).read_text(encoding="utf-8"))
    _, trusted = scan_json(str(violating), cwd=tmp_path)
    assert [r for r, _, _ in findings_of(trusted, "SOV006")] == [
        "Deployment/patient-portal/portal-web",  # ghcr.io is still reported
        "DaemonSet/patient-portal/datadog-agent",
    ]


def test_bad_allow_registries_entry_is_a_config_error(cli: Callable[..., Any],
                                                      tmp_path: Path) -> None:
    (tmp_path / ".sovlint.yaml").write_text("allow:\n  registries: [ghcr.io/acme]\n")
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n")
    result = cli("scan", str(tmp_path), cwd=tmp_path)
    assert result.exit_code == 2
    assert "allow.registries[0]" in result.stderr


def test_narrower_allow_list_reports_the_eu_site_of_a_vendor(scan_json: ScanJson,
                                                            tmp_path: Path) -> None:
    (tmp_path / ".sovlint.yaml").write_text(
        "allow:\n  countries: [FR]\n  registries: [harbor.hsa-platform.eu]\n"
        "kubernetes:\n  cluster: {provider: scaleway, region: fr-par}\n")
    manifest = tmp_path / "compliant.yaml"
    manifest.write_text(
        (Path(__file__).resolve().parents[2] / COMPLIANT).read_text(encoding="utf-8"))
    _, report = scan_json(str(manifest), cwd=tmp_path)
    assert [r for r, _, _ in findings_of(report, "SOV007")] == [
        "DaemonSet/patient-portal-eu/datadog-agent",  # datadoghq.eu is in Germany
        "CronJob/patient-portal-eu/nightly-export",  # Sentry's EU region is in Germany
    ]


TERRAFORM = """\
provider "aws" {
  region = "eu-west-3"
}

provider "datadog" {
  api_url = "https://api.datadoghq.com/"
}

resource "aws_ecs_task_definition" "api" {
  family = "api"
  container_definitions = jsonencode([
    {
      name  = "api"
      image = "123456789012.dkr.ecr.eu-west-3.amazonaws.com/api:2.0.1"
      environment = [
        { name = "OTEL_EXPORTER_OTLP_ENDPOINT", value = "https://otlp.nr-data.net:4317" },
      ]
    },
  ])
}

resource "datadog_monitor" "latency" {
  name    = "API latency"
  type    = "metric alert"
  query   = "avg(last_5m):avg:trace.http.request.duration{service:api} > 1"
  message = "API slow"
}
"""


def test_terraform_ecs_images_and_provider_site(scan_json: ScanJson, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TERRAFORM)
    _, report = scan_json(str(tmp_path / "main.tf"), cwd=tmp_path)
    assert findings_of(report, "SOV006") == [("aws_ecs_task_definition.api", "main.tf", 9)]
    assert findings_of(report, "SOV007") == [
        ("provider.datadog", "main.tf", 5),
        ("aws_ecs_task_definition.api", "main.tf", 9),
    ]
    provider = next(f for f in report["findings"] if f["resource"] == "provider.datadog")
    assert "set by provider datadog api_url" in provider["message"]
    assert not [f for f in report["findings"] if f["resource"] == "provider.datadog"
                and f["rule_id"] != "SOV007"]


def test_ecr_in_paris_is_sov006_on_the_patient_portal(scan_json: ScanJson) -> None:
    _, report = scan_json("fixtures/k8s-patient-portal", "--profile", "sovereign")
    manifests = "fixtures/k8s-patient-portal/manifests.yaml"
    assert findings_of(report, "SOV006") == [
        ("Deployment/patient-portal/portal-web", manifests, 8),
        ("StatefulSet/patient-portal/usage-analytics", manifests, 45),
    ]
