"""OpenTelemetry Collector configuration: where its exporters send logs, metrics and traces.

Read from a collector config file held in a ConfigMap that a workload mounts as a volume, and
from the OpenTelemetry Operator's `OpenTelemetryCollector` kind (`spec.config`, a YAML string in
v1alpha1, a mapping in v1beta1). Every exporter with an `endpoint` is a telemetry export (SOV007);
a Datadog exporter's `api.site` names its site.
https://opentelemetry.io/docs/collector/configuration/#exporters
https://github.com/open-telemetry/opentelemetry-operator/blob/main/docs/api/opentelemetrycollectors.md
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from sovlint.model import TelemetryExport
from sovlint.normalise.containers import _export

# Signals an exporter carries: every pipeline that lists it (a collector exporter may carry all).
_KIND = "apm"


def _config_mapping(config: Any) -> Mapping[str, Any] | None:
    if isinstance(config, str):
        if "exporters" not in config:
            return None
        try:
            config = yaml.safe_load(config)
        except yaml.YAMLError:
            return None
    return config if isinstance(config, Mapping) else None


def is_collector_config(config: Any) -> bool:
    """True when the value is a collector configuration (it has `exporters` and `service`)."""
    mapping = _config_mapping(config)
    return mapping is not None and isinstance(mapping.get("exporters"), Mapping) and (
        "service" in mapping or "receivers" in mapping)


def collector_exports(config: Any, source: str) -> list[TelemetryExport]:
    """The telemetry exports of one collector configuration (text or mapping)."""
    mapping = _config_mapping(config)
    if mapping is None or not isinstance(mapping.get("exporters"), Mapping):
        return []
    exports: list[TelemetryExport] = []
    for name, settings in mapping["exporters"].items():
        if not isinstance(settings, Mapping):
            continue
        where = f"{source} exporters.{name}"
        endpoint = settings.get("endpoint")
        export = None
        if isinstance(endpoint, str) and endpoint.strip():
            export = _export(_KIND, endpoint, f"{where}.endpoint", None)
        api = settings.get("api")
        if export is None and isinstance(api, Mapping) and isinstance(api.get("site"), str):
            export = _export(_KIND, str(api["site"]), f"{where}.api.site", None)
        if export is not None:
            exports.append(export)
    return exports


def operator_collector_exports(obj: Mapping[str, Any]) -> list[TelemetryExport]:
    """Exports of an `OpenTelemetryCollector` object (OpenTelemetry Operator)."""
    spec = obj.get("spec")
    if not isinstance(spec, Mapping):
        return []
    return collector_exports(spec.get("config"), "OpenTelemetryCollector spec.config")


def mounted_configmaps(pod_spec: Any) -> list[str]:
    """Names of the ConfigMaps a pod spec mounts as volumes."""
    names: list[str] = []
    volumes = pod_spec.get("volumes") if isinstance(pod_spec, Mapping) else None
    for volume in volumes if isinstance(volumes, list) else []:
        config_map = volume.get("configMap") if isinstance(volume, Mapping) else None
        if isinstance(config_map, Mapping) and isinstance(config_map.get("name"), str):
            names.append(config_map["name"])
    return names
