"""Nothing outside the scanned tree is read: symbolic links leaving it are reported, not
followed, for every file kind; FIFOs and devices are reported without being opened."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli

SECRET = "s3cr3t-value-from-outside"
BUCKET = 'resource "aws_s3_bucket" "b" {\n  region = var.region\n}\n' \
         'variable "region" {\n  default = "eu-west-3"\n}\n'


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "vars.json").write_text(json.dumps({"region": SECRET}), encoding="utf-8")
    (outside / "evil.tf").write_text(f'resource "aws_s3_bucket" "x" {{\n  bucket = "{SECRET}"\n',
                                     encoding="utf-8")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "main.tf").write_text(BUCKET, encoding="utf-8")
    return repo


def scan(repo: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    result = run_cli("scan", ".", "--format", "json", "--no-cache", *args, cwd=repo)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout), result.output


def errors(report: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [(e["file"], e["line"], e["message"]) for e in report["errors"]]


def test_a_tfvars_link_leaving_the_tree_is_an_error_not_read(repo: Path) -> None:
    (repo / "terraform.tfvars.json").symlink_to(repo.parent / "outside" / "vars.json")

    code, report, output = scan(repo)

    assert SECRET not in output
    assert code == 1
    assert errors(report) == [("terraform.tfvars.json", 1, "symbolic link to a file outside "
                               "the scanned tree: not followed")]


def test_a_tf_link_leaving_the_tree_is_an_error_not_read(repo: Path) -> None:
    (repo / "evil.tf").symlink_to(repo.parent / "outside" / "evil.tf")

    _, report, output = scan(repo)

    assert SECRET not in output
    assert ("evil.tf", 1, "symbolic link to a file outside the scanned tree: not followed") \
        in errors(report)


def test_a_link_inside_the_repository_is_read(repo: Path) -> None:
    shared = repo / "shared"
    shared.mkdir()
    (shared / "vars.auto.tfvars").write_text('region = "us-east-1"\n', encoding="utf-8")
    (repo / "vars.auto.tfvars").symlink_to(shared / "vars.auto.tfvars")

    _, report, _ = scan(repo)

    assert errors(report) == []
    assert any(f["rule_id"] == "SOV001" for f in report["findings"])


def test_modules_json_pointing_outside_the_tree_is_not_followed(repo: Path) -> None:
    (repo.parent / "outside" / "mod").mkdir()
    (repo.parent / "outside" / "mod" / "main.tf").write_text(
        f'resource "aws_s3_bucket" "{SECRET}" {{}}\n', encoding="utf-8")
    (repo / "main.tf").write_text('module "m" {\n  source = "example/m/aws"\n}\n',
                                  encoding="utf-8")
    manifest = repo / ".terraform" / "modules"
    manifest.mkdir(parents=True)
    (manifest / "modules.json").write_text(json.dumps(
        {"Modules": [{"Key": "m", "Source": "example/m/aws", "Dir": "../outside/mod"}]}),
        encoding="utf-8")

    _, report, output = scan(repo)

    assert SECRET not in output
    assert ("main.tf", "module.m: source 'example/m/aws' resolves to a directory outside the "
            "scanned tree: not read (scan from the repository root that holds it)") \
        in [(d["file"], d["message"]) for d in report["diagnostics"]]


@pytest.mark.parametrize("name", ["main.tf", "x.yaml", "terraform.tfvars"])
def test_a_fifo_is_reported_without_being_opened(repo: Path, name: str) -> None:
    target = repo / name
    if target.exists():
        target.unlink()
    os.mkfifo(target)

    code, report, _ = scan(repo)  # would hang if the FIFO were opened

    assert code == 1
    assert (name, 1, "not a regular file (a FIFO, socket or device): not read") \
        in errors(report)


def test_a_fifo_given_on_the_command_line_is_reported(repo: Path) -> None:
    os.mkfifo(repo / "pipe.tf")

    result = run_cli("scan", "pipe.tf", "--format", "json", cwd=repo)

    assert ("pipe.tf", 1, "not a regular file (a FIFO, socket or device): not read") \
        in errors(json.loads(result.stdout))


def test_a_var_file_that_is_a_device_is_an_error(repo: Path) -> None:
    result = run_cli("scan", ".", "--var-file", os.devnull, cwd=repo)

    assert result.exit_code == 2
    assert result.stderr == (f"sovlint: --var-file {os.devnull}: not a regular file (a FIFO, "
                             "socket or device): not read\n")


def test_a_source_comment_cannot_move_a_finding_or_open_a_device(tmp_path: Path) -> None:
    (tmp_path / "web.yaml").write_text(
        "# Source: /dev/zero\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n"
        "  containers:\n    - {name: c, image: nginx}\n", encoding="utf-8")

    _, report, _ = scan(tmp_path)

    assert {f["file"] for f in report["findings"]} == {"web.yaml"}


def test_a_source_comment_leaving_the_tree_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "web.yaml").write_text(
        "# Source: ../../etc/passwd\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n"
        "spec:\n  containers:\n    - {name: c, image: nginx}\n", encoding="utf-8")

    _, report, _ = scan(tmp_path)

    assert {f["file"] for f in report["findings"]} == {"web.yaml"}


def _module_repository(base: Path) -> Path:
    # A module at the top of a repository (no .git: a downloaded archive) and an example root
    # that calls it with ../../, as the terraform-aws-modules repositories do.
    repo = base / "module-repo"
    (repo / "examples" / "replicated").mkdir(parents=True)
    (repo / "main.tf").write_text(
        'variable "replica_region" { type = string }\n'
        'resource "aws_dynamodb_table" "this" {\n'
        '  name = "t"\n'
        '  replica { region_name = var.replica_region }\n'
        '}\n')
    (repo / "examples" / "replicated" / "main.tf").write_text(
        'provider "aws" { region = "eu-west-1" }\n'
        'module "table" {\n'
        '  source         = "../../"\n'
        '  replica_region = "us-east-1"\n'
        '}\n')
    return repo


def test_a_module_above_its_example_is_read_when_the_scan_holds_it(tmp_path: Path) -> None:
    repo = _module_repository(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    result = run_cli("scan", str(repo), "--format", "json", "--no-cache", cwd=elsewhere)

    rules = {(f["rule_id"], f["resource"]) for f in json.loads(result.output)["findings"]}
    assert ("SOV003", "module.table.aws_dynamodb_table.this") in rules


def test_a_module_outside_the_scanned_path_is_a_finding_not_a_note(tmp_path: Path) -> None:
    repo = _module_repository(tmp_path)
    example = repo / "examples" / "replicated" / "main.tf"
    example.write_text(example.read_text().replace('  replica_region = "us-east-1"\n', ""))

    result = run_cli("scan", "replicated", "--format", "json", "--no-cache",
                     cwd=repo / "examples")

    document = json.loads(result.output)
    [finding] = [f for f in document["findings"] if f["resource"] == "module.table"]
    assert result.exit_code == 1
    assert finding["rule_id"] == "SOV004"
    assert "outside the scanned tree" in finding["message"]


def test_a_dangling_auto_tfvars_link_says_where_it_points(repo: Path) -> None:
    (repo / "envs").mkdir()
    (repo / "envs" / "main.tf").write_text(BUCKET, encoding="utf-8")
    (repo / "envs" / "common.auto.tfvars").symlink_to("../../shared/common.auto.tfvars")

    code, report, _ = scan(repo)

    # Terraform 1.11: "Given variables file common.auto.tfvars does not exist."
    assert code == 1
    assert ("envs/common.auto.tfvars", 1, "variable file is a symbolic link to "
            "../../shared/common.auto.tfvars, which does not exist: what it sets is not known "
            "(check out the file it points to, or remove the link)") in errors(report)


def test_a_dangling_terraform_tfvars_link_is_skipped_as_terraform_does(repo: Path) -> None:
    (repo / "envs").mkdir()
    (repo / "envs" / "main.tf").write_text(BUCKET, encoding="utf-8")
    (repo / "envs" / "terraform.tfvars").symlink_to("../terraform.tfvars")

    _, report, _ = scan(repo)

    # Terraform tests the link's target and reads nothing when it is absent.
    assert not [e for e in report["errors"] if e["file"] == "envs/terraform.tfvars"]
    [note] = [d for d in report["diagnostics"] if d["file"] == "envs/terraform.tfvars"
              and d["line"] == 1]
    assert "symbolic link to ../terraform.tfvars, which does not exist" in note["message"]
