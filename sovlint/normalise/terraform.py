"""Resource records from evaluated Terraform resource instances.

Where a resource lives comes from data (the catalogue's location attributes per provider), in
this order: the resource's own location attributes (AWS provider 6 `region` included), then
its provider configuration (default or aliased). Types with no fixed region are global.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from sovlint import catalog
from sovlint.model import UNKNOWN_PROVIDER, Location, Provider, Resource, Source
from sovlint.normalise.classification import classify_resource
from sovlint.normalise.containers import terraform_workload
from sovlint.normalise.location import (
    location_of_members,
    location_of_region,
    location_of_value,
)
from sovlint.terraform.loader import Backend, ProviderConfig, ResourceInstance, UnreadModule
from sovlint.terraform.values import Unknown, to_json_safe

TAG_ATTRIBUTES = ("tags", "labels", "user_labels", "freeform_tags")


def provider_entity(
    terraform_provider: str, region: str | None, alias: str | None = None
) -> Provider:
    entity = catalog.entity_for(terraform_provider, region)
    provider = catalog.get_provider(entity) if entity else None
    if provider is None:
        return Provider(
            id=terraform_provider,
            name=terraform_provider,
            hq_country="",
            jurisdiction="unknown",
            alias=alias,
        )
    return Provider(
        id=provider.id,
        name=provider.name,
        hq_country=provider.hq_country,
        jurisdiction=provider.jurisdiction,
        law_notes=provider.law_notes,
        alias=alias,
    )


def _path_values(attributes: dict[str, Any], path: str) -> list[Any]:
    """Values at a dotted path; nested blocks are lists, so one path may give several."""
    current: list[Any] = [attributes]
    for part in path.split("."):
        following: list[Any] = []
        for value in current:
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, Unknown):
                    following.append(item)
                elif isinstance(item, dict) and item.get(part) is not None:
                    following.append(item[part])
        current = following
    # A list of regions (`custom_placement_config.data_locations`) gives each member.
    members = [item for value in current for item in (value if isinstance(value, list)
                                                      else [value])]
    return [value for value in members if isinstance(value, (str, Unknown))]


def _first_region_value(
    attributes: dict[str, Any], names: tuple[str, ...]
) -> tuple[str, Any] | None:
    """(attribute, value) of the first location attribute set; a list when several blocks
    each name a region."""
    for name in names:
        values = _path_values(attributes, name)
        if not values:
            continue
        unknown = next((v for v in values if isinstance(v, Unknown)), None)
        if unknown is not None:
            return name, unknown
        distinct = list(dict.fromkeys(v.strip() for v in values if v.strip()))
        if distinct:
            return name, distinct[0] if len(distinct) == 1 else distinct
    return None


def _region_hint(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) else None


def _attribute_source(instance: ResourceInstance, name: str) -> Source | None:
    """The line of the attribute (or nested block) a location attribute path starts with."""
    top = name.split(".", 1)[0].split("[", 1)[0]
    attribute = instance.block.body.attributes.get(top)
    if attribute is not None:
        return Source(instance.file, attribute.line, attribute.end_line)
    blocks = instance.block.body.blocks_of(top)
    if blocks:
        return Source(instance.file, blocks[0].line, blocks[0].end_line)
    return None


def _provider_source(provider: ProviderConfig, name: str) -> Source | None:
    """The provider block's `region =` line, else the block's first line."""
    if provider.implicit or not provider.file:
        return None
    top = name.split(".", 1)[0].split("[", 1)[0]
    line = provider.attribute_lines.get(top, provider.line)
    return Source(provider.file, line, line)


def _caused(location: Location, cause: Source | None) -> Location:
    return dataclasses.replace(location, cause=cause) if cause is not None else location


def resource_location(
    instance: ResourceInstance, terraform_provider: str
) -> tuple[Location, str | None]:
    """The resource's home location and the region as written (for entity selection)."""
    if catalog.is_global_type(instance.type):
        return Location(mode="global", resolved=True, how=f"{instance.type} is global"), None
    own = _first_region_value(
        instance.attributes, catalog.location_attributes(terraform_provider, instance.type)
    )
    provider = instance.provider
    if own is not None:
        name, value = own
        if isinstance(value, list):
            entity = catalog.entity_for(terraform_provider, value[0])
            return _caused(location_of_members(entity, value, f"attribute {name}"),
                           _attribute_source(instance, name)), value[0]
        entity = catalog.entity_for(terraform_provider, _region_hint(value))
        location = location_of_value(entity, value, f"attribute {name}")
        if location is not None:
            return _caused(location, _attribute_source(instance, name)), _region_hint(value)
    documented = catalog.default_location(instance.type)
    if documented is not None:
        entity = catalog.entity_for(terraform_provider, documented[0])
        location = location_of_value(entity, documented[0],
                                     f"provider default for {instance.type} ({documented[1]})")
        if location is not None:
            return location, documented[0]
    if provider is not None:
        config_region = _first_region_value(
            provider.attributes, catalog.provider_config_region_attributes(terraform_provider)
        )
        if config_region is not None:
            name, value = config_region
            entity = catalog.entity_for(terraform_provider, _region_hint(value))
            how = f"provider {provider.ref}" + ("" if name == "region" else f" {name}")
            location = location_of_value(entity, value, how)
            if location is not None:
                return _caused(location, _provider_source(provider, name)), _region_hint(value)
    reason = _no_region_reason(instance, terraform_provider, provider)
    entity = catalog.entity_for(terraform_provider, None)
    if entity is not None:
        everywhere = catalog.regions_of(entity)
        if everywhere:
            return Location(mode="candidates", regions=tuple(everywhere), how=NO_REGION,
                            unresolved_reason=reason), None
    return Location(mode="unknown", how=NO_REGION, unresolved_reason=reason), None


def _no_region_reason(
    instance: ResourceInstance, terraform_provider: str, provider: ProviderConfig | None
) -> str:
    if instance.unexpanded_reason:
        return instance.unexpanded_reason
    if provider is None:
        return f"provider configuration {instance.provider_ref} is not declared"
    if provider.implicit:
        return f"no region: provider {terraform_provider} has no configuration"
    return f"no region in the resource or in provider {provider.ref}"


def resource_labels(instance: ResourceInstance) -> dict[str, str]:
    labels: dict[str, str] = {}
    provider = instance.provider
    if provider is not None:
        for default_tags in provider.attributes.get("default_tags", []) or []:
            if isinstance(default_tags, dict) and isinstance(default_tags.get("tags"), dict):
                labels.update(_string_map(default_tags["tags"]))
    for name in TAG_ATTRIBUTES:
        value = instance.attributes.get(name)
        if isinstance(value, dict):
            labels.update(_string_map(value))
    return labels


def _string_map(mapping: dict[str, Any]) -> dict[str, str]:
    result: dict[str, str] = {}
    for key, value in mapping.items():
        if isinstance(value, bool):
            result[str(key)] = "true" if value else "false"
        elif isinstance(value, (str, int, float)):
            result[str(key)] = str(value)
    return result


def normalise_instance(instance: ResourceInstance) -> Resource:
    terraform_provider = (
        instance.provider.name
        if instance.provider is not None
        else catalog.terraform_provider_of_type(instance.type)
    )
    location, written = resource_location(instance, terraform_provider)
    alias = instance.provider.alias if instance.provider is not None else None
    provider = provider_entity(terraform_provider, written, alias)
    attributes = to_json_safe(instance.attributes)
    images, telemetry = terraform_workload(instance.type, attributes)
    resource_class = classify_resource(instance.type, instance.attributes)
    return Resource(
        address=instance.address,
        type=instance.type,
        kind="terraform",
        source=Source(instance.file, instance.line, instance.end_line),
        provider=provider,
        location=location,
        data_bearing=resource_class.data_bearing,
        labels=resource_labels(instance),
        attributes=attributes,
        module=instance.module_path,
        images=images,
        telemetry=telemetry,
        unclassified_reason=resource_class.unknown_reason,
    )


# Backends whose location a region attribute gives, and the provider that operates them.
_BACKEND_PROVIDERS = {"s3": "aws", "gcs": "google", "azurerm": "azurerm", "oss": "alicloud",
                      "cos": "tencentcloud"}


def normalise_backend(backend: Backend) -> Resource:
    """The state backend as the `terraform.backend` resource (SPEC §3)."""
    attributes = backend.attributes
    source = Source(backend.file, backend.line, backend.end_line)
    terraform_provider = _BACKEND_PROVIDERS.get(backend.type)
    location = Location(mode="unknown", how=f"backend {backend.type}",
                        unresolved_reason=f"the {backend.type} backend names no region")
    provider = UNKNOWN_PROVIDER
    if backend.type in ("remote", "cloud"):
        hostname = attributes.get("hostname") or "app.terraform.io"
        region = "eu" if hostname == "app.eu.terraform.io" else "us"
        if isinstance(hostname, str) and hostname not in ("app.terraform.io",
                                                          "app.eu.terraform.io"):
            region = hostname
        entity = catalog.get_provider("hcp-terraform")
        if entity is not None:
            provider = entity
            location = location_of_region("hcp-terraform", region, f"backend {backend.type}")
    elif terraform_provider is not None:
        custom_endpoint = _custom_endpoint(attributes)
        region_value = attributes.get("region")
        if custom_endpoint is None:
            provider = provider_entity(terraform_provider,
                                       region_value if isinstance(region_value, str) else None)
            found = location_of_value(
                catalog.entity_for(terraform_provider,
                                   region_value if isinstance(region_value, str) else None),
                region_value,
                f"backend {backend.type} region",
            )
            if found is not None:
                location = found
        else:
            provider, location = _endpoint_location(backend.type, custom_endpoint)
    return Resource(
        address="terraform.backend",
        type=backend.type,
        kind="backend",
        source=source,
        provider=provider,
        location=location,
        data_bearing=True,
        attributes=to_json_safe(attributes),
    )


def _endpoint_location(backend_type: str, endpoint: str) -> tuple[Provider, Location]:
    """An S3-compatible endpoint belongs to its operator (OVHcloud, Scaleway...)."""
    how = f"backend {backend_type} endpoint"
    found = catalog.entity_for_endpoint(endpoint)
    if found is None:
        return UNKNOWN_PROVIDER, Location(
            mode="unknown", how=how,
            unresolved_reason=f"custom endpoint {endpoint!r} is not in the catalogue")
    entity, region = found
    provider = catalog.get_provider(entity) or UNKNOWN_PROVIDER
    if region is None:
        return provider, Location(mode="unknown", how=how,
                                  unresolved_reason=f"endpoint {endpoint!r} names no region")
    return provider, location_of_region(entity, region, how)


NO_REGION = "no region set"


def inherit_parent_locations(
    resources: list[Resource], instances: dict[str, ResourceInstance]
) -> list[Resource]:
    """Children with no region of their own take their parent's location and provider entity
    (`ionoscloud_server.datacenter_id`, a node pool's cluster id), through the attributes the
    catalogue lists per provider."""
    by_address = {resource.address: resource for resource in resources}
    for _ in range(4):  # parents may be children themselves
        changed = False
        for position, resource in enumerate(resources):
            instance = instances.get(resource.address)
            if instance is None or resource.location.how.startswith("parent "):
                continue
            # A type whose location is its parent's takes the parent's even when the
            # provider sets a default region; any other child only when it has no region.
            own = catalog.parent_location_attributes(instance.type)
            if resource.location.how != NO_REGION and not own:
                continue
            parent = _parent_of(instance, by_address, own)
            if parent is None or parent[1].location.how == NO_REGION:
                continue
            attribute, found = parent
            located = dataclasses.replace(
                resource,
                location=dataclasses.replace(found.location,
                                             how=f"parent {found.address} via {attribute}"),
                provider=dataclasses.replace(found.provider, alias=resource.provider.alias),
            )
            resources[position] = located
            by_address[resource.address] = located
            changed = True
        if not changed:
            break
    return resources


def _parent_of(
    instance: ResourceInstance, by_address: dict[str, Resource], own: tuple[str, ...] = ()
) -> tuple[str, Resource] | None:
    terraform_provider = (instance.provider.name if instance.provider is not None
                          else catalog.terraform_provider_of_type(instance.type))
    for attribute in own or catalog.parent_attributes(terraform_provider):
        for reference in instance.references.get(attribute, []):
            parent = by_address.get(reference) or next(
                (r for a, r in by_address.items() if a.startswith(reference + "[")), None)
            if parent is not None:
                return attribute, parent
    return None


def _custom_endpoint(attributes: dict[str, Any]) -> str | None:
    endpoint = attributes.get("endpoint")
    if isinstance(endpoint, str):
        return endpoint
    endpoints = attributes.get("endpoints")
    if isinstance(endpoints, dict) and isinstance(endpoints.get("s3"), str):
        return str(endpoints["s3"])
    return None


def _source_provider(source: str) -> str | None:
    """The Terraform provider a module source is written for, by registry convention:
    `namespace/name/provider` or a repository named `terraform-<provider>-<name>`."""
    address = source.split("?", 1)[0].split("//", 1)[0].rstrip("/")
    parts = address.split("/")
    if len(parts) in (3, 4) and "." not in parts[-1] and ":" not in address:
        return parts[-1]
    match = re.search(r"terraform-([a-z0-9]+)-", address)
    return match.group(1) if match else None


def _argument_region(
    module: UnreadModule, providers: list[str]
) -> tuple[str, str, Location] | None:
    """The first argument whose string value is a region known for one of the providers."""
    for name in sorted(module.inputs):
        value = module.inputs[name]
        if not isinstance(value, str) or not value.strip():
            continue
        for terraform_provider in providers:
            entity = catalog.entity_for(terraform_provider, value.strip())
            if entity is None or catalog.lookup_region(entity, value.strip()) is None:
                continue
            how = f"argument {name} = {value.strip()!r} of a module that was not read"
            location = location_of_region(entity, value.strip(), how)
            if location.mode == "global":
                # `routing_mode = "GLOBAL"` or a "global" scope says nothing of where the
                # module's data is; only a concrete region locates the call.
                continue
            return name, value.strip(), location
    return None


def normalise_unread_module(module: UnreadModule) -> Resource:
    """A module call whose source was not read (SPEC §2): located by its arguments when one
    names a known region (SOV001 when outside), else unknown with the way to read it
    (SOV004). Never a silent pass."""
    providers = [p for p in (_source_provider(module.source), *module.provider_names) if p]
    providers = list(dict.fromkeys(providers))
    found = _argument_region(module, providers)
    if module.why:
        reason = f"module {module.why}"
    elif module.source.startswith(("./", "../")):
        reason = (f"module source {module.source!r} was not read: the directory is not in the "
                  "scanned tree (scan the tree that holds it, or fix the path)")
    else:
        reason = (f"module source {module.source!r} was not read (run `terraform init` in this "
                  "root module, or vendor the module locally, so that its resources are scanned)")
    if found is not None:
        _, _, location = found
        location = dataclasses.replace(location, unresolved_reason=reason)
    else:
        location = Location(mode="unknown", how="module source not read",
                            unresolved_reason=reason)
    provider = UNKNOWN_PROVIDER
    if providers:
        entity = catalog.entity_for(providers[0], location.written)
        provider = (catalog.get_provider(entity) if entity else None) or UNKNOWN_PROVIDER
    return Resource(
        address=module.address,
        type="module",
        kind="terraform",
        source=Source(module.file, module.line, module.end_line),
        provider=provider,
        location=location,
        data_bearing=True,
        attributes=to_json_safe({"source": module.source, **module.inputs}),
    )
