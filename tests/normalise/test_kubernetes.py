"""Kubernetes placement: nodeSelector, required affinity, PV affinity, allowedTopologies."""

from __future__ import annotations

from typing import Any

from sovlint.normalise.kubernetes import normalise_object, object_address


def deployment(pod_spec: dict[str, Any], namespace: str | None = "care") -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "api"}
    if namespace:
        metadata["namespace"] = namespace
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata,
            "spec": {"template": {"spec": pod_spec}}}


def affinity(operator: str, values: list[str], required: bool = True) -> dict[str, Any]:
    term = {"matchExpressions": [{"key": "topology.kubernetes.io/region", "operator": operator,
                                  "values": values}]}
    if required:
        node = {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}}
    else:
        node = {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 1, "preference": term}]}
    return {"affinity": {"nodeAffinity": node}}


def test_address_has_kind_namespace_and_name() -> None:
    assert object_address(deployment({})) == "Deployment/care/api"


def test_missing_namespace_is_default() -> None:
    assert object_address(deployment({}, namespace=None)) == "Deployment/default/api"


def test_cluster_scoped_kind_has_no_namespace() -> None:
    pv = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "scans"}}
    assert object_address(pv) == "PersistentVolume/scans"


def test_node_selector_region_pins() -> None:
    resource = normalise_object(
        deployment({"nodeSelector": {"topology.kubernetes.io/region": "us-east-1"}}),
        "app.yaml", 1, 10, "aws", "eu-west-3")
    assert resource.location.mode == "single"
    assert resource.location.countries == ("US",)
    assert resource.location.how == "nodeSelector"


def test_zone_maps_to_its_region() -> None:
    resource = normalise_object(
        deployment({"nodeSelector": {"topology.kubernetes.io/zone": "eu-west-3a"}}),
        "app.yaml", 1, 10, "aws", None)
    assert resource.location.region_id == "eu-west-3"
    assert resource.location.countries == ("FR",)


def test_required_affinity_in_with_several_regions_is_a_set() -> None:
    resource = normalise_object(deployment(affinity("In", ["eu-west-3", "us-east-1"])),
                                "app.yaml", 1, 10, "aws", None)
    assert resource.location.mode == "multi"
    assert resource.location.countries == ("FR", "US")


def test_not_in_and_preferred_do_not_pin() -> None:
    for spec in (affinity("NotIn", ["us-east-1"]), affinity("In", ["us-east-1"], False)):
        resource = normalise_object(deployment(spec), "app.yaml", 1, 10, "aws", "eu-west-3")
        assert resource.location.how == "kubernetes.cluster"
        assert resource.location.countries == ("FR",)


def test_unpinned_without_cluster_is_unknown_without_reason() -> None:
    resource = normalise_object(deployment({}), "app.yaml", 1, 10)
    assert resource.location.mode == "unknown"
    assert resource.location.unresolved_reason is None


def test_storage_class_allowed_topologies_pin() -> None:
    storage_class = {
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "gp3"},
        "provisioner": "ebs.csi.aws.com",
        "allowedTopologies": [{"matchLabelExpressions": [
            {"key": "topology.kubernetes.io/zone", "values": ["us-west-2a"]}]}],
    }
    resource = normalise_object(storage_class, "sc.yaml", 1, 8, "aws", "eu-west-3")
    assert resource.address == "StorageClass/gp3"
    assert resource.location.region_id == "us-west-2"
    assert resource.data_bearing


def test_persistent_volume_node_affinity_pins() -> None:
    pv = {
        "apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "scans"},
        "spec": {"nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "topology.kubernetes.io/region", "operator": "In",
             "values": ["europe-west9"]}]}]}}},
    }
    resource = normalise_object(pv, "pv.yaml", 1, 8, "google", None)
    assert resource.location.countries == ("FR",)


def test_service_is_not_data_bearing() -> None:
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}}
    assert not normalise_object(service, "s.yaml", 1, 3).data_bearing


def _statefulset(storage_class: str) -> dict[str, object]:
    return {
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "pacs"},
        "spec": {"template": {"spec": {"containers": [{"name": "db", "image": "postgres"}]}},
                 "volumeClaimTemplates": [{"metadata": {"name": "data"},
                                           "spec": {"storageClassName": storage_class}}]},
    }


def _pinned_class(name: str, region: str) -> dict[str, object]:
    return {
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": name},
        "provisioner": "ebs.csi.aws.com",
        "allowedTopologies": [{"matchLabelExpressions": [
            {"key": "topology.kubernetes.io/region", "values": [region]}]}],
    }


def test_statefulset_claim_templates_take_their_storage_class_location() -> None:
    from sovlint.normalise.kubernetes import link_storage_classes

    resources = [normalise_object(_pinned_class("us-gp3", "us-east-1"), "sc.yaml", 1, 9),
                 normalise_object(_statefulset("us-gp3"), "sts.yaml", 1, 9)]
    statefulset = link_storage_classes(resources)[1]
    assert (statefulset.provider.id, statefulset.location.countries) == ("aws", ("US",))
    assert statefulset.location.how == "StorageClass us-gp3 allowedTopologies"


def test_statefulset_with_an_unknown_storage_class_keeps_its_location() -> None:
    from sovlint.normalise.kubernetes import link_storage_classes

    resources = [normalise_object(_pinned_class("us-gp3", "us-east-1"), "sc.yaml", 1, 9),
                 normalise_object(_statefulset("standard"), "sts.yaml", 1, 9)]
    statefulset = link_storage_classes(resources)[1]
    assert statefulset.location == resources[1].location
