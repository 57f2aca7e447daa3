"""Resource records from Kubernetes objects: placement, provider, labels.

Placement pins (SPEC §4.1): `nodeSelector` and required node affinity (`In`) on the region and
zone topology labels, PersistentVolume node affinity, StorageClass `allowedTopologies`.
Preferred affinity and `NotIn` do not pin. Unpinned objects run where the cluster runs.
Pod-bearing kinds also carry their container images and the telemetry destinations their
environment names (`normalise/containers.py`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from sovlint import catalog
from sovlint.model import UNKNOWN_PROVIDER, Location, Provider, Region, Resource, Source
from sovlint.normalise.containers import POD_SPEC_PATHS, kubernetes_workload
from sovlint.normalise.location import location_of_members
from sovlint.normalise.terraform import provider_entity

REGION_KEYS = ("topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region")
ZONE_KEYS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone",
             "topology.gke.io/zone", "topology.ebs.csi.aws.com/zone",
             "topology.disk.csi.azure.com/zone")

DATA_BEARING_KINDS = frozenset(
    {*POD_SPEC_PATHS, "PersistentVolume", "PersistentVolumeClaim", "StorageClass"}
)
CLUSTER_SCOPED_KINDS = frozenset(
    {"Namespace", "Node", "PersistentVolume", "StorageClass", "ClusterRole",
     "ClusterRoleBinding", "CustomResourceDefinition", "PriorityClass", "IngressClass",
     "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "CSIDriver",
     "APIService", "RuntimeClass", "VolumeSnapshotClass"}
)
CLUSTER_UNCONFIGURED = "kubernetes cluster (location not configured)"


def object_address(obj: dict[str, Any]) -> str:
    kind = str(obj.get("kind", ""))
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    assert isinstance(metadata, dict)
    name = str(metadata.get("name") or metadata.get("generateName") or "<unnamed>")
    if kind in CLUSTER_SCOPED_KINDS:
        return f"{kind}/{name}"
    namespace = str(metadata.get("namespace") or "default")
    return f"{kind}/{namespace}/{name}"


def _dig(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _terms_pins(terms: Any, key_field: str = "matchExpressions") -> Iterator[tuple[str, list[str]]]:
    """(topology key, values) pinned by node selector terms with operator In."""
    if not isinstance(terms, list):
        return
    for term in terms:
        if not isinstance(term, dict):
            continue
        for expression in term.get(key_field) or []:
            if not isinstance(expression, dict):
                continue
            operator = expression.get("operator", "In")
            values = expression.get("values")
            if operator == "In" and isinstance(values, list):
                yield str(expression.get("key", "")), [str(v) for v in values]


def placement(obj: dict[str, Any]) -> tuple[list[str], list[str], str] | None:
    """(regions, zones, how) the object is pinned to, or None when it is not pinned."""
    kind = obj.get("kind")
    pins: list[tuple[str, list[str]]] = []
    how = ""
    if kind in POD_SPEC_PATHS:
        spec = _dig(obj, POD_SPEC_PATHS[str(kind)])
        if isinstance(spec, dict):
            selector = spec.get("nodeSelector")
            if isinstance(selector, dict):
                pins.extend((str(k), [str(v)]) for k, v in selector.items())
                how = "nodeSelector"
            terms = _dig(spec, ("affinity", "nodeAffinity",
                                "requiredDuringSchedulingIgnoredDuringExecution",
                                "nodeSelectorTerms"))
            affinity = list(_terms_pins(terms))
            if affinity:
                pins.extend(affinity)
                how = how + " and node affinity" if how else "required node affinity"
    elif kind == "PersistentVolume":
        terms = _dig(obj, ("spec", "nodeAffinity", "required", "nodeSelectorTerms"))
        pins.extend(_terms_pins(terms))
        how = "PersistentVolume node affinity"
    elif kind == "StorageClass":
        pins.extend(_terms_pins(obj.get("allowedTopologies"), "matchLabelExpressions"))
        how = "allowedTopologies"
    regions = [v for key, values in pins if key in REGION_KEYS for v in values]
    zones = [v for key, values in pins if key in ZONE_KEYS for v in values]
    if not regions and not zones:
        return None
    return list(dict.fromkeys(regions)), list(dict.fromkeys(zones)), how


def _entity_for_region(written: str, cluster_entity: str | None) -> str | None:
    if cluster_entity is not None:
        return cluster_entity
    matches = catalog.regions_for_id(written)
    countries = {region.countries for _, region in matches}
    entities = {entity for entity, _ in matches}
    if len(entities) == 1:
        return next(iter(entities))
    if len(countries) == 1 and matches:
        return matches[0][0]
    return None


def _zone_regions(zones: list[str], cluster_entity: str | None) -> list[str] | None:
    regions: list[str] = []
    for zone in zones:
        entity = _entity_for_region(zone, cluster_entity)
        region: Region | None = catalog.lookup_region(entity, zone) if entity else None
        if region is None:
            return None
        regions.append(region.id)
    return regions


def cluster_location(cluster_provider: str | None, cluster_region: str | None) -> tuple[
        str | None, Location]:
    if not cluster_region:
        return None, Location(mode="unknown", how=CLUSTER_UNCONFIGURED)
    entity = catalog.entity_for(cluster_provider, cluster_region) if cluster_provider else None
    if entity is None and cluster_provider and catalog.get_provider(cluster_provider):
        entity = cluster_provider
    if entity is None:
        entity = _entity_for_region(cluster_region, None)
    return entity, location_of_members(entity, [cluster_region], "kubernetes.cluster")


_PROVISIONER_ANNOTATIONS = ("volume.kubernetes.io/storage-provisioner",
                            "volume.beta.kubernetes.io/storage-provisioner")


def storage_provisioner(obj: dict[str, Any]) -> str | None:
    """The CSI driver of a StorageClass, PersistentVolume or (bound) PersistentVolumeClaim."""
    kind = obj.get("kind")
    if kind == "StorageClass" and isinstance(obj.get("provisioner"), str):
        return str(obj["provisioner"])
    if kind == "PersistentVolume":
        driver = _dig(obj, ("spec", "csi", "driver"))
        return str(driver) if isinstance(driver, str) else None
    annotations = _dig(obj, ("metadata", "annotations"))
    if isinstance(annotations, dict):
        for key in _PROVISIONER_ANNOTATIONS:
            if isinstance(annotations.get(key), str):
                return str(annotations[key])
    return None


def link_storage_classes(resources: list[Resource]) -> list[Resource]:
    """A PersistentVolumeClaim is stored by its StorageClass's provisioner, where the class
    allows: it takes the class's provider entity, and its pinned location when it has none."""
    # A claim rendered by an overlay takes that overlay's class first, else a plain one.
    classes = {(r.root, r.address.split("/", 1)[1]): r for r in resources
               if r.kind == "kubernetes" and r.type == "StorageClass"}
    plain = {name: found for (root, name), found in classes.items() if root is None}
    by_root: dict[str | None, dict[str, Resource]] = {}
    for (class_root, class_name), found in classes.items():
        if class_root is not None:
            by_root.setdefault(class_root, {})[class_name] = found
    linked: list[Resource] = []
    for resource in resources:
        if resource.kind != "kubernetes":  # only objects claim a class
            linked.append(resource)
            continue
        scoped = by_root.get(resource.root)
        visible = {**plain, **scoped} if scoped else plain
        name = _claimed_storage_class(resource, visible)
        storage_class = visible.get(name) if name is not None else None
        if storage_class is None:
            linked.append(resource)
            continue
        changes: dict[str, Any] = {}
        if storage_class.provider.id != UNKNOWN_PROVIDER.id:
            changes["provider"] = storage_class.provider
        pinned_itself = resource.type == "StatefulSet" and (
            "nodeSelector" in resource.location.how or "affinity" in resource.location.how)
        if storage_class.location.how == "allowedTopologies" and not pinned_itself:
            changes["location"] = dataclasses.replace(
                storage_class.location, how=f"StorageClass {name} allowedTopologies")
        linked.append(dataclasses.replace(resource, **changes) if changes else resource)
    return linked


def _claimed_storage_class(resource: Resource, classes: dict[str, Resource]) -> str | None:
    """The StorageClass a PersistentVolumeClaim names, or the first known one a StatefulSet's
    `volumeClaimTemplates` name (each template becomes a claim of that class)."""
    if resource.kind != "kubernetes":
        return None
    if resource.type == "PersistentVolumeClaim":
        name = _dig(resource.attributes, ("spec", "storageClassName"))
        return name if isinstance(name, str) else None
    if resource.type == "StatefulSet":
        templates = _dig(resource.attributes, ("spec", "volumeClaimTemplates"))
        for template in templates if isinstance(templates, list) else []:
            name = _dig(template, ("spec", "storageClassName")) if isinstance(
                template, dict) else None
            if isinstance(name, str) and name in classes:
                return name
    return None


def normalise_object(
    obj: dict[str, Any],
    file: str,
    line: int,
    end_line: int,
    cluster_provider: str | None = None,
    cluster_region: str | None = None,
) -> Resource:
    kind = str(obj.get("kind", ""))
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    assert isinstance(metadata, dict)
    cluster_entity, default_location = cluster_location(cluster_provider, cluster_region)
    location = default_location
    pinned = placement(obj)
    if pinned is not None:
        regions, zones, how = pinned
        if regions:
            entity = _entity_for_region(regions[0], cluster_entity)
            location = location_of_members(entity, regions, how)
        else:
            zone_regions = _zone_regions(zones, cluster_entity)
            if zone_regions is None:
                location = Location(mode="unknown", written=",".join(zones), how=how,
                                    unresolved_reason=f"zone {zones[0]!r} is not in the catalogue")
            else:
                entity = _entity_for_region(zone_regions[0], cluster_entity)
                location = location_of_members(entity, list(dict.fromkeys(zone_regions)), how)
    provider: Provider = UNKNOWN_PROVIDER
    entity_id = cluster_entity
    storage_entity = catalog.storage_provisioner_entity(storage_provisioner(obj) or "")
    if storage_entity is not None and catalog.get_provider(storage_entity) is not None:
        # The CSI driver names who stores the volume, whatever the cluster says.
        provider = catalog.get_provider(storage_entity) or UNKNOWN_PROVIDER
    elif entity_id is not None:
        known = catalog.get_provider(entity_id)
        if known is not None:
            provider = known
    elif cluster_provider:
        provider = provider_entity(cluster_provider, cluster_region)
    labels: dict[str, str] = {}
    for key in ("labels", "annotations"):
        values = metadata.get(key)
        if isinstance(values, dict):
            labels.update({str(k): str(v) for k, v in values.items() if v is not None})
    images, telemetry = kubernetes_workload(obj)
    if kind == "OpenTelemetryCollector":
        from sovlint.normalise.otel import operator_collector_exports

        telemetry = (*telemetry, *operator_collector_exports(obj))
    return Resource(
        address=object_address(obj),
        type=kind,
        kind="kubernetes",
        source=Source(file, line, end_line),
        provider=provider,
        location=location,
        data_bearing=kind in DATA_BEARING_KINDS,
        labels=labels,
        attributes=obj,
        images=images,
        telemetry=telemetry,
    )
