"""Hostile and unusual input: every file is reported or scanned, nothing crashes or hangs."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli

from sovlint import scan as scan_module


def scan(tmp_path: Path) -> dict[str, Any]:
    result = run_cli("scan", str(tmp_path), "--profile", "residency", "--format", "json",
                     cwd=tmp_path)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def errors(report: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [(e["file"], e["line"], e["message"]) for e in report["errors"]]


def test_binary_file_with_an_iac_name_is_sov000(tmp_path: Path) -> None:
    (tmp_path / "state.tf").write_bytes(b"\x00\x01\x02\xff binary")
    report = scan(tmp_path)
    assert errors(report) == [("state.tf", 1, "binary content in a file with an IaC name")]
    assert [f["rule_id"] for f in report["findings"]] == ["SOV000"]


def test_non_utf8_file_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_bytes(b'resource "a" "b" {\n  name = "\xe9t\xe9"\n}\n')
    assert errors(scan(tmp_path)) == [("main.tf", 2, "not UTF-8 text (byte 29)")]


def test_bom_and_crlf_are_read(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_bytes(
        b'\xef\xbb\xbfprovider "aws" {\r\n  region = "us-east-1"\r\n}\r\n'
        b'resource "aws_s3_bucket" "b" {}\r\n')
    report = scan(tmp_path)
    assert [(f["rule_id"], f["resource"], f["line"]) for f in report["findings"]] == [
        ("SOV001", "aws_s3_bucket.b", 4)]


def test_empty_files_are_scanned_without_error(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("")
    (tmp_path / "app.yaml").write_text("")
    report = scan(tmp_path)
    assert report["errors"] == []
    assert report["summary"]["files"] == 1


def test_symlinks_are_not_followed_and_are_reported(tmp_path: Path) -> None:
    (tmp_path / "loop").mkdir()
    os.symlink("..", tmp_path / "loop" / "up")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.tf"
    outside.write_text('provider "aws" { region = "us-east-1" }\nresource "aws_s3_bucket" "x" {}\n')
    os.symlink(outside, tmp_path / "linked.tf")
    report = scan(tmp_path)
    assert report["findings"] == []
    assert sorted(d["file"] for d in report["diagnostics"]
                  if d["message"] == "symbolic link not followed") == ["linked.tf", "loop/up"]


def test_module_calling_itself_is_evaluated_once_and_reported(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'provider "aws" { region = "us-east-1" }\n'
        'module "me" {\n  source = "./"\n}\nresource "aws_s3_bucket" "b" {}\n')
    report = scan(tmp_path)
    assert [(f["rule_id"], f["resource"]) for f in report["findings"]] == [
        ("SOV001", "aws_s3_bucket.b")]
    assert any("module calls itself (cycle)" in d["message"] for d in report["diagnostics"])


def test_mutual_module_cycle_terminates_and_keeps_resources(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "main.tf").write_text(
        'provider "aws" { region = "us-east-1" }\nmodule "b" {\n  source = "../b"\n}\n'
        'resource "aws_s3_bucket" "a" {}\n')
    (tmp_path / "b" / "main.tf").write_text(
        'module "a" {\n  source = "../a"\n}\nresource "aws_s3_bucket" "b" {}\n')
    report = scan(tmp_path)
    assert sorted(f["resource"] for f in report["findings"]) == [
        "aws_s3_bucket.a", "module.b.aws_s3_bucket.b"]


def test_very_long_line(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('locals {\n  x = "' + "a" * 300_000 + '"\n}\n')
    assert scan(tmp_path)["errors"] == []


def test_file_over_the_size_limit_is_reported_not_read(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_module, "MAX_FILE_BYTES", 100)
    (tmp_path / "big.tf").write_text("# " + "x" * 200 + "\n")
    [(file, line, message)] = errors(scan(tmp_path))
    assert (file, line) == ("big.tf", 1)
    assert "larger than the 100 bytes sovlint reads" in message


def test_deeply_nested_hcl_is_an_error_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("locals {\n  x = " + "[" * 5000 + "]" * 5000 + "\n}\n")
    report = scan(tmp_path)
    assert [e["file"] for e in report["errors"]] == ["main.tf"]
