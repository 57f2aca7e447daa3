"""`sovlint inventory`: stores and flows as tables and diagrams."""

from __future__ import annotations

import csv
import io
import json

from helpers import run_cli

AWS = "fixtures/aws-health-records"


def test_inventory_json_lists_every_store_with_its_country() -> None:
    result = run_cli("inventory", AWS, "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    countries = {store["address"]: store["country"] for store in document["stores"]}
    assert countries == {
        "aws_db_instance.patient_records": "FR",
        "aws_dynamodb_table.appointment_cache": "US",
        "aws_kms_key.records": "FR",
        "aws_kms_key.dr": "US",
        "aws_sqs_queue.lab_results": "US",
        "aws_s3_bucket.patient_documents": "FR",
        "aws_s3_bucket.dr": "US",
        "terraform.backend": "FR",
    }
    [flow] = document["flows"]
    assert (flow["from"], flow["to"], flow["to_country"], flow["cross_border"]) == (
        "aws_s3_bucket.patient_documents", "aws_s3_bucket.dr", "US", True)


def test_mermaid_draws_the_cross_border_replica_flow() -> None:
    diagram = run_cli("inventory", AWS, "--format", "mermaid").stdout
    assert diagram.startswith("flowchart LR\n")
    assert 'subgraph c1["US United States (outside the allowed countries)"]' in diagram
    assert "==>|replication|" in diagram
    assert "linkStyle 0 stroke:#c00000,stroke-width:3px" in diagram


def test_dot_highlights_cross_border_flows_in_country_clusters() -> None:
    diagram = run_cli("inventory", AWS, "--format", "dot").stdout
    assert 'label="FR France (allowed)";' in diagram
    assert 'label="US United States (outside the allowed countries)";' in diagram
    assert ('[label="replication", color="#c00000", fontcolor="#c00000", penwidth=3];'
            in diagram)


def test_csv_is_one_table_with_a_kind_column() -> None:
    rows = list(csv.DictReader(io.StringIO(run_cli("inventory", AWS, "--format",
                                                   "csv").stdout)))
    assert sum(1 for row in rows if row["kind"] == "store") == 8
    [flow] = [row for row in rows if row["kind"] == "flow"]
    assert (flow["resource"], flow["to"], flow["to_country"]) == (
        "aws_s3_bucket.patient_documents", "aws_s3_bucket.dr", "US")


def test_markdown_has_tables_and_the_diagram() -> None:
    text = run_cli("inventory", AWS, "--format", "markdown").stdout
    assert ("| aws_s3_bucket.dr | fixtures/aws-health-records | aws_s3_bucket | aws | non-eu "
            "| us-east-1 | US |") in text
    assert "```mermaid" in text


def test_inventory_exits_0_whatever_the_findings() -> None:
    assert run_cli("inventory", AWS).exit_code == 0


REGISTRIES = "fixtures/k8s-registries-telemetry"


def test_inventory_lists_each_container_image_with_its_registry() -> None:
    result = run_cli("inventory", f"{REGISTRIES}/violating.yaml", "--format", "json")
    assert result.exit_code == 0, result.output
    images = json.loads(result.stdout)["images"]
    web = next(i for i in images if i["resource"] == "Deployment/patient-portal/portal-web"
               and i["container"] == "web")
    assert {k: web[k] for k in ("image", "registry", "operator", "jurisdiction", "country")} == {
        "image": "nginx:1.27", "registry": "docker.io", "operator": "Docker, Inc.",
        "jurisdiction": "non-eu", "country": "US"}
    assert (web["file"], web["line"]) == (f"{REGISTRIES}/violating.yaml", 7)


def test_inventory_text_csv_and_markdown_show_images() -> None:
    text = run_cli("inventory", f"{REGISTRIES}/violating.yaml").stdout
    assert "Container images (" in text
    assert "gcr.io/datadoghq/agent:7.52.0" in text
    rows = list(csv.reader(io.StringIO(
        run_cli("inventory", f"{REGISTRIES}/violating.yaml", "--format", "csv").stdout)))
    header = rows[0]
    agent = dict(zip(header, next(r for r in rows if r[0] == "image"
                                  and r[header.index("image")] == "gcr.io/datadoghq/agent:7.52.0"),
                     strict=True))
    assert {k: agent[k] for k in ("resource", "container", "registry", "provider",
                                  "jurisdiction", "region", "country", "file", "line")} == {
        "resource": "DaemonSet/patient-portal/datadog-agent", "container": "agent",
        "registry": "gcr.io", "provider": "Google Cloud", "jurisdiction": "non-eu",
        "region": "US", "country": "US", "file": f"{REGISTRIES}/violating.yaml", "line": "41"}
    markdown = run_cli("inventory", f"{REGISTRIES}/violating.yaml", "--format",
                       "markdown").stdout
    assert "## Container images" in markdown


def test_diagrams_draw_registries_in_their_country_with_foreign_pulls_in_red() -> None:
    mermaid = run_cli("inventory", f"{REGISTRIES}/violating.yaml", "--format", "mermaid").stdout
    assert '["registry docker.io (Docker, Inc., US)"]' in mermaid
    assert "-.->|image|" in mermaid
    assert "linkStyle" in mermaid
    dot = run_cli("inventory", f"{REGISTRIES}/violating.yaml", "--format", "dot").stdout
    assert '[label="image", color="#c00000", fontcolor="#c00000", style=dashed]' in dot


def test_inventory_without_workloads_has_no_image_section() -> None:
    result = run_cli("inventory", AWS)
    assert "Container images" not in result.stdout
    assert json.loads(run_cli("inventory", AWS, "--format", "json").stdout)["images"] == []
