"""Evaluated root modules kept between scans (sovlint/rootcache.py): a warm scan gives the
same report byte for byte, and a changed input re-evaluates exactly the roots that read it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli

from sovlint import rootcache
from sovlint import scan as scan_module
from sovlint.engine.rego import RegoEngine

MODULE = 'variable "region" {}\nresource "aws_s3_bucket" "store" {\n  provider = aws\n}\n'
ROOT = '''provider "aws" {{ region = "{region}" }}
module "shared" {{
  source = "../modules/shared"
  region = "{region}"
}}
resource "aws_s3_bucket" "own" {{}}
'''
MANIFEST = '''apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  storageClassName: standard
'''


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two root modules calling one local module, and a manifest; a cache of its own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    repo = tmp_path / "repo"
    (repo / "modules" / "shared").mkdir(parents=True)
    (repo / "modules" / "shared" / "main.tf").write_text(MODULE)
    for name, region in (("a", "eu-west-3"), ("b", "us-east-1")):
        (repo / name).mkdir()
        (repo / name / "main.tf").write_text(ROOT.format(region=region))
    (repo / "k8s.yaml").write_text(MANIFEST)
    return repo


@pytest.fixture()
def evaluated(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The root module directories evaluated (not taken from the cache), by name."""
    names: list[str] = []
    original = scan_module._evaluate_root_now

    def counting(directory: Path, *args: Any) -> Any:
        names.append(directory.name)
        return original(directory, *args)

    monkeypatch.setattr(scan_module, "_evaluate_root_now", counting)
    yield names


def _scan(repo: Path, *args: str) -> str:
    result = run_cli("scan", ".", "--format", "json", *args, cwd=repo)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def _regions(report: str) -> set[tuple[str | None, str]]:
    """(root, region) of the findings on buckets."""
    return {(f["root"], f["location"]["region"]) for f in json.loads(report)["findings"]
            if f["resource_type"] == "aws_s3_bucket" and f.get("location")}


def test_warm_report_is_byte_identical_to_cold(repo: Path, evaluated: list[str]) -> None:
    cold = _scan(repo, "--no-cache")
    filling = _scan(repo)
    evaluated.clear()
    warm = _scan(repo)
    assert evaluated == []  # nothing evaluated again
    assert cold == filling == warm
    assert list((repo.parent / "cache" / "sovlint").glob("roots-*/*/*.pickle"))


def test_a_changed_module_re_evaluates_every_root_that_calls_it(
        repo: Path, evaluated: list[str]) -> None:
    _scan(repo)
    evaluated.clear()
    (repo / "modules" / "shared" / "main.tf").write_text(
        MODULE.replace("provider = aws", 'provider = aws\n  tags = { changed = "yes" }'))
    report = _scan(repo)
    assert sorted(evaluated) == ["a", "b"]
    assert report == _scan(repo, "--no-cache")


def test_a_changed_root_file_re_evaluates_only_that_root(repo: Path,
                                                         evaluated: list[str]) -> None:
    _scan(repo)
    evaluated.clear()
    (repo / "a" / "main.tf").write_text(ROOT.format(region="us-west-2"))
    report = _scan(repo)
    assert evaluated == ["a"]
    assert ("a", "us-west-2") in _regions(report)
    assert report == _scan(repo, "--no-cache")


@pytest.mark.parametrize("name", ["terraform.tfvars", "extra.auto.tfvars"])
def test_a_new_variable_file_re_evaluates_its_root(repo: Path, evaluated: list[str],
                                                   name: str) -> None:
    (repo / "b" / "main.tf").write_text(ROOT.format(region="${var.where}").replace(
        "provider", 'variable "where" { default = "us-east-1" }\nprovider', 1))
    _scan(repo)
    evaluated.clear()
    (repo / "b" / name).write_text('where = "eu-central-1"\n')
    report = _scan(repo)
    assert evaluated == ["b"]
    assert ("b", "eu-central-1") in _regions(report)


def test_a_new_module_file_and_a_removed_one_re_evaluate(repo: Path,
                                                          evaluated: list[str]) -> None:
    _scan(repo)
    evaluated.clear()
    extra = repo / "modules" / "shared" / "more.tf"
    extra.write_text('resource "aws_s3_bucket" "more" {}\n')
    assert "more" in _scan(repo)
    assert sorted(evaluated) == ["a", "b"]
    evaluated.clear()
    extra.unlink()
    assert "aws_s3_bucket.more" not in _scan(repo)
    assert sorted(evaluated) == ["a", "b"]


def test_variables_and_environment_are_part_of_the_key(repo: Path, evaluated: list[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "a" / "main.tf").write_text(ROOT.format(region="${var.where}").replace(
        "provider", 'variable "where" { default = "us-east-1" }\nprovider', 1))
    _scan(repo)
    evaluated.clear()
    monkeypatch.setenv("TF_VAR_where", "eu-north-1")
    assert ("a", "eu-north-1") in _regions(_scan(repo))
    assert sorted(evaluated) == ["a", "b"]  # the environment is every root's
    evaluated.clear()
    monkeypatch.delenv("TF_VAR_where")
    assert ("a", "ap-south-1") in _regions(_scan(repo, "--var", "where=ap-south-1"))
    assert sorted(evaluated) == ["a", "b"]


def test_a_changed_file_function_target_re_evaluates(repo: Path, evaluated: list[str]) -> None:
    (repo / "a" / "policy.json").write_text("{}\n")
    (repo / "a" / "main.tf").write_text(ROOT.format(region="eu-west-3") + (
        'resource "aws_s3_bucket_policy" "p" {\n  bucket = aws_s3_bucket.own.id\n'
        '  policy = file("${path.module}/policy.json")\n}\n'))
    _scan(repo)
    evaluated.clear()
    (repo / "a" / "policy.json").write_text('{"Version": "2012-10-17"}\n')
    _scan(repo)
    assert evaluated == ["a"]


def test_a_garbled_root_entry_is_dropped_and_evaluated_again(repo: Path,
                                                             evaluated: list[str]) -> None:
    first = _scan(repo)
    entries = sorted((repo.parent / "cache").rglob("roots-*/*/*.pickle"))
    assert entries
    for entry in entries:
        blob = bytearray(entry.read_bytes())
        blob[-3] ^= 0xFF
        entry.write_bytes(bytes(blob))
    evaluated.clear()
    assert _scan(repo) == first
    assert sorted(evaluated) == ["a", "b"]
    evaluated.clear()
    assert _scan(repo) == first  # written again
    assert evaluated == []


def test_no_cache_reads_no_root_entry(repo: Path, evaluated: list[str]) -> None:
    _scan(repo)
    evaluated.clear()
    _scan(repo, "--no-cache")
    assert sorted(evaluated) == ["a", "b"]


def test_unchanged_policy_input_is_not_evaluated_again(repo: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    first = _scan(repo)

    def broken(self: RegoEngine, document: dict[str, Any]) -> Any:
        raise AssertionError("evaluated again")

    monkeypatch.setattr(RegoEngine, "evaluate", broken)
    assert _scan(repo) == first
    (repo / "a" / "main.tf").write_text(ROOT.format(region="us-west-2"))
    with pytest.raises(AssertionError, match="evaluated again"):
        _scan(repo)


def test_a_changed_policy_is_a_miss(repo: Path) -> None:
    (repo / "policies").mkdir()
    rule = repo / "policies" / "custom.rego"
    text = '''# METADATA
# title: No bucket named own
# custom:
#   id: ACME001
#   severity: low
package sovlint.rules.acme001

import rego.v1

deny contains {"rule_id": "ACME001", "resource": r.address, "message": "%s",
               "root": r.root} if {
    some r in input.resources
    r.type == "aws_s3_bucket"
}
'''
    rule.write_text(text % "first")
    assert "first" in _scan(repo, "--policy-dir", "policies")
    rule.write_text(text % "second")
    report = _scan(repo, "--policy-dir", "policies")
    assert "second" in report and "first" not in report


def test_catalogue_version_is_a_digest_of_the_data() -> None:
    assert len(rootcache.catalogue_version()) == 64


# --- pre-commit: the callers walk and the imports ---------------------------------------------


def _old(path: Path) -> None:
    """Modification times older than the racy window, as files of a checkout are."""
    for item in [path, *path.rglob("*")]:
        os.utime(item, (1_700_000_000, 1_700_000_000))


def _roots_of(report: str) -> set[str]:
    return {f["root"] for f in json.loads(report)["findings"]}


def test_callers_index_sees_a_new_caller_and_a_dropped_one(repo: Path) -> None:
    (repo / ".git").mkdir()
    _old(repo)
    changed = "modules/shared/main.tf"
    assert _roots_of(_scan_files(repo, changed)) >= {"a", "b"}
    assert list((repo.parent / "cache").rglob("callers/*.pickle"))
    (repo / "c").mkdir()
    (repo / "c" / "main.tf").write_text(ROOT.format(region="eu-west-1"))
    assert "c" in _roots_of(_scan_files(repo, changed))  # a new directory deep in the tree
    (repo / "a" / "main.tf").write_text('provider "aws" { region = "eu-west-3" }\n')
    roots = _roots_of(_scan_files(repo, changed))
    assert "a" not in roots and {"b", "c"} <= roots
    assert _scan_files(repo, changed) == _scan_files(repo, changed, "--no-cache")


def _scan_files(repo: Path, *args: str) -> str:
    result = run_cli("scan", *args, "--format", "json", cwd=repo)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


_HEAVY = ("yaml", "jsonpath_ng", "jinja2", "sovlint.engine.opa", "http.client", "tree_sitter")


def _modules_after(code: str, cwd: Path, env: dict[str, str]) -> set[str]:
    done = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(' '.join("
                           "sorted(sys.modules)))"], cwd=cwd, env=env, capture_output=True,
                          text=True, check=True)
    return set(done.stdout.split())


def test_importing_the_cli_imports_no_parser_or_client(tmp_path: Path) -> None:
    loaded = _modules_after("import sovlint.cli", tmp_path, dict(os.environ))
    assert not {m for m in loaded if m.startswith(_HEAVY)}


def test_a_warm_terraform_scan_imports_no_yaml_jsonpath_jinja_or_opa(tmp_path: Path) -> None:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(ROOT.format(region="eu-west-3").split(
        "module")[0] + 'resource "aws_s3_bucket" "own" {}\n')
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"),
               XDG_STATE_HOME=str(tmp_path / "state"))
    code = ("import sys\nfrom sovlint.cli import main\nsys.argv = ['sovlint', 'scan', "
            "'infra/main.tf']\ntry:\n    main()\nexcept SystemExit:\n    pass")
    _modules_after(code, tmp_path, env)  # fills the cache
    loaded = _modules_after(code, tmp_path, env)
    assert "sovlint.scan" in loaded
    assert not {m for m in loaded if m.startswith(_HEAVY)}


# --- a whole scan whose inputs are unchanged ---------------------------------------------------


@pytest.fixture()
def no_scan(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts the scans actually run (not answered from the whole-scan entry)."""
    runs: list[int] = []
    original = scan_module._scan

    def counting(*args: Any) -> Any:
        runs.append(1)
        return original(*args)

    monkeypatch.setattr(scan_module, "_scan", counting)
    yield runs


def test_an_unchanged_tree_is_answered_from_one_entry(repo: Path, no_scan: list[int]) -> None:
    _old(repo)
    first = _scan(repo)
    assert list((repo.parent / "cache").rglob("scans/*.pickle"))
    no_scan.clear()
    assert _scan(repo) == first == _scan(repo, "--no-cache")
    assert len(no_scan) == 1  # the --no-cache one


INSTALLED = ('{"Modules": [{"Key": "remote", "Source": "registry/x", '
             '"Dir": ".terraform/modules/remote"}]}')


@pytest.mark.parametrize("change", ["module", "new-file", "manifest", "installed"])
def test_any_changed_input_is_scanned_again(repo: Path, no_scan: list[int],
                                            change: str) -> None:
    scanned = repo
    installed = repo / "a" / ".terraform" / "modules"
    if change == "installed":  # a registry module, where discovery never looks
        (installed / "remote").mkdir(parents=True)
        (installed / "modules.json").write_text(INSTALLED)
        (installed / "remote" / "main.tf").write_text('resource "aws_s3_bucket" "r" {}\n')
        with (repo / "a" / "main.tf").open("a") as handle:
            handle.write('module "remote" {\n  source = "registry/x"\n}\n')
    _old(repo)
    first = _scan(scanned)
    no_scan.clear()
    if change == "installed":
        (installed / "remote" / "main.tf").write_text(
            'resource "aws_s3_bucket" "r" {}\nresource "aws_s3_bucket" "s" {}\n')
    elif change == "module":
        (repo / "modules" / "shared" / "main.tf").write_text(
            MODULE.replace("{}", '{ default = "x" }', 1) + 'resource "aws_s3_bucket" "x" {}\n')
    elif change == "new-file":
        (repo / "modules" / "shared" / "deep").mkdir()
        (repo / "modules" / "shared" / "deep" / "m.tf").write_text(
            'resource "aws_s3_bucket" "deep" {}\n')
    else:
        (repo / "k8s.yaml").write_text(MANIFEST.replace("data", "other"))
    second = _scan(scanned)
    assert no_scan == [1]
    assert second == _scan(scanned, "--no-cache")
    if change in ("module", "installed"):
        assert second != first
    elif change == "new-file":  # a directory no root calls: a root of its own
        assert "aws_s3_bucket.deep" in second


def test_a_changed_configuration_or_date_is_another_entry(repo: Path, no_scan: list[int]) -> None:
    _old(repo)
    _scan(repo)
    no_scan.clear()
    _scan(repo, "--profile", "residency")
    assert no_scan == [1]


def test_file_arguments_are_not_answered_from_a_whole_scan_entry(repo: Path,
                                                                 no_scan: list[int]) -> None:
    _old(repo)
    _scan_files(repo, "a/main.tf")
    _scan_files(repo, "a/main.tf")
    assert len(no_scan) == 2
    assert not list((repo.parent / "cache").rglob("scans/*.pickle"))


def test_a_tree_changed_during_the_scan_is_not_kept(repo: Path) -> None:
    _scan(repo)  # the files were written just now: their times cannot tell a later change
    assert not list((repo.parent / "cache").rglob("scans/*.pickle"))
