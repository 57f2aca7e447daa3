"""Container images and telemetry destinations of workloads (SOV006, SOV007).

Containers come from Kubernetes pod specs (containers, initContainers, ephemeralContainers of
every pod-bearing kind) and from Terraform container resources: ECS task definitions
(`container_definitions`), Cloud Run, Azure Container Apps and Container Instances, the
kubernetes provider's pod specs and `kubernetes_manifest`. Telemetry destinations come from
container environment variables (literal values, and ConfigMaps of the same scan), from
Terraform provider configurations (datadog, newrelic, sentry) and from resources that post to
an HTTP endpoint (Kinesis Firehose).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sovlint.catalog import endpoints
from sovlint.model import (
    UNKNOWN_PROVIDER,
    ContainerImage,
    Location,
    Resource,
    Source,
    TelemetryExport,
)
from sovlint.terraform.loader import ResourceInstance
from sovlint.terraform.values import Unknown, to_json_safe

# Where the pod spec sits, per kind.
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "PodTemplate": ("template", "spec"),
}
KUBERNETES_CONTAINER_KEYS = ("initContainers", "containers", "ephemeralContainers")


@dataclass(frozen=True)
class EnvValue:
    """One environment variable of a container: its value when known, and where it is set."""

    name: str
    value: str | None  # None: set from a Secret, a field or a ConfigMap not in the scan
    source: str


@dataclass(frozen=True)
class ConfigMapRef:
    """A ConfigMap a container reads: all keys (`envFrom`, with a prefix) or one key."""

    name: str
    prefix: str = ""
    key: str | None = None  # configMapKeyRef: the key, and `variable` the env name
    variable: str | None = None


@dataclass(frozen=True)
class Container:
    name: str
    image: str | None
    path: str  # e.g. spec.template.spec.containers[0]
    image_attribute: str = "image"
    env: tuple[EnvValue, ...] = ()
    configmaps: tuple[ConfigMapRef, ...] = ()


# ---------------------------------------------------------------------------------------------
# Kubernetes


def _dig(data: Any, path: Sequence[str]) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _kubernetes_env(container: Mapping[str, Any]) -> tuple[tuple[EnvValue, ...],
                                                            tuple[ConfigMapRef, ...]]:
    values: list[EnvValue] = []
    refs: list[ConfigMapRef] = []
    for source in container.get("envFrom") or []:
        if not isinstance(source, dict):
            continue
        ref = source.get("configMapRef")
        if isinstance(ref, dict) and isinstance(ref.get("name"), str):
            refs.append(ConfigMapRef(name=ref["name"], prefix=str(source.get("prefix") or "")))
    for item in container.get("env") or []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        name = item["name"]
        if "value" in item and item["value"] is not None:
            values.append(EnvValue(name, str(item["value"]), f"env {name}"))
            continue
        key_ref = _dig(item, ("valueFrom", "configMapKeyRef"))
        if isinstance(key_ref, dict) and isinstance(key_ref.get("name"), str):
            refs.append(ConfigMapRef(name=key_ref["name"], key=str(key_ref.get("key", "")),
                                     variable=name))
        how = next(iter(item.get("valueFrom") or {}), "valueFrom")
        values.append(EnvValue(name, None, f"env {name} ({how})"))
    return tuple(values), tuple(refs)


def pod_containers(spec: Any, prefix: str) -> list[Container]:
    """Containers, init and ephemeral containers of a Kubernetes pod spec."""
    found: list[Container] = []
    if not isinstance(spec, dict):
        return found
    for key in KUBERNETES_CONTAINER_KEYS:
        items = spec.get(key)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            env, refs = _kubernetes_env(item)
            image = item.get("image")
            found.append(Container(
                name=str(item.get("name") or f"{key}[{index}]"),
                image=image if isinstance(image, str) else None,
                path=f"{prefix}{key}[{index}]",
                env=env,
                configmaps=refs,
            ))
    return found


def kubernetes_containers(obj: Mapping[str, Any], prefix: str = "") -> list[Container]:
    """Containers of a Kubernetes object of a pod-bearing kind; [] for other kinds."""
    path = POD_SPEC_PATHS.get(str(obj.get("kind", "")))
    if path is None:
        return []
    return pod_containers(_dig(obj, path), prefix + "".join(f"{p}." for p in path))


def _namespace(obj: Mapping[str, Any]) -> str:
    metadata = obj.get("metadata")
    if isinstance(metadata, dict) and metadata.get("namespace"):
        return str(metadata["namespace"])
    return "default"


# ---------------------------------------------------------------------------------------------
# Terraform


_TERRAFORM_CONTAINER_KEYS: dict[str, tuple[str, ...]] = {
    "kubernetes_": ("init_container", "container", "ephemeral_container"),
    "google_cloud_run": ("containers",),
    "azurerm_container_app": ("init_container", "container"),
    "azurerm_container_group": ("init_container", "container"),
}


def _terraform_env(container: Mapping[str, Any]) -> tuple[EnvValue, ...]:
    values: list[EnvValue] = []
    for key in ("env", "environment"):
        items = container.get(key)
        if isinstance(items, list):  # [{name, value}] blocks, ECS `environment`
            for item in items:
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    value = item.get("value")
                    values.append(EnvValue(item["name"],
                                           str(value) if isinstance(value, str) else None,
                                           f"{key} {item['name']}"))
        elif isinstance(items, dict):
            values.extend(EnvValue(str(k), str(v) if isinstance(v, str) else None,
                                   f"{key} {k}") for k, v in items.items())
    variables = container.get("environment_variables")  # Azure Container Instances
    if isinstance(variables, dict):
        values.extend(EnvValue(str(k), str(v) if isinstance(v, str) else None,
                               f"environment_variables {k}") for k, v in variables.items())
    return tuple(values)


def _walk_containers(value: Any, keys: tuple[str, ...], path: str) -> Iterator[Container]:
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if key in keys and isinstance(item, list):
                for index, block in enumerate(item):
                    if isinstance(block, dict) and "image" in block:
                        image = block.get("image")
                        yield Container(
                            name=str(block.get("name") or f"{key}[{index}]"),
                            image=image if isinstance(image, str) else None,
                            path=f"{child}[{index}]",
                            env=_terraform_env(block),
                        )
            else:
                yield from _walk_containers(item, keys, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk_containers(item, keys, f"{path}[{index}]")


def terraform_containers(resource_type: str, attributes: Mapping[str, Any]) -> list[Container]:
    """Containers of a Terraform container resource; [] for other types (VM and OS images
    are not container images)."""
    if resource_type == "aws_ecs_task_definition":
        definitions = attributes.get("container_definitions")
        if isinstance(definitions, str):
            try:
                definitions = json.loads(definitions)
            except ValueError:
                return []
        if not isinstance(definitions, list):
            return []
        found: list[Container] = []
        for index, item in enumerate(definitions):
            if isinstance(item, dict):
                image = item.get("image")
                found.append(Container(
                    name=str(item.get("name") or f"container_definitions[{index}]"),
                    image=image if isinstance(image, str) else None,
                    path=f"container_definitions[{index}]",
                    env=_terraform_env(item),
                ))
        return found
    if resource_type in ("kubernetes_manifest", "kubernetes_manifest_v1"):
        manifest = attributes.get("manifest")
        return kubernetes_containers(manifest, "manifest.") if isinstance(manifest, dict) else []
    for prefix, keys in _TERRAFORM_CONTAINER_KEYS.items():
        if resource_type.startswith(prefix):
            return list(_walk_containers(dict(attributes), keys, ""))
    return []


# ---------------------------------------------------------------------------------------------
# Images


def images_of(containers: Iterable[Container]) -> tuple[ContainerImage, ...]:
    """One record per container whose image reference can be read (templates are skipped)."""
    images: list[ContainerImage] = []
    for container in containers:
        if container.image is None:
            continue
        reference = endpoints.parse_image(container.image)
        if reference is None:
            continue
        registry = endpoints.lookup_registry(reference.registry)
        images.append(ContainerImage(
            image=container.image.strip(),
            registry=reference.registry,
            operator=registry.operator,
            operator_name=registry.operator_name,
            jurisdiction=registry.jurisdiction,
            hq_country=registry.hq_country,
            region=registry.region,
            countries=registry.countries,
            container=container.name,
            path=f"{container.path}.{container.image_attribute}",
        ))
    return tuple(images)


# ---------------------------------------------------------------------------------------------
# Telemetry


def _without_credentials(value: str) -> str:
    """A URL without its user information (a Sentry DSN's key stays out of reports)."""
    scheme, separator, rest = value.partition("://")
    if not separator:
        return value
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = authority.rsplit("@", 1)[1]
    return f"{scheme}://{authority}{slash}{path}"


def _export(kind: str, value: str, source: str, container: str | None,
            endpoint_value: str | None = None) -> TelemetryExport | None:
    found = endpoints.classify_endpoint(endpoint_value if endpoint_value is not None else value)
    if found is None:
        return None
    return TelemetryExport(
        kind=kind,
        endpoint=_without_credentials(value.strip()),
        vendor=found.vendor_name if found.known else found.host,
        vendor_hq_country=found.hq_country,
        vendor_jurisdiction=found.jurisdiction,
        region=found.region,
        countries=found.countries,
        source=source,
        container=container,
        in_cluster=found.in_cluster,
    )


def telemetry_from_env(env: Mapping[str, EnvValue], container: str | None) -> list[
        TelemetryExport]:
    """Telemetry destinations named by a container's environment (telemetry.yaml
    `variables`)."""
    exports: list[TelemetryExport] = []
    for name, spec in endpoints.telemetry_variables().items():
        entry = env.get(name)
        if entry is None:
            continue
        kind = str(spec.get("kind", "apm"))
        form = str(spec.get("form", "url"))
        unless = [str(u) for u in spec.get("unless") or []]
        if any(other in env for other in unless):
            continue
        export: TelemetryExport | None = None
        if form == "default":
            endpoint = str(spec.get("endpoint"))
            export = _export(kind, endpoint, f"{entry.source} without "
                             f"{' or '.join(unless) or 'a site'}: default {endpoint}", container)
        elif entry.value is None:
            continue
        elif form in ("url", "site"):
            export = _export(kind, entry.value, entry.source, container)
        elif form == "template":
            export = _export(kind, entry.value, entry.source, container,
                             str(spec.get("template", "{value}")).format(value=entry.value))
        elif form == "newrelic-license":
            eu = entry.value.strip().lower().startswith("eu01x")
            host = "collector.eu01.nr-data.net" if eu else "collector.newrelic.com"
            export = _export(kind, host, f"{entry.source} ({'EU' if eu else 'US'} account key)",
                             container)
        if export is not None:
            exports.append(export)
    return exports


ConfigMaps = Mapping[tuple[str, str], Mapping[str, str]]


def _resolved_env(container: Container, namespace: str,
                  configmaps: ConfigMaps | None) -> dict[str, EnvValue]:
    env: dict[str, EnvValue] = {}
    if configmaps is not None:
        for ref in container.configmaps:
            data = configmaps.get((namespace, ref.name))
            if data is None or ref.key is not None:
                continue
            for key, value in data.items():
                env[ref.prefix + key] = EnvValue(ref.prefix + key, value,
                                                 f"ConfigMap {ref.name} key {key} (envFrom)")
    for item in container.env:
        env[item.name] = item
    if configmaps is not None:
        for ref in container.configmaps:
            data = configmaps.get((namespace, ref.name))
            if ref.key is None or ref.variable is None or data is None or ref.key not in data:
                continue
            env[ref.variable] = EnvValue(
                ref.variable, data[ref.key],
                f"env {ref.variable} from ConfigMap {ref.name} key {ref.key}")
    return env


def telemetry_of(containers: Iterable[Container], namespace: str = "default",
                 configmaps: ConfigMaps | None = None) -> tuple[TelemetryExport, ...]:
    exports: dict[tuple[str, str, str, str | None], TelemetryExport] = {}
    for container in containers:
        env = _resolved_env(container, namespace, configmaps)
        for export in telemetry_from_env(env, container.name):
            exports.setdefault((export.kind, export.endpoint, export.source, export.container),
                               export)
    return tuple(exports.values())


def kubernetes_workload(obj: Mapping[str, Any]) -> tuple[tuple[ContainerImage, ...],
                                                         tuple[TelemetryExport, ...]]:
    """Images and telemetry (from literal environment values) of a Kubernetes object."""
    containers = kubernetes_containers(obj)
    return images_of(containers), telemetry_of(containers, _namespace(obj))


def attach_configmaps(resources: Sequence[Resource]) -> list[Resource]:
    """Telemetry of Kubernetes workloads recomputed with the ConfigMaps of the same scan
    (`envFrom.configMapRef`, `env[].valueFrom.configMapKeyRef`, same namespace): those of the
    same overlay first, then those of plain manifests."""
    by_root: dict[str | None, dict[tuple[str, str], dict[str, str]]] = {}
    for resource in resources:
        if resource.kind == "kubernetes" and resource.type == "ConfigMap":
            data = resource.attributes.get("data")
            name = _dig(resource.attributes, ("metadata", "name"))
            if isinstance(data, dict) and isinstance(name, str):
                by_root.setdefault(resource.root, {})[(_namespace(resource.attributes), name)] = {
                    str(k): str(v) for k, v in data.items() if v is not None}
    if not by_root:
        return list(resources)
    from sovlint.normalise.otel import collector_exports, mounted_configmaps

    result: list[Resource] = []
    for resource in resources:
        if resource.kind == "kubernetes" and resource.type in POD_SPEC_PATHS:
            namespace = _namespace(resource.attributes)
            containers = kubernetes_containers(resource.attributes)
            telemetry = resource.telemetry
            configmaps = {**by_root.get(None, {}), **by_root.get(resource.root, {})}
            if any(c.configmaps for c in containers):
                telemetry = telemetry_of(containers, namespace, configmaps)
            # An OpenTelemetry Collector reads its configuration from a mounted ConfigMap.
            pod_spec = _dig(resource.attributes, POD_SPEC_PATHS[resource.type])
            for name in mounted_configmaps(pod_spec):
                for key, text in (configmaps.get((namespace, name)) or {}).items():
                    telemetry = (*telemetry, *collector_exports(
                        text, f"ConfigMap {name} key {key}"))
            if telemetry != resource.telemetry:
                resource = dataclasses.replace(resource, telemetry=tuple(telemetry))
        result.append(resource)
    return result


def terraform_workload(resource_type: str, attributes: Mapping[str, Any]) -> tuple[
        tuple[ContainerImage, ...], tuple[TelemetryExport, ...]]:
    """Images and telemetry of a Terraform resource (evaluated attributes, unknowns None)."""
    containers = terraform_containers(resource_type, attributes)
    telemetry = list(telemetry_of(containers))
    for spec in endpoints.terraform_resource_telemetry(resource_type):
        path = str(spec.get("path", ""))
        for value in _path_strings(attributes, path):
            export = _export(str(spec.get("kind", "logs")), value, f"attribute {path}", None)
            if export is not None:
                telemetry.append(export)
    return images_of(containers), tuple(telemetry)


def _path_strings(attributes: Any, path: str) -> list[str]:
    current: list[Any] = [attributes]
    for part in path.split("."):
        following: list[Any] = []
        for value in current:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and item.get(part) is not None:
                    following.append(item[part])
        current = following
    return [value for value in current if isinstance(value, str)]


# ---------------------------------------------------------------------------------------------
# Terraform provider configurations


@dataclass(frozen=True)
class ProviderSite:
    """A provider configuration as the records below need it (loader-independent)."""

    name: str
    alias: str | None
    attributes: Mapping[str, Any]
    file: str
    line: int
    implicit: bool = False
    used_at: tuple[str, int] = ("", 0)  # first resource using it, for implicit configurations


def _unknown_telemetry_site(site: ProviderSite, ref: str, address: str, attribute: str,
                            raw: Any) -> Resource:
    why = str(raw.reason) if isinstance(raw, Unknown) else f"a {type(raw).__name__} value"
    file, line = (site.file, site.line) if not site.implicit else site.used_at
    return Resource(
        address=address,
        type=site.name,
        kind="terraform",
        source=Source(file, line, line),
        provider=UNKNOWN_PROVIDER,
        location=Location(
            mode="unknown", how=f"provider {ref} {attribute}",
            unresolved_reason=(f"the telemetry destination, provider {ref} {attribute}, is not "
                               f"known statically ({why}); set it to a literal site")),
        data_bearing=True,
        attributes={},
    )


def provider_telemetry_records(sites: Iterable[ProviderSite]) -> list[Resource]:
    """One `provider.<name>[.<alias>]` record per datadog, newrelic or sentry provider
    configuration in use: the provider's site is where the account's telemetry is stored."""
    records: dict[str, Resource] = {}
    for site in sites:
        spec = endpoints.terraform_provider_telemetry(site.name)
        if spec is None:
            continue
        ref = f"{site.name}.{site.alias}" if site.alias else site.name
        address = f"provider.{ref}"
        if address in records:
            continue
        attribute = str(spec.get("attribute"))
        raw = site.attributes.get(attribute)
        if raw is not None and not isinstance(raw, str):
            # Set, but to a value not known statically: where the telemetry goes is unknown,
            # never the provider's default (SOV004).
            records[address] = _unknown_telemetry_site(site, ref, address, attribute, raw)
            continue
        written = raw if isinstance(raw, str) and raw.strip() else None
        value = written or str(spec.get("default"))
        values = spec.get("values")
        endpoint_value = None
        if isinstance(values, Mapping):
            endpoint_value = str(values.get(value.strip().upper(), ""))
            if not endpoint_value:
                continue
        how = f"provider {ref} {attribute}" if written else \
            f"provider {ref} ({attribute} not set: default {value})"
        export = _export(str(spec.get("kind", "apm")), value, how, None, endpoint_value)
        if export is None:
            continue
        file, line = (site.file, site.line) if not site.implicit else site.used_at
        records[address] = Resource(
            address=address,
            type=site.name,
            kind="terraform",
            source=Source(file, line, line),
            provider=UNKNOWN_PROVIDER,
            location=Location(mode="unknown", how=f"provider {ref}"),
            data_bearing=False,
            attributes={k: v for k, v in site.attributes.items() if k == attribute},
            telemetry=(export,),
        )
    return list(records.values())


def provider_sites(instances: Iterable[ResourceInstance]) -> list[ProviderSite]:
    """The provider configurations managed resources use, in order of first use."""
    sites: dict[str, ProviderSite] = {}
    for instance in instances:
        provider = instance.provider
        if provider is None or provider.ref in sites:
            continue
        spec = endpoints.terraform_provider_telemetry(provider.name)
        if spec is None:
            continue
        attributes = to_json_safe(provider.attributes)
        site_attribute = str(spec.get("attribute"))
        if isinstance(provider.attributes.get(site_attribute), Unknown):
            attributes[site_attribute] = provider.attributes[site_attribute]  # kept: unknown
        sites[provider.ref] = ProviderSite(
            name=provider.name, alias=provider.alias,
            attributes=attributes, file=provider.file,
            line=provider.line, implicit=provider.implicit,
            used_at=(instance.file, instance.line))
    return list(sites.values())
