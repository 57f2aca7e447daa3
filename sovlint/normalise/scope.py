"""Which resources are in scope (SPEC §4.1, §5): tags, path globs, or everything."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from sovlint.globs import matches
from sovlint.model import Resource, Scope


def _tag_match(labels: Mapping[str, str], wanted: Mapping[str, Sequence[str]]) -> str | None:
    lowered = {key.lower(): value for key, value in labels.items()}
    for key, values in wanted.items():
        value = lowered.get(key.lower())
        if value is None:
            continue
        accepted = {str(v).lower() for v in values}
        if not accepted or value.lower() in accepted:
            return f"tag {key}={value}"
    return None


def _relative_to(path: Path, base: Path) -> str | None:
    try:
        return Path(os.path.relpath(path, base)).as_posix()
    except ValueError:
        return None


def apply_scope(
    resources: Sequence[Resource],
    tags: Mapping[str, Sequence[str]],
    paths: Sequence[str],
    display_root: Path,
    base_dir: Path,
) -> list[Resource]:
    """Resources with their scope set. With neither tags nor paths, everything is in scope."""
    if not tags and not paths:
        return [dataclasses.replace(r, scope=Scope(True, "default: no scope configured"))
                for r in resources]
    # Kubernetes: the labels of a Namespace apply to every object in it.
    namespaces = {r.address.split("/", 1)[1]: r.labels for r in resources
                  if r.kind == "kubernetes" and r.type == "Namespace"}
    scoped: list[Resource] = []
    for resource in resources:
        why = _tag_match(resource.labels, tags) if tags else None
        if why is None and tags and resource.kind == "kubernetes":
            parts = resource.address.split("/")
            if len(parts) == 3 and parts[1] in namespaces:
                inherited = _tag_match(namespaces[parts[1]], tags)
                if inherited is not None:
                    why = f"namespace {parts[1]} {inherited}"
        if why is None and paths:
            relative = _relative_to(display_root / resource.source.file, base_dir)
            if relative is not None and not relative.startswith("../") and matches(relative,
                                                                                    paths):
                why = f"path {relative}"
        scope = Scope(True, why) if why else Scope(False, "no scope tag or path matches")
        scoped.append(dataclasses.replace(resource, scope=scope))
    return scoped


def propagate_scope(resources: Sequence[Resource]) -> list[Resource]:
    """Scope follows data (SPEC §4.1): a resource that configures an in-scope resource (a
    replication configuration, which carries no tags) and a resource that receives data from
    an in-scope resource are in scope."""
    by_address = {resource.address: resource for resource in resources}
    for _ in range(4):
        changed = False
        for resource in list(by_address.values()):
            for flow in resource.flows:
                source = by_address.get(flow.source_resource or "")
                target = by_address.get(flow.target_resource or "")
                if source is None or not source.scope.in_scope:
                    continue
                if not resource.scope.in_scope and source.address != resource.address:
                    by_address[resource.address] = resource = dataclasses.replace(
                        resource, scope=Scope(True, f"configures {source.address}"))
                    changed = True
                if target is not None and not target.scope.in_scope:
                    by_address[target.address] = dataclasses.replace(
                        target, scope=Scope(True, f"receives data from {source.address}"))
                    changed = True
        if not changed:
            break
    return [by_address[resource.address] for resource in resources]
