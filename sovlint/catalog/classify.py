"""Data-bearing or control plane: how a resource type is classified (data/classification.yaml).

The same decision serves the scan (for every resource) and tools/catalog_types.py (for every type
of the provider schemas, written to data/types_<provider>.yaml with the rule that decided), so the
reviewable tables and the scan never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from sovlint.catalog import _patterns, load_data

TypeClass = Literal["data_bearing", "control_plane"]

DEFAULT_RULE = "default: not matched by a control-plane rule, so data-bearing (fail closed)"


@dataclass(frozen=True)
class Classification:
    """The class of a type and the rule that gave it."""

    type_class: TypeClass
    rule: str

    @property
    def control_plane(self) -> bool:
        return self.type_class == "control_plane"


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    type_class: TypeClass
    reason: str


def _rules(section: str, default_class: TypeClass) -> tuple[_Rule, ...]:
    found: list[_Rule] = []
    for entry in load_data("classification.yaml").get(section) or []:
        type_class = entry.get("class", default_class)
        if type_class not in ("data_bearing", "control_plane"):
            raise ValueError(f"classification.yaml {section}: unknown class {type_class!r}")
        found.append(_Rule(re.compile(str(entry["pattern"]), re.IGNORECASE), type_class,
                           str(entry["reason"])))
    return tuple(found)


@cache
def _data_bearing_rules() -> tuple[_Rule, ...]:
    return _rules("data_bearing", "data_bearing")


@cache
def _control_plane_rules() -> tuple[_Rule, ...]:
    return _rules("rules", "control_plane")


def arm_type(written: str) -> str:
    """`Microsoft.Storage/storageAccounts@2023-01-01` -> `Microsoft.Storage/storageAccounts`."""
    return written.split("@", 1)[0].strip()


@cache
def classify_type(resource_type: str) -> Classification:
    """The class of a Terraform type or an ARM type (azapi), and the rule that decided."""
    if _patterns("control_plane_exceptions").match(resource_type):
        return Classification("data_bearing", "resource_types.yaml control_plane_exceptions")
    if _patterns("control_plane").match(resource_type):
        return Classification("control_plane", "resource_types.yaml control_plane")
    name = arm_type(resource_type)
    for rule in (*_data_bearing_rules(), *_control_plane_rules()):
        if rule.pattern.search(name):
            return Classification(rule.type_class, rule.reason)
    return Classification("data_bearing", DEFAULT_RULE)


def azapi_arm_type(resource_type: str, attributes: dict[str, Any]) -> str | None:
    """The ARM type a generic azapi resource manages (its `type` attribute), if known."""
    if not resource_type.startswith("azapi_"):
        return None
    written = attributes.get("type")
    return arm_type(written) if isinstance(written, str) and "/" in written else None
