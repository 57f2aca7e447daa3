"""Inventory diagrams (Mermaid, DOT) and the tidy CSV: one node per (root, resource) in its
country, clusters by country then provider, a legend, and only data leaving the allowed
countries in alarm red."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess

import pytest
from helpers import run_cli

from sovlint.inventory import (
    CSV_COLUMNS,
    allowed_countries,
    country_title,
    flow_class,
    render_dot,
    render_mermaid,
)
from sovlint.model import Location, Provider, Resource, Source

FLOWS = "fixtures/flows"
DATABASES = "fixtures/flows/aws-databases"
EU = allowed_countries()


def test_a_copy_to_another_allowed_country_is_not_cross_border_red() -> None:
    assert flow_class(("FR",), ("DE",), EU) == "inside"
    assert flow_class(("FR",), ("FR",), EU) == "local"
    assert flow_class(("FR",), ("US",), EU) == "cross-border"
    assert flow_class(("FR",), (), EU) == "cross-border"  # unknown target: fail closed
    assert flow_class(("US",), ("US",), EU) == "local"


def test_allow_countries_decides_what_is_allowed() -> None:
    assert flow_class(("FR",), ("DE",), allowed_countries(["FR"])) == "cross-border"
    assert country_title("DE", allowed_countries(["FR"])) == (
        "DE Germany (outside the allowed countries)")
    assert country_title("FR", EU) == "FR France (allowed)"


def test_dot_mutes_the_replica_inside_the_eu_and_highlights_the_one_to_the_us() -> None:
    dot = run_cli("inventory", DATABASES, "--format", "dot").stdout
    edges = [line for line in dot.splitlines() if " -> " in line and "invis" not in line]
    red = [line for line in edges if 'color="#c00000"' in line]
    muted = [line for line in edges if 'color="#5b7a99"' in line]
    assert red and muted
    assert all("penwidth=3" in line for line in red)
    assert not any("penwidth" in line for line in muted)
    assert "<b>Legend</b>" in dot


def test_mermaid_nests_provider_boxes_in_country_boxes_with_a_legend() -> None:
    mermaid = run_cli("inventory", "fixtures/aws-health-records", "--format", "mermaid").stdout
    lines = mermaid.splitlines()
    country = lines.index('  subgraph c0["FR France (allowed)"]')
    assert lines[country + 1] == '    subgraph c0p0["Amazon Web Services (aws), non-EU law"]'
    assert any(line.startswith('  legend["Legend<br/>red bold arrow: data leaves')
               for line in lines)
    assert "  style c1 fill:#fbe9e9,stroke:#c00000" in lines


def _hostile_resource() -> Resource:
    return Resource(
        address='Deployment/x/a"]-->evil["<img src=x onerror=alert(1)>\\',
        type="Deployment", kind="kubernetes", source=Source("m.yaml", 1, 2),
        provider=Provider("ovh", "OVHcloud", "FR", "eu"),
        location=Location("unknown"), data_bearing=True)


def test_a_hostile_name_cannot_break_out_of_a_diagram_label() -> None:
    mermaid = render_mermaid([_hostile_resource()])
    node = next(line for line in mermaid.splitlines() if line.startswith("      n0["))
    assert node == ('      n0["Deployment/x/a#quot;]--#gt;evil[#quot;#lt;img src=x '
                    'onerror=alert(1)#gt;#92;"]')
    dot = render_dot([_hostile_resource()])
    assert '[label="Deployment/x/a\']-->evil[\'<img src=x onerror=alert(1)>\'"];' in dot


def test_csv_is_one_tidy_table() -> None:
    text = run_cli("inventory", DATABASES, "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(CSV_COLUMNS)
    assert rows.count(list(CSV_COLUMNS)) == 1
    assert {row[0] for row in rows[1:]} == {"store", "flow"}
    assert all(len(row) == len(CSV_COLUMNS) for row in rows)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
def test_graphviz_draws_every_store_inside_its_country_box() -> None:
    dot = run_cli("inventory", FLOWS, "--format", "dot").stdout
    stores = json.loads(run_cli("inventory", FLOWS, "--format", "json").stdout)["stores"]
    expected = {f"{s['address']}\n{s['root']}": s["country"] for s in stores}
    layout = json.loads(subprocess.run(["dot", "-Tjson"], input=dot, capture_output=True,
                                       text=True, check=True).stdout)
    objects = layout["objects"]
    countries = [o for o in objects if o.get("name", "").count("_") == 1
                 and o["name"].startswith("cluster_")]
    placed = 0
    for cluster in countries:
        x0, y0, x1, y1 = map(float, cluster["bb"].split(","))
        for index in cluster.get("nodes", []):
            node = objects[index]
            label = node["label"].replace("\\n", "\n").strip('"')
            if label not in expected:
                continue  # a flow end that is not a store
            x, y = map(float, node["pos"].split(","))
            assert x0 <= x <= x1 and y0 <= y <= y1, label
            assert cluster["label"].startswith(expected[label] + " ") or (
                expected[label] == "global" and cluster["label"].startswith("global")), label
            placed += 1
    assert placed == len(expected) == 147  # every store of fixtures/flows
