"""Data-bearing or control plane for one resource, and the organisation's own classification.

The catalogue classifies types (sovlint.catalog.classify); a generic azapi resource is
classified by the ARM type its `type` attribute names. When that type is not known statically
the resource counts as data-bearing (fail closed) and carries the reason, which SOV004 reports.
The configuration (`resource_types`) then classifies an organisation's own provider, module
wrapper or custom resource, and can make a type the catalogue calls control plane data-bearing
where it holds data after all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from sovlint.catalog.classify import arm_type, azapi_arm_type, classify_type
from sovlint.model import Resource
from sovlint.terraform.values import Unknown

_HOW_TO_DECIDE = ("write the type as a literal (Microsoft.Namespace/type@api-version), or "
                  "classify it with resource_types in the configuration")


@dataclass(frozen=True)
class ResourceClass:
    """Whether a resource holds customer data, and why that could not be decided (if so)."""

    data_bearing: bool
    unknown_reason: str | None = None


def _is_arm_type(value: Any) -> bool:
    return isinstance(value, str) and "/" in arm_type(value) and arm_type(value)[0].isalpha()


def classify_resource(resource_type: str, attributes: dict[str, Any]) -> ResourceClass:
    """The class of one Terraform resource from its type and, for a generic azapi resource,
    from the ARM type of its `type` attribute: a literal, or every candidate of a value known
    only as a set (a variable whose validation lists the allowed types)."""
    own = classify_type(resource_type)
    if own.control_plane or not resource_type.startswith("azapi_"):
        return ResourceClass(not own.control_plane)
    written = attributes.get("type")
    if isinstance(written, str) and _is_arm_type(written):
        return ResourceClass(not classify_type(arm_type(written)).control_plane)
    if isinstance(written, Unknown):
        candidates = written.candidates or ()
        if candidates and all(_is_arm_type(candidate) for candidate in candidates):
            return ResourceClass(not all(classify_type(arm_type(candidate)).control_plane
                                         for candidate in candidates))
        why = f"its ARM type is not known statically ({written.reason})"
    elif written is None:
        why = "it names no ARM type (`type` is not set)"
    else:
        why = f"its type {str(written)!r} is not an ARM resource type"
    return ResourceClass(True, f"{why}: {_HOW_TO_DECIDE}")


def _matches(names: Sequence[str], globs: Sequence[str]) -> bool:
    return any(fnmatchcase(name.lower(), glob.lower()) for name in names for glob in globs)


def apply_type_overrides(
    resources: list[Resource], control_plane: Sequence[str], data_bearing: Sequence[str]
) -> list[Resource]:
    """Resources with `data_bearing` set from the configured globs; `data_bearing` wins when
    both match (fail closed). A glob matches the Terraform type, an azapi resource's ARM type,
    or a Kubernetes kind. A resource the configuration classifies is decided: it no longer
    carries a reason why its class is unknown."""
    if not control_plane and not data_bearing:
        return resources
    result: list[Resource] = []
    for resource in resources:
        arm = azapi_arm_type(resource.type, resource.attributes or {})
        names = [resource.type] if arm is None else [resource.type, arm]
        wanted = resource.data_bearing
        if _matches(names, data_bearing):
            wanted = True
        elif _matches(names, control_plane):
            wanted = False
        else:
            result.append(resource)
            continue
        result.append(resource if (wanted, None) == (resource.data_bearing,
                                                     resource.unclassified_reason)
                      else dataclasses.replace(resource, data_bearing=wanted,
                                               unclassified_reason=None))
    return result
