"""Renderers run only on local inputs, offline: every kustomization a build reaches is checked
before kustomize runs, and the renderer's environment sends git and HTTP nowhere."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import FIXTURES

from sovlint.parsers.render import kustomization_problem, offline_environment


def kustomization(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "kustomization.yaml").write_text(text, encoding="utf-8")
    return directory


@pytest.mark.parametrize("entry", [
    "https://github.com/example/manifests//base?ref=v1",
    "github.com/example/manifests//base?ref=v1",        # no scheme: kustomize still fetches it
    "git@github.com:example/manifests.git//base",
    "example.org/team/manifests//overlays/prod",
    "ssh://git@example.org/team/manifests",
])
def test_a_remote_resource_is_refused(tmp_path: Path, entry: str) -> None:
    kustomization(tmp_path, f"resources:\n  - {entry}\n")

    assert kustomization_problem(tmp_path, tmp_path) == (
        f"kustomization.yaml names a remote or missing resources entry ({entry}); sovlint "
        "fetches nothing from the network")


def test_a_remote_component_of_a_local_base_is_refused(tmp_path: Path) -> None:
    kustomization(tmp_path / "base", "components:\n  - github.com/example/c//x\n")
    overlay = kustomization(tmp_path / "overlay", "resources:\n  - ../base\n")

    assert kustomization_problem(overlay, tmp_path) == (
        "../base/kustomization.yaml names a remote or missing components entry "
        "(github.com/example/c//x); sovlint fetches nothing from the network")


def test_a_secret_generator_reading_outside_the_tree_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside.env").write_text("TOKEN=secret\n", encoding="utf-8")
    overlay = kustomization(tmp_path / "repo",
                            "secretGenerator:\n  - name: s\n    envs: [../outside.env]\n")

    assert kustomization_problem(overlay, overlay) == (
        "kustomization.yaml names ../outside.env (secretGenerator), outside the scanned tree")


def test_helm_charts_in_a_kustomization_are_refused(tmp_path: Path) -> None:
    kustomization(tmp_path, "helmCharts:\n  - name: x\n    repo: https://charts.example.org\n")

    problem = kustomization_problem(tmp_path, tmp_path)

    assert problem is not None and problem.startswith("kustomization.yaml uses helmCharts")


def test_the_fixture_overlays_are_local() -> None:
    tree = FIXTURES / "kustomize-imaging"
    for overlay in ("paris", "us-analytics"):
        assert kustomization_problem(tree / "overlays" / overlay, tree) is None


def test_the_renderer_environment_allows_no_remote_git_or_http(tmp_path: Path) -> None:
    environment = offline_environment(str(tmp_path))

    assert environment["GIT_ALLOW_PROTOCOL"] == "file"
    assert environment["HTTPS_PROXY"] == "http://127.0.0.1:9"
    assert environment["HOME"] == str(tmp_path)
    assert "SOVLINT_OPA_TOKEN" not in environment and "AWS_SECRET_ACCESS_KEY" not in environment


_CONNECT = re.compile(r"connect\(\d+, \{sa_family=AF_INET6?, (?P<address>[^}]*)\}")


def _non_local(address: str) -> bool:
    return not re.search(r'inet_addr\("127\.|inet_pton\(AF_INET6, "::1"|'
                         r'inet_pton\(AF_INET6, "::ffff:127\.', address)


@pytest.mark.skipif(not (shutil.which("strace") and shutil.which("unshare")
                         and shutil.which("kubectl")),
                    reason="needs strace, unshare and kubectl")
def test_a_scan_of_remote_bases_and_modules_makes_no_network_connection(
        tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES, tree / "fixtures")
    kustomization(tree / "remote-base", "resources:\n  - github.com/example/m//base?ref=v1\n")
    kustomization(tree / "remote-in-base" / "base", "bases:\n  - https://example.org/m.git\n")
    kustomization(tree / "remote-in-base" / "overlay", "resources:\n  - ../base\n")
    (tree / "modules").mkdir()
    (tree / "modules" / "main.tf").write_text(
        'module "vpc" {\n  source = "git::https://example.org/vpc.git?ref=v1"\n}\n'
        'module "db" {\n  source = "terraform-aws-modules/rds/aws"\n}\n', encoding="utf-8")
    trace = tmp_path / "trace"
    if subprocess.run(["unshare", "-rn", "true"], check=False).returncode != 0:
        pytest.skip("user namespaces are not available")
    env = {**os.environ, "PYTHONPATH": ""}

    subprocess.run(["unshare", "-rn", "strace", "-f", "-qq", "-e", "trace=connect", "-o",
                    str(trace), sys.executable, "-m", "sovlint", "scan", ".", "--no-cache",
                    "--format", "json"], cwd=tree, capture_output=True, env=env, timeout=300,
                   check=False)

    calls = [match.group("address") for match in _CONNECT.finditer(trace.read_text())]
    assert [address for address in calls if _non_local(address)] == []
