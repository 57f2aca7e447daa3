"""Evaluation budgets: a hostile count is an error on its file and line, never a blow-up, a
crash or a silent skip, and the rest of the scan goes on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli

from sovlint.terraform.loader import MAX_INSTANCES


def scan(tmp_path: Path, text: str) -> dict[str, Any]:
    (tmp_path / "main.tf").write_text(text, encoding="utf-8")
    (tmp_path / "other.tf").write_text(
        'resource "aws_s3_bucket" "other" {\n  region = "us-east-1"\n}\n', encoding="utf-8")
    result = run_cli("scan", ".", "--format", "json", "--no-cache", cwd=tmp_path)
    assert result.exit_code == 1, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    # The rest of the scan still ran.
    assert ("SOV001", "aws_s3_bucket.other") in {(f["rule_id"], f["resource"])
                                                 for f in report["findings"]}
    return report


@pytest.mark.parametrize("count", ["100000000", "1e308"])
def test_a_huge_count_is_an_evaluation_limit_error(tmp_path: Path, count: str) -> None:
    report = scan(tmp_path, f'resource "aws_s3_bucket" "b" {{\n  count = {count}\n}}\n')

    [error] = report["errors"]
    assert (error["file"], error["line"]) == ("main.tf", 1)
    assert error["message"] == (f"aws_s3_bucket.b: evaluation limit exceeded: count = "
                                f"{float(count) if 'e' in count else int(count)!r} is more "
                                f"than the {MAX_INSTANCES} instances sovlint expands")
    # The block is still judged once, unexpanded (here: AWS, region unknown).
    assert [f["rule_id"] for f in report["findings"] if f["file"] == "main.tf"] == [
        "SOV000", "SOV002", "SOV004"]


def test_a_negative_count_is_an_error_not_a_silent_skip(tmp_path: Path) -> None:
    report = scan(tmp_path, 'resource "aws_s3_bucket" "b" {\n  count = -1\n}\n')

    assert [(e["file"], e["line"], e["message"]) for e in report["errors"]] == [
        ("main.tf", 1, "aws_s3_bucket.b: invalid count: -1 is not a whole number of zero or "
         "more")]


def test_a_module_call_with_a_huge_count_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "main.tf").write_text('resource "aws_s3_bucket" "m" {}\n',
                                              encoding="utf-8")
    report = scan(tmp_path, 'module "m" {\n  source = "./mod"\n  count  = 50000\n}\n')

    assert [(e["file"], e["line"]) for e in report["errors"]] == [("main.tf", 1)]
    assert "evaluation limit exceeded" in report["errors"][0]["message"]


def test_a_huge_format_width_is_unknown_not_a_memory_blow_up(tmp_path: Path) -> None:
    report = scan(tmp_path, 'resource "aws_s3_bucket" "b" {\n'
                            '  region = format("%1500000000s", "x")\n}\n')

    [finding] = [f for f in report["findings"] if f["rule_id"] == "SOV004"]
    assert finding["resource"] == "aws_s3_bucket.b"
    assert "evaluation limit exceeded" in finding["message"]


def test_a_local_that_doubles_itself_is_unknown(tmp_path: Path) -> None:
    doubling = "".join(f'  s{i + 1} = "${{local.s{i}}}${{local.s{i}}}"\n' for i in range(40))
    report = scan(tmp_path, f'locals {{\n  s0 = "ab"\n{doubling}}}\n'
                            'resource "aws_s3_bucket" "b" {\n  region = local.s40\n}\n')

    [finding] = [f for f in report["findings"] if f["rule_id"] == "SOV004"]
    assert "evaluation limit exceeded" in finding["message"]
