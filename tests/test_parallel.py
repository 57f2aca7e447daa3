"""`--jobs N`: directories are parsed and evaluated in worker processes, and the report is the
same for any N (SPEC: output identical for any number of jobs)."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest
from helpers import FIXTURES, run_cli

from sovlint import scan as scan_module

SHARED_MODULE = """\
variable "region" { type = string }
resource "aws_s3_bucket" "records" {
  bucket = "records-${var.region}"
}
resource "aws_s3_bucket_replication_configuration" "copy" {
  bucket = aws_s3_bucket.records.id
  role   = "arn:aws:iam::123456789012:role/replication"
  rule {
    status = "Enabled"
    destination { bucket = "arn:aws:s3:::records-copy-us" }
  }
}
"""

STACK = """\
provider "aws" {{ region = "{region}" }}
module "store" {{
  source = "../../modules/store"
  region = "{region}"
}}
resource "aws_db_instance" "db{n}" {{
  identifier = "db{n}"
  engine     = "postgres"
}}
"""


def write_tree(root: Path) -> None:
    """Stacks calling one shared module, a module cycle, a broken file and a lone module."""
    (root / "modules" / "store").mkdir(parents=True)
    (root / "modules" / "store" / "main.tf").write_text(SHARED_MODULE)
    regions = ["eu-west-3", "us-east-1", "eu-central-1"]
    for n in range(12):
        stack = root / "stacks" / f"stack-{n:02d}"
        stack.mkdir(parents=True)
        (stack / "main.tf").write_text(STACK.format(region=regions[n % 3], n=n))
        (stack / "tags.tf").write_text('locals { team = "records" }\n')
    (root / "stacks" / "stack-05" / "broken.tf").write_text('resource "aws_s3_bucket" "x" {\n')
    for name, other in (("a", "b"), ("b", "a")):
        cycle = root / "cycle" / name
        cycle.mkdir(parents=True)
        (cycle / "main.tf").write_text(
            f'module "{other}" {{\n  source = "../{other}"\n}}\n'
            f'resource "google_storage_bucket" "{name}" {{\n  location = "US"\n}}\n')


def report(root: Path, jobs: int) -> str:
    result = run_cli("scan", ".", "--format", "json", "--no-cache", "--jobs", str(jobs),
                     cwd=root)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def policy_input(root: Path, jobs: int) -> str:
    result = run_cli("scan", ".", "--dump-input", "--no-cache", "--jobs", str(jobs), cwd=root)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def parallel_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """Use worker processes however few the files are."""
    monkeypatch.setattr(scan_module, "PARALLEL_THRESHOLD", 0)


@pytest.mark.usefixtures("parallel_always")
def test_report_is_the_same_for_any_number_of_jobs(tmp_path: Path) -> None:
    write_tree(tmp_path)
    one = report(tmp_path, 1)
    assert report(tmp_path, 2) == one
    assert report(tmp_path, 3) == one
    one_input = policy_input(tmp_path, 1)
    assert policy_input(tmp_path, 2) == one_input
    document = json.loads(one)
    # The shared module is evaluated in each stack's context only, never as a root of its own.
    addresses = sorted(r["address"] for r in json.loads(one_input)["resources"])
    assert "aws_s3_bucket.records" not in addresses
    assert addresses.count("module.store.aws_s3_bucket.records") == 12
    # The cycle is evaluated once, from its first member, and reported.
    assert addresses.count("google_storage_bucket.a") == 1
    assert [d["message"] for d in document["diagnostics"]] == [
        "module.b.module.a: module calls itself (cycle)"]
    # The broken file is a SOV000 error in any case, and every file is counted.
    assert [e["file"] for e in document["errors"]] == ["stacks/stack-05/broken.tf"]
    assert document["summary"]["files"] == 12 * 2 + 1 + 1 + 2


@pytest.mark.usefixtures("parallel_always")
def test_fixtures_report_is_the_same_with_workers(tmp_path: Path) -> None:
    one = run_cli("scan", str(FIXTURES), "--format", "json", "--no-cache", "--jobs", "1")
    two = run_cli("scan", str(FIXTURES), "--format", "json", "--no-cache", "--jobs", "2")
    assert one.exit_code == two.exit_code == 1
    assert two.stdout == one.stdout


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork",
                    reason="the workers must inherit the patched function")
@pytest.mark.usefixtures("parallel_always")
def test_directories_are_evaluated_in_workers(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path)
    log = tmp_path / "pids.log"
    original = scan_module._evaluate_root

    def logged(directory: Path, inputs: scan_module._RootInputs,
               files: scan_module._TerraformFiles) -> scan_module._RootResult:
        with log.open("a") as handle:
            handle.write(f"{os.getpid()}\n")
        return original(directory, inputs, files)

    # Worker processes are forked from this one: they see the patched function.
    monkeypatch.setattr(scan_module, "_evaluate_root", logged)
    report(tmp_path, 2)
    pids = set(log.read_text().split())
    assert pids and str(os.getpid()) not in pids
