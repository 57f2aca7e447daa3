"""Scope: everything without configuration, else tags or path globs."""

from __future__ import annotations

from pathlib import Path

from sovlint.model import UNKNOWN_LOCATION, UNKNOWN_PROVIDER, Resource, Source
from sovlint.normalise.scope import apply_scope


def resource(address: str, file: str, labels: dict[str, str] | None = None) -> Resource:
    return Resource(address=address, type="aws_s3_bucket", kind="terraform",
                    source=Source(file, 1, 2), provider=UNKNOWN_PROVIDER,
                    location=UNKNOWN_LOCATION, data_bearing=True, labels=labels or {})


def test_everything_in_scope_without_configuration(tmp_path: Path) -> None:
    [scoped] = apply_scope([resource("a", "main.tf")], {}, [], tmp_path, tmp_path)
    assert scoped.scope.in_scope


def test_tag_value_puts_in_scope(tmp_path: Path) -> None:
    resources = [resource("health", "main.tf", {"data-classification": "health"}),
                 resource("logs", "main.tf", {"data-classification": "public"})]
    scoped = apply_scope(resources, {"data-classification": ["health", "phi"]}, [], tmp_path,
                         tmp_path)
    assert [(r.address, r.scope.in_scope) for r in scoped] == [("health", True), ("logs", False)]
    assert scoped[0].scope.why == "tag data-classification=health"


def test_path_glob_puts_in_scope(tmp_path: Path) -> None:
    resources = [resource("a", "infra/health/db.tf"), resource("b", "infra/web/cdn.tf")]
    scoped = apply_scope(resources, {}, ["infra/health/**"], tmp_path, tmp_path)
    assert [r.scope.in_scope for r in scoped] == [True, False]


def test_namespace_labels_apply_to_its_objects(tmp_path: Path) -> None:
    namespace = Resource(address="Namespace/care", type="Namespace", kind="kubernetes",
                         source=Source("k.yaml", 1, 5), provider=UNKNOWN_PROVIDER,
                         location=UNKNOWN_LOCATION, data_bearing=False,
                         labels={"data-classification": "health"})
    workload = Resource(address="Deployment/care/api", type="Deployment", kind="kubernetes",
                        source=Source("k.yaml", 7, 20), provider=UNKNOWN_PROVIDER,
                        location=UNKNOWN_LOCATION, data_bearing=True)
    other = Resource(address="Deployment/web/site", type="Deployment", kind="kubernetes",
                     source=Source("k.yaml", 22, 30), provider=UNKNOWN_PROVIDER,
                     location=UNKNOWN_LOCATION, data_bearing=True)
    scoped = apply_scope([namespace, workload, other], {"data-classification": ["health"]}, [],
                         tmp_path, tmp_path)
    assert [(r.address, r.scope.in_scope) for r in scoped] == [
        ("Namespace/care", True), ("Deployment/care/api", True), ("Deployment/web/site", False)]
    assert scoped[1].scope.why == "namespace care tag data-classification=health"
