"""The bundled fixtures, scanned as a user would: exact rules, addresses and lines."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

from helpers import FIXTURES, REPO, findings_of

ScanJson = Callable[..., tuple[int, dict[str, Any]]]
AWS = "fixtures/aws-health-records"


def test_aws_stack_reports_each_us_east_1_store(scan_json: ScanJson) -> None:
    code, report = scan_json(AWS)
    assert code == 1
    assert findings_of(report, "SOV001") == [
        ("aws_dynamodb_table.appointment_cache", f"{AWS}/database.tf", 36),
        ("aws_kms_key.dr", f"{AWS}/main.tf", 14),
        ("aws_sqs_queue.lab_results", f"{AWS}/main.tf", 27),
        ("aws_s3_bucket.dr", f"{AWS}/storage.tf", 39),
    ]


def test_aws_stack_does_not_report_security_groups_or_network(scan_json: ScanJson) -> None:
    _, report = scan_json(AWS)
    reported = {f["resource"] for f in report["findings"]}
    assert not {r for r in reported if r and r.startswith(("aws_security_group", "aws_vpc",
                                                           "aws_subnet", "aws_iam_"))}


def test_aws_stack_reports_us_jurisdiction_on_every_data_store(scan_json: ScanJson) -> None:
    _, report = scan_json(AWS)
    assert [resource for resource, _, _ in findings_of(report, "SOV002")] == [
        "aws_db_instance.patient_records",
        "aws_dynamodb_table.appointment_cache",
        "aws_kms_key.records",
        "aws_kms_key.dr",
        "aws_sqs_queue.lab_results",
        "aws_s3_bucket.patient_documents",
        "aws_s3_bucket.dr",
        "terraform.backend",
    ]


def test_sov001_message_names_region_and_country(scan_json: ScanJson) -> None:
    _, report = scan_json(AWS)
    finding = next(f for f in report["findings"]
                   if f["rule_id"] == "SOV001" and f["resource"] == "aws_s3_bucket.dr")
    assert "us-east-1 (US)" in finding["message"]
    assert finding["location"] == {"provider": "aws", "region": "us-east-1", "country": "US"}


def test_eu_stack_passes_under_both_profiles(cli: Callable[..., Any]) -> None:
    for profile in ("residency", "sovereign"):
        result = cli("scan", "fixtures/eu-ovh-scaleway", "--profile", profile)
        assert result.exit_code == 0, result.output


def test_azure_eastus_is_sov001(scan_json: ScanJson) -> None:
    code, report = scan_json("fixtures/azure-francecentral-eastus")
    assert code == 1
    base = "fixtures/azure-francecentral-eastus"
    assert findings_of(report, "SOV001") == [
        ("azurerm_cosmosdb_account.research_cohorts", f"{base}/database.tf", 25),
        ("azurerm_storage_account.research_exports", f"{base}/storage.tf", 17),
    ]


def test_azure_display_name_location_resolves(scan_json: ScanJson) -> None:
    _, report = scan_json("fixtures/azure-francecentral-eastus")
    flexible = [f for f in report["findings"]
                if f["resource"] == "azurerm_postgresql_flexible_server.clinical"]
    assert [f["rule_id"] for f in flexible] == ["SOV002"]
    assert flexible[0]["location"]["country"] == "FR"


def test_kubernetes_statefulset_pinned_to_us_east_1(scan_json: ScanJson) -> None:
    code, report = scan_json("fixtures/k8s-patient-portal")
    assert code == 1
    assert findings_of(report, "SOV001") == [
        ("StatefulSet/patient-portal/usage-analytics",
         "fixtures/k8s-patient-portal/manifests.yaml", 45),
    ]


def test_broken_file_is_sov000_and_good_file_still_scanned(scan_json: ScanJson) -> None:
    code, report = scan_json("fixtures/broken-terraform")
    assert code == 1
    assert findings_of(report, "SOV000") == [(None, "fixtures/broken-terraform/broken.tf", 13)]
    assert findings_of(report, "SOV001") == [
        ("aws_s3_bucket.lab_archive", "fixtures/broken-terraform/good.tf", 7)
    ]
    assert [(e["file"], e["line"]) for e in report["errors"]] == [
        ("fixtures/broken-terraform/broken.tf", 13)
    ]


def test_json_output_is_byte_identical_between_runs(cli: Callable[..., Any]) -> None:
    first = cli("scan", AWS, "--format", "json").stdout
    second = cli("scan", AWS, "--format", "json").stdout
    assert first == second


def test_installed_command_prints_no_traceback_on_broken_input() -> None:
    process = subprocess.run(
        [sys.executable, "-m", "sovlint", "scan", str(FIXTURES / "broken-terraform")],
        capture_output=True, text=True, cwd=REPO, check=False,
    )
    assert process.returncode == 1
    assert "Traceback" not in process.stderr + process.stdout
    assert "SOV000" in process.stdout


def test_aws_replication_to_virginia_is_sov003_on_the_configuration(scan_json: ScanJson) -> None:
    _, report = scan_json(AWS)
    [finding] = [f for f in report["findings"] if f["rule_id"] == "SOV003"]
    assert (finding["resource"], finding["file"], finding["line"]) == (
        "aws_s3_bucket_replication_configuration.patient_documents", f"{AWS}/storage.tf", 59)
    assert finding["message"] == (
        "replicates aws_s3_bucket.patient_documents (eu-west-3, FR) to aws_s3_bucket.dr "
        f"(us-east-1, US) via rule[0].destination[0].bucket ({AWS}/storage.tf:83)")
    assert finding["target"] == {"region": "us-east-1", "country": "US",
                                 "resource": "aws_s3_bucket.dr"}
