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
    assert 'subgraph c1["US"]' in diagram
    assert "==>|replication|" in diagram
    assert "linkStyle 0 stroke:#d00" in diagram


def test_dot_highlights_cross_border_flows_in_country_clusters() -> None:
    diagram = run_cli("inventory", AWS, "--format", "dot").stdout
    assert 'label="FR";' in diagram and 'label="US";' in diagram
    assert '[label="replication", color="#dd0000", penwidth=3];' in diagram


def test_csv_has_store_and_flow_records() -> None:
    rows = list(csv.reader(io.StringIO(run_cli("inventory", AWS, "--format", "csv").stdout)))
    assert sum(1 for row in rows if row[0] == "store") == 8
    assert sum(1 for row in rows if row[0] == "flow") == 1


def test_markdown_has_tables_and_the_diagram() -> None:
    text = run_cli("inventory", AWS, "--format", "markdown").stdout
    assert "| aws_s3_bucket.dr | aws_s3_bucket | aws | non-eu | us-east-1 | US |" in text
    assert "```mermaid" in text


def test_inventory_exits_0_whatever_the_findings() -> None:
    assert run_cli("inventory", AWS).exit_code == 0
