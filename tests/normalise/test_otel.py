"""OpenTelemetry Collector configuration is read for SOV007: a mounted ConfigMap and the
Operator's OpenTelemetryCollector kind."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import FIXTURES, run_cli

from sovlint.normalise.otel import collector_exports, is_collector_config, mounted_configmaps


def _findings(path: Path) -> list[tuple[str, str]]:
    result = run_cli("scan", str(path), "--format", "json")
    return [(f["rule_id"], f["resource"]) for f in json.loads(result.stdout)["findings"]]


def test_violating_collectors_are_reported() -> None:
    assert _findings(FIXTURES / "k8s-otel-collector" / "violating") == [
        ("SOV007", "Deployment/obs/collector"),
        ("SOV007", "OpenTelemetryCollector/obs/sidecar"),
    ]


def test_collectors_exporting_to_eu_sites_pass() -> None:
    assert _findings(FIXTURES / "k8s-otel-collector" / "compliant") == []


def test_each_exporter_endpoint_is_an_export_naming_where_it_is_set() -> None:
    config = """
receivers: {otlp: {}}
exporters:
  otlphttp: {endpoint: "https://otlp.nr-data.net"}
  debug: {verbosity: detailed}
service: {pipelines: {traces: {receivers: [otlp], exporters: [otlphttp, debug]}}}
"""
    [export] = collector_exports(config, "ConfigMap c key config.yaml")
    assert (export.countries, export.source) == (
        ("US",), "ConfigMap c key config.yaml exporters.otlphttp.endpoint")


def test_other_yaml_is_not_a_collector_config() -> None:
    assert not is_collector_config("name: x\nvalues: [1, 2]\n")
    assert collector_exports("exporters: [not, a, mapping]", "x") == []
    assert collector_exports("exporters: {a: [\n", "x") == []


def test_mounted_configmaps_are_the_config_map_volumes() -> None:
    assert mounted_configmaps({"volumes": [{"name": "a", "configMap": {"name": "otel"}},
                                           {"name": "b", "emptyDir": {}}]}) == ["otel"]
