"""Which resources are in scope (SPEC §4.1, §5): tags, path globs, or everything."""

from __future__ import annotations

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
        everything = Scope(True, "default: no scope configured")
        return [r.with_scope(everything) for r in resources]
    # Kubernetes: the labels of a Namespace apply to every object in it.
    # (An overlay's objects see its own namespaces first, then those of plain manifests.)
    namespaces = {(r.root, r.address.split("/", 1)[1]): r.labels for r in resources
                  if r.kind == "kubernetes" and r.type == "Namespace"}
    scoped: list[Resource] = []
    for resource in resources:
        why = _tag_match(resource.labels, tags) if tags else None
        if why is None and tags and resource.kind == "kubernetes":
            parts = resource.address.split("/")
            labels = None if len(parts) != 3 else (
                namespaces.get((resource.root, parts[1])) or namespaces.get((None, parts[1])))
            if labels is not None:
                inherited = _tag_match(labels, tags)
                if inherited is not None:
                    why = f"namespace {parts[1]} {inherited}"
        if why is None and paths:
            relative = _relative_to(display_root / resource.source.file, base_dir)
            if relative is not None and not relative.startswith("../") and matches(relative,
                                                                                    paths):
                why = f"path {relative}"
        scope = Scope(True, why) if why else Scope(False, "no scope tag or path matches")
        scoped.append(resource.with_scope(scope))
    return scoped


class _Nearest:
    """Of the resources with one address in one root (a flow never leaves its root module;
    plain manifests, which have no root, may repeat an address), the one whose file is
    closest to a given file: the longest common directory prefix, the first in scan order
    among equals. Each address's files are indexed by their path prefixes once, so a look-up
    costs the depth of the path, not the number of files."""

    def __init__(self, resources: Sequence[Resource]) -> None:
        self._resources = resources
        self._positions: dict[tuple[str | None, str], list[int]] = {}
        for index, resource in enumerate(resources):
            self._positions.setdefault((resource.root, resource.address), []).append(index)
        self._prefixes: dict[tuple[str | None, str], dict[tuple[str, ...], int]] = {}

    def __call__(self, root: str | None, address: str | None, near: str) -> int | None:
        key = (root, address or "")
        candidates = self._positions.get(key)
        if not candidates:
            return None
        if len(candidates) == 1:
            return candidates[0]
        prefixes = self._prefixes.get(key)
        if prefixes is None:
            prefixes = {}
            for index in candidates:  # in scan order: the first one of a prefix is kept
                parts = tuple(self._resources[index].source.file.split("/"))
                for length in range(len(parts) + 1):
                    prefixes.setdefault(parts[:length], index)
            self._prefixes[key] = prefixes
        parts = tuple(near.split("/"))
        for length in range(len(parts), -1, -1):
            found = prefixes.get(parts[:length])
            if found is not None:
                return found
        return None  # not reached: the empty prefix is every candidate's


def propagate_scope(resources: Sequence[Resource]) -> list[Resource]:
    """Scope follows data (SPEC §4.1): a resource that configures an in-scope resource (a
    replication configuration, which carries no tags) and a resource that receives data from
    an in-scope resource are in scope."""
    result = list(resources)
    nearest = _Nearest(result)  # addresses and files never change below, only scopes
    for _ in range(4):
        changed = False
        for index in range(len(result)):
            resource = result[index]
            for flow in resource.flows:
                near = resource.source.file
                source_at = nearest(resource.root, flow.source_resource, near)
                target_at = nearest(resource.root, flow.target_resource, near)
                if source_at is None or not result[source_at].scope.in_scope:
                    continue
                source = result[source_at]
                if not result[index].scope.in_scope and source_at != index:
                    # A replica or edge cache declaring where it copies from receives data;
                    # a replication configuration, which holds none, configures the source.
                    verb = "receives data from" if target_at == index else "configures"
                    result[index] = result[index].with_scope(
                        Scope(True, f"{verb} {source.address}"))
                    changed = True
                if target_at is not None and not result[target_at].scope.in_scope:
                    why = f"receives data from {source.address}"
                    result[target_at] = result[target_at].with_scope(Scope(True, why))
                    changed = True
        if not changed:
            break
    return result
