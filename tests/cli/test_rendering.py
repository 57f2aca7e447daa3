"""Kustomize rendering (when kubectl or kustomize is installed) and Helm template output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO, run_cli

from sovlint.parsers import render
from sovlint.parsers.render import helm_sources, template_position

KUSTOMIZE = "fixtures/kustomize-imaging"
needs_renderer = pytest.mark.skipif(render.renderer() is None,
                                    reason="neither kubectl nor kustomize is on PATH")


def scan(*args: str, input: str | None = None) -> dict[str, Any]:
    result = run_cli("scan", *args, "--profile", "residency", "--format", "json", input=input)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@needs_renderer
def test_overlay_is_rendered_and_mapped_to_its_input() -> None:
    report = scan(f"{KUSTOMIZE}/overlays/us-analytics")
    assert [(f["rule_id"], f["resource"], f["file"], f["line"]) for f in report["findings"]] == [
        ("SOV001", "Deployment/imaging/pacs-viewer", f"{KUSTOMIZE}/base/deployment.yaml", 2)]


@needs_renderer
def test_compliant_overlay_passes() -> None:
    assert scan(f"{KUSTOMIZE}/overlays/paris")["findings"] == []


def test_without_renderer_files_are_scanned_plain_with_a_note(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "renderer", lambda: None)
    report = scan(f"{KUSTOMIZE}/overlays/us-analytics")
    notes = [d["message"] for d in report["diagnostics"]]
    assert any("kustomization not rendered: neither kubectl nor kustomize is on PATH" in n
               for n in notes)
    # The patch alone has no kind the rules judge as pinned elsewhere: no finding, no crash.
    assert report["summary"]["errors"] == 0


def test_remote_base_is_not_rendered_and_fails_closed(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "resources:\n  - https://github.com/example/manifests//base?ref=v1\n  - cm.yaml\n")
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")
    result = run_cli("scan", str(tmp_path), "--format", "json", cwd=tmp_path)
    report = json.loads(result.stdout)
    # What the remote base builds is unknown: a finding on the kustomization, not a note.
    [finding] = report["findings"]
    assert (finding["rule_id"], finding["resource"], finding["file"], finding["line"]) == (
        "SOV004", "Kustomization/.", "kustomization.yaml", 1)
    assert ("kustomization.yaml names a remote or missing resources entry "
            "(https://github.com/example/manifests//base?ref=v1)") in finding["message"]
    assert "kubectl kustomize . | sovlint scan -" in finding["message"]
    assert result.exit_code == 1
    # Its local files are still scanned as plain manifests.
    assert report["summary"]["resources"] == 2


def test_helm_output_from_stdin_maps_to_the_template() -> None:
    text = (REPO / "fixtures/helm-rendered/patient-api.yaml").read_text()
    report = scan("-", input=text)
    assert [(f["rule_id"], f["resource"], f["file"], f["line"]) for f in report["findings"]] == [
        ("SOV001", "Deployment/default/patient-api", "patient-api/templates/deployment.yaml", 1)]


def test_template_position_is_relative_to_the_source_comment() -> None:
    text = ("---\n# Source: c/templates/a.yaml\nkind: A\n"
            "---\n# Source: c/templates/b.yaml\nkind: B\n")
    sources = helm_sources(text)
    assert sources == [(2, "c/templates/a.yaml"), (5, "c/templates/b.yaml")]
    assert template_position(6, sources) == ("c/templates/b.yaml", 1)


def test_chart_rendered_with_helm_when_on_path(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # Helm itself is not needed to test the path: a stand-in prints captured output.
    captured = REPO / "fixtures/helm-rendered/patient-api.yaml"
    fake = tmp_path / "bin" / "helm"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\n[ \"$1\" = template ] || exit 2\ncat '{captured}'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{__import__('os').environ['PATH']}")
    report = scan("fixtures/helm-chart")
    assert [(f["rule_id"], f["resource"], f["file"], f["line"]) for f in report["findings"]] == [
        ("SOV001", "Deployment/default/patient-api",
         "fixtures/helm-chart/patient-api/templates/deployment.yaml", 1)]


def test_chart_without_helm_is_sov004_on_the_chart_not_a_parse_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    report = scan("fixtures/helm-chart")
    assert report["errors"] == []
    [finding] = [f for f in report["findings"] if f["rule_id"] == "SOV004"]
    assert (finding["file"], finding["line"]) == ("fixtures/helm-chart/patient-api/Chart.yaml", 1)
    assert "helm is not on PATH" in finding["message"]
    assert "`helm template patient-api fixtures/helm-chart/patient-api | sovlint scan -`" in (
        finding["message"])


def test_chart_without_helm_fails_even_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    result = run_cli("scan", "fixtures/helm-chart", "-q", "--no-cache")
    assert result.exit_code == 1
    assert "helm template patient-api" in result.output


def test_manifests_bound_to_the_terraform_cluster(tmp_path: Path) -> None:
    (tmp_path / ".sovlint.yaml").write_text(
        "profile: residency\nkubernetes:\n  cluster: {terraform: aws_eks_cluster.records}\n")
    (tmp_path / "cluster.tf").write_text(
        'provider "aws" { region = "us-east-1" }\n'
        'resource "aws_eks_cluster" "records" {\n  name = "records"\n}\n')
    (tmp_path / "app.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: care\n")
    result = run_cli("scan", str(tmp_path), "--format", "json", cwd=tmp_path)
    found = [(f["rule_id"], f["resource"]) for f in json.loads(result.stdout)["findings"]]
    assert ("SOV001", "Deployment/care/api") in found


STORAGE = """\
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: records
provisioner: %s
allowedTopologies:
  - matchLabelExpressions:
      - key: topology.kubernetes.io/zone
        values: [%s]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: scans
  namespace: imaging
spec:
  storageClassName: records
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 100Gi
"""


def test_storage_provisioner_names_the_provider_and_the_claim_follows_its_class(
        tmp_path: Path) -> None:
    (tmp_path / "storage.yaml").write_text(STORAGE % ("ebs.csi.aws.com", "eu-west-3a"))
    result = run_cli("scan", str(tmp_path), "--format", "json", cwd=tmp_path)
    found = sorted((f["rule_id"], f["resource"])
                   for f in json.loads(result.stdout)["findings"])
    assert found == [("SOV002", "PersistentVolumeClaim/imaging/scans"),
                     ("SOV002", "StorageClass/records")]


def test_claim_takes_its_class_topology(tmp_path: Path) -> None:
    (tmp_path / "storage.yaml").write_text(STORAGE % ("csi.scaleway.com", "fr-par-1"))
    result = run_cli("scan", str(tmp_path), "--format", "json", cwd=tmp_path)
    assert json.loads(result.stdout)["findings"] == []
    (tmp_path / "storage.yaml").write_text(STORAGE % ("ebs.csi.aws.com", "us-east-1a"))
    result = run_cli("scan", str(tmp_path), "--profile", "residency", "--format", "json",
                     cwd=tmp_path)
    found = sorted((f["rule_id"], f["resource"])
                   for f in json.loads(result.stdout)["findings"])
    assert found == [("SOV001", "PersistentVolumeClaim/imaging/scans"),
                     ("SOV001", "StorageClass/records")]


def test_storage_fixture_side_by_side() -> None:
    compliant = run_cli("scan", "fixtures/k8s-storage/compliant.yaml", "--format", "json")
    assert json.loads(compliant.stdout)["findings"] == []
    violating = run_cli("scan", "fixtures/k8s-storage/violating.yaml", "--profile", "residency",
                        "--format", "json")
    assert [(f["rule_id"], f["resource"], f["line"])
            for f in json.loads(violating.stdout)["findings"]] == [
        ("SOV001", "StorageClass/imaging-virginia", 2),
        ("SOV001", "PersistentVolumeClaim/imaging/dicom-archive-us", 12),
        ("SOV001", "PersistentVolume/dicom-cold", 24),
    ]
