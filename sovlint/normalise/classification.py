"""Organisation-specific classification from the configuration (`resource_types`).

The catalogue classifies the public providers' types; an organisation's own provider, module
wrapper or custom resource is data-bearing until the configuration says otherwise, and a type
the catalogue calls control plane can be made data-bearing where it holds data after all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from fnmatch import fnmatchcase

from sovlint.catalog.classify import azapi_arm_type
from sovlint.model import Resource


def _matches(names: Sequence[str], globs: Sequence[str]) -> bool:
    return any(fnmatchcase(name.lower(), glob.lower()) for name in names for glob in globs)


def apply_type_overrides(
    resources: list[Resource], control_plane: Sequence[str], data_bearing: Sequence[str]
) -> list[Resource]:
    """Resources with `data_bearing` set from the configured globs; `data_bearing` wins when
    both match (fail closed). A glob matches the Terraform type, an azapi resource's ARM type,
    or a Kubernetes kind."""
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
        result.append(resource if wanted == resource.data_bearing
                      else dataclasses.replace(resource, data_bearing=wanted))
    return result
