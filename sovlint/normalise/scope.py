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


def _nearest(candidates: Sequence[int], resources: Sequence[Resource], near: str) -> int | None:
    """Of the resources with one address (several root modules may share it), the one whose
    file is closest to `near` (the longest common directory prefix)."""
    if not candidates:
        return None
    def shared(index: int) -> int:
        mine, theirs = resources[index].source.file.split("/"), near.split("/")
        count = 0
        for left, right in zip(mine, theirs, strict=False):
            if left != right:
                break
            count += 1
        return count

    return max(candidates, key=shared)


def propagate_scope(resources: Sequence[Resource]) -> list[Resource]:
    """Scope follows data (SPEC §4.1): a resource that configures an in-scope resource (a
    replication configuration, which carries no tags) and a resource that receives data from
    an in-scope resource are in scope."""
    result = list(resources)
    positions: dict[str, list[int]] = {}
    for index, resource in enumerate(result):
        positions.setdefault(resource.address, []).append(index)
    for _ in range(4):
        changed = False
        for index in range(len(result)):
            resource = result[index]
            for flow in resource.flows:
                near = resource.source.file
                source_at = _nearest(positions.get(flow.source_resource or "", []), result, near)
                target_at = _nearest(positions.get(flow.target_resource or "", []), result, near)
                if source_at is None or not result[source_at].scope.in_scope:
                    continue
                source = result[source_at]
                if not result[index].scope.in_scope and source_at != index:
                    # A replica or edge cache declaring where it copies from receives data;
                    # a replication configuration, which holds none, configures the source.
                    verb = "receives data from" if target_at == index else "configures"
                    result[index] = dataclasses.replace(
                        result[index], scope=Scope(True, f"{verb} {source.address}"))
                    changed = True
                if target_at is not None and not result[target_at].scope.in_scope:
                    why = f"receives data from {source.address}"
                    result[target_at] = dataclasses.replace(result[target_at],
                                                            scope=Scope(True, why))
                    changed = True
        if not changed:
            break
    return result
