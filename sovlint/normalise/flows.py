"""Data flows out of resources: replicas, backup copies, failover partners, geo-pairs.

What creates a flow is data (`sovlint/catalog/data/flows.yaml`): a JSONPath over the evaluated
attributes and how its value gives the target (a region, a reference, an ARN, a paired
region, any region of the provider). This module implements those few kinds of lookup.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from sovlint import catalog
from sovlint.model import Flow, Location, Resource
from sovlint.normalise.location import location_of_region, location_of_unknown
from sovlint.terraform.loader import ResourceInstance
from sovlint.terraform.syntax import Block
from sovlint.terraform.values import Unknown

if TYPE_CHECKING:
    from jsonpath_ng.parser import JsonPathParser

_ARN = re.compile(r"^arn:(?P<partition>[^:]*):(?P<service>[^:]*):(?P<region>[^:]*):")
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@cache
def _jsonpath_parser() -> JsonPathParser:
    # One parser for the process: jsonpath-ng's `parse()` builds its LALR tables anew on every
    # call (about 20 ms each), which dominated a one-file scan's flow resolution. Imported
    # here: only a flow with a path to follow needs it.
    from jsonpath_ng.parser import JsonPathParser

    return JsonPathParser()


@cache
def _compiled(path: str) -> Any:
    return _jsonpath_parser().parse(path)


def arn_region(value: str) -> str | None:
    """The region field of an ARN (`arn:aws:backup:eu-west-3:123:backup-vault:x`); None when
    the value is no ARN or the service has no region in its ARNs (S3, IAM)."""
    match = _ARN.match(value)
    if match is None or not match.group("region"):
        return None
    return match.group("region")


def attribute_line(block: Block, attribute: str) -> int:
    """Line of an attribute path inside a block (the block's line when it cannot be found)."""
    body = block.body
    line = block.line
    steps = _STEP.findall(attribute)
    position = 0
    while position < len(steps):
        name, _ = steps[position]
        index = 0
        if position + 1 < len(steps) and steps[position + 1][1]:
            index = int(steps[position + 1][1])
            position += 1
        position += 1
        if name in body.attributes:
            return body.attributes[name].line
        nested = body.blocks_of(name)
        if index >= len(nested):
            return line
        line = nested[index].line
        body = nested[index].body
    return line


def _find_resource(address: str, by_address: Mapping[str, Resource]) -> Resource | None:
    return by_address.get(address) or next(
        (r for a, r in sorted(by_address.items()) if a.startswith(address + "[")), None)


def _referenced(value: Any, by_address: Mapping[str, Resource]) -> Resource | None:
    if isinstance(value, Unknown):
        for reference in sorted(value.refs):
            found = _find_resource(reference, by_address)
            if found is not None:
                return found
    return None


def _written_reference(
    instance: ResourceInstance, attribute: str, by_address: Mapping[str, Resource]
) -> Resource | None:
    """The resource a top-level attribute's expression refers to. A known value
    (`global_cluster_identifier = aws_rds_global_cluster.x.global_cluster_identifier`) keeps
    no reference; the expression as written does. Nested blocks record none."""
    for address in instance.references.get(attribute.split(".", 1)[0].split("[", 1)[0], []):
        found = _find_resource(address, by_address)
        if found is not None:
            return found
    return None


def _is_nested(attribute: str) -> bool:
    """Whether an attribute path goes into a nested block (`rule[0].copy_action[0].x`)."""
    return attribute.split(".", 1)[0].split("[", 1)[0] != attribute


def _region_location(resource: Resource, region: str, how: str) -> Location:
    # The same Terraform provider may reach another entity (aws -> aws-eusc, aws-cn).
    terraform_provider = catalog.terraform_provider_of_type(resource.type)
    entity = catalog.entity_for(terraform_provider, region) or resource.provider.id
    return location_of_region(entity, region, how)


def _shown(value: Any) -> str:
    """A setting as written in HCL: `true`, `"GRS"`."""
    return json.dumps(value) if isinstance(value, (bool, int, float, str)) else str(value)


def _any_region(resource: Resource, value: Any, attribute: str) -> Location:
    """A copy to a region the configuration does not name: any region of the provider."""
    every = catalog.regions_of(resource.provider.id)
    reason = (f"{attribute} = {_shown(value)}: the copy goes to a {resource.provider.name} "
              "region the configuration does not name")
    if not every:
        return Location(mode="unknown", how=f"{resource.address}.{attribute}",
                        unresolved_reason=reason)
    return Location(mode="candidates", regions=tuple(every),
                    how=f"any {resource.provider.id} region", unresolved_reason=reason)


def _target(
    spec: Mapping[str, Any], value: Any, resource: Resource, instance: ResourceInstance,
    by_address: Mapping[str, Resource], attribute: str,
) -> tuple[Location, str | None] | None:
    """The target location and resource of one flow value; None when there is no flow."""
    how = f"{resource.address}.{attribute}"
    kind = spec.get("target")
    when = spec.get("when", [])
    if kind in ("paired", "any-region") and value not in when and "*" not in when:
        return None
    if kind == "any-region":
        return _any_region(resource, value, attribute), None
    if kind == "paired":
        region = resource.location.region_id
        entity = resource.provider.id
        if region is None:
            return Location(mode="unknown", how=how, unresolved_reason=(
                f"{attribute} = {_shown(value)}: the primary region is not known")), None
        paired = catalog.paired_region(entity, region)
        if paired is None:
            return Location(mode="unknown", how=how, unresolved_reason=(
                f"{attribute} = {_shown(value)}: no paired region known for {region}")), None
        return Location(mode="single", regions=(paired,), written=paired.id, resolved=True,
                        how=f"paired region of {region}"), None
    if kind == "region":
        if isinstance(value, Unknown):
            return location_of_unknown(resource.provider.id, value, how), None
        if isinstance(value, str) and value:
            return _region_location(resource, value, how), None
        return None
    # reference or arn
    referenced = _referenced(value, by_address)
    if referenced is None and isinstance(value, str) and value and not (
            _is_nested(attribute) and arn_region(value) is not None):
        # The references recorded for a nested attribute are its whole top-level block's,
        # siblings included: an ARN's own region wins over them.
        referenced = _written_reference(instance, attribute, by_address)
    if referenced is not None:
        return referenced.location, referenced.address
    if isinstance(value, str) and value:
        region = arn_region(value)
        if region is not None:
            return _region_location(resource, region, how), None
        by_name = _find_resource(value, by_address)
        if by_name is not None:
            return by_name.location, by_name.address
        return Location(mode="unknown", how=how, unresolved_reason=(
            f"{attribute} = {value!r} names no region and no resource of this scan")), None
    if isinstance(value, Unknown):
        return Location(mode="unknown", how=how, unresolved_reason=value.reason), None
    return None


def _source_of(
    path: str, instance: ResourceInstance, by_address: Mapping[str, Resource]
) -> Resource | None:
    for match in _compiled(path).find(instance.attributes):
        found = _referenced(match.value, by_address)
        if found is not None:
            return found
    # A known value (`bucket = aws_s3_bucket.x.bucket`) keeps no reference: use the
    # references written in the attribute's expression.
    return _written_reference(instance, path.removeprefix("$."), by_address)


def _flow_values(spec: Mapping[str, Any], instance: ResourceInstance) -> list[tuple[Any, str]]:
    """(value, attribute path) of every match of a spec's JSONPath; the spec's `default` when
    the attribute is not set (a provider default that creates a copy, such as a Recovery
    Services vault's `GeoRedundant` storage)."""
    path = str(spec["path"])
    found = _walk(_compiled(path), [(instance.attributes, "")])
    if not found and "default" in spec:
        found = [(spec["default"], path.removeprefix("$."))]
    return found


def _walk(node: Any, current: list[tuple[Any, str]]) -> list[tuple[Any, str]]:
    """Matches of a parsed JSONPath over resolved attributes, with their attribute paths.

    jsonpath-ng parses; the walk is ours, because its versions disagree on `[*]` over a mapping
    and fail on values they do not know. Here `[*]` over a mapping is that mapping (a nested
    block written once, `destination { ... }`, is a mapping, repeated ones a list), and a value
    unknown statically is a match itself: it is what the flow's target depends on.
    """
    kind = type(node).__name__
    if kind == "Root":
        return current
    if kind == "Child":
        return _walk(node.right, _walk(node.left, current))
    if kind not in ("Fields", "Slice", "Wildcard", "Index"):
        raise ValueError(f"flows.yaml: JSONPath step {node!r} is not supported")
    result: list[tuple[Any, str]] = []
    for value, where in current:
        if isinstance(value, Unknown):
            result.append((value, where))
        elif kind == "Fields":
            for name in node.fields:
                if isinstance(value, Mapping) and value.get(name) is not None:
                    result.append((value[name], f"{where}.{name}" if where else name))
        elif isinstance(value, Mapping) and (kind != "Index" or node.index == 0):
            result.append((value, f"{where}[0]"))
        elif isinstance(value, list) and kind == "Index":
            if node.index < len(value):
                result.append((value[node.index], f"{where}[{node.index}]"))
        elif isinstance(value, list):
            result.extend((item, f"{where}[{i}]") for i, item in enumerate(value))
    return result


def resolve_flows(
    resources: Sequence[Resource], instances: Mapping[str, ResourceInstance]
) -> list[Resource]:
    """Resources with the flows their configuration creates."""
    by_address = {resource.address: resource for resource in resources}
    result: list[Resource] = []
    for resource in resources:
        instance = instances.get(resource.address)
        specs = catalog.flow_specs(resource.type) if instance is not None else ()
        if not specs or instance is None:
            result.append(resource)
            continue
        flows: list[Flow] = []
        for spec in specs:
            source_resource = resource
            if spec.get("source"):
                source_resource = _source_of(str(spec["source"]), instance, by_address) or resource
            for value, attribute in _flow_values(spec, instance):
                target = _target(spec, value, resource, instance, by_address, attribute)
                if target is None:
                    continue
                location, target_address = target
                line = attribute_line(instance.block, attribute)
                if spec.get("direction") == "inbound":
                    flows.append(Flow(str(spec["kind"]), resource.location, resource.address,
                                      attribute, line, location, target_address))
                else:
                    flows.append(Flow(str(spec["kind"]), location, target_address, attribute,
                                      line, source_resource.location, source_resource.address))
        result.append(dataclasses.replace(resource, flows=tuple(flows)))
    return result
