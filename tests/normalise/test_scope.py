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
