"""Evaluation budgets against hostile input: each exceeded limit is reported, the scan goes on,
and nothing hangs or fills the memory."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli


def _scan(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = run_cli("scan", ".", "--no-cache", "--format", "json", *args, cwd=tmp_path)
    return result.exit_code, json.loads(result.stdout)


def test_nested_for_expressions_of_a_billion_elements_are_an_exceeded_limit(
        tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'locals {\n'
        '  r   = range(1000)\n'
        '  big = flatten([for a in local.r : [for b in local.r : [for c in local.r :'
        ' "${a}-${b}-${c}"]]])\n'
        '}\n'
        'resource "aws_s3_bucket" "b" {\n'
        '  region = local.big[0]\n'
        '}\n'
        'resource "aws_s3_bucket" "ok" {\n'
        '  region = "eu-west-3"\n'
        '}\n', encoding="utf-8")

    code, report = _scan(tmp_path, "--profile", "residency")

    assert code == 1
    [finding] = [f for f in report["findings"] if f["rule_id"] == "SOV004"]
    assert (finding["resource"], finding["file"], finding["line"]) == (
        "aws_s3_bucket.b", "main.tf", 5)
    assert "evaluation limit exceeded: for expressions over more than 200,000 elements" in (
        finding["message"])


def test_a_for_expression_over_a_known_list_still_evaluates(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'locals {\n'
        '  regions = [for i in range(3) : "eu-west-${i + 1}"]\n'
        '}\n'
        'resource "aws_s3_bucket" "b" {\n'
        '  region = local.regions[2]\n'
        '}\n', encoding="utf-8")

    code, report = _scan(tmp_path, "--profile", "residency")

    assert code == 0, report["findings"]


@pytest.mark.parametrize("kind", ["device", "fifo"])
def test_a_var_file_that_is_not_a_regular_file_is_a_usage_error(tmp_path: Path,
                                                                 kind: str) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {}\n', encoding="utf-8")
    var_file = "/dev/zero"
    if kind == "fifo":
        var_file = str(tmp_path / "vars.tfvars")
        os.mkfifo(var_file)

    result = run_cli("scan", ".", "--no-cache", "--var-file", var_file, cwd=tmp_path)

    assert result.exit_code == 2  # would hang on the FIFO, or read /dev/zero until killed
    assert result.stderr == (f"sovlint: --var-file {var_file}: not a regular file (a FIFO, "
                             "socket or device): not read\n")


def test_an_alias_bomb_in_the_configuration_is_a_clear_error(tmp_path: Path) -> None:
    items = ['&a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    items += [f"&a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    (tmp_path / ".sovlint.yaml").write_text(
        "scope:\n  tags:\n    k: [" + ", ".join(items) + "]\n", encoding="utf-8")
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {}\n', encoding="utf-8")

    result = run_cli("scan", ".", cwd=tmp_path)  # 10^10 strings if it were expanded

    assert result.exit_code == 2
    assert result.stderr == ("sovlint: config .sovlint.yaml: 'scope.tags.k': expected a "
                             "string or a list of strings, got list\n")


def test_an_hcl_file_of_250k_resources_is_reported_not_parsed(tmp_path: Path) -> None:
    with (tmp_path / "main.tf").open("w", encoding="utf-8") as out:
        for index in range(250_000):  # 19 MB: about 6 GB of memory if it were evaluated
            out.write(f'resource "aws_s3_bucket" "b{index}" {{\n  bucket = "b{index}"\n}}\n')
    (tmp_path / "small.tf").write_text('resource "aws_s3_bucket" "s" {\n'
                                       '  region = "eu-west-3"\n}\n', encoding="utf-8")

    code, report = _scan(tmp_path)

    assert code == 1
    [error] = report["errors"]
    assert (error["file"], error["line"]) == ("main.tf", 1)
    assert "is larger than the 4194304 bytes sovlint reads" in error["message"]
    assert [f["resource"] for f in report["findings"] if f["rule_id"] == "SOV002"] == [
        "aws_s3_bucket.s"]  # the rest of the scan goes on
