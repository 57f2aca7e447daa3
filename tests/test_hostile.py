"""Hostile and unusual input: every file is reported or scanned, nothing crashes or hangs."""

from __future__ import annotations

import json
import os
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli

from sovlint import scan as scan_module
from sovlint.parsers import tfvars


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


def _alias_bomb() -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"  # 9**10 strings once expanded


def test_yaml_alias_bomb_is_sov000_in_bounded_time_and_memory(tmp_path: Path) -> None:
    (tmp_path / "bomb.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\n" + _alias_bomb())
    tracemalloc.start()
    start = time.perf_counter()
    try:
        report = scan(tmp_path)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 20
    assert peak < 200 * 1024 * 1024
    [(file, line, message)] = errors(report)
    assert (file, line) == ("bomb.yaml", 11)  # the alias that crosses the limit
    assert "alias bomb" in message
    assert "SOV000" in [f["rule_id"] for f in report["findings"]]


@pytest.mark.parametrize(("text", "line"), [
    ("a: " + "[" * 100_000 + "]" * 100_000 + "\n", 1),
    ("- " * 50_000 + "x\n", 1),
    ("a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 700)) + "  " * 700 + "v: 1\n",
     501),
], ids=["flow", "block-sequence", "block-mapping"])
def test_deeply_nested_yaml_is_sov000(tmp_path: Path, text: str, line: int) -> None:
    (tmp_path / "deep.yaml").write_text(text)
    [(file, error_line, message)] = errors(scan(tmp_path))
    assert (file, error_line) == ("deep.yaml", line)  # where nesting passes the limit
    assert "nesting" in message


def test_deeply_nested_json_manifest_and_plan_are_sov000(tmp_path: Path) -> None:
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "main.tf.json").write_text('{"locals": ' + "[" * 100_000 + "]" * 100_000 + "}")
    report = scan(tmp_path)
    assert sorted(file for file, _, _ in errors(report)) == ["deep.json", "main.tf.json"]


def test_yaml_with_bom_crlf_and_a_non_utf8_yaml_file(tmp_path: Path) -> None:
    (tmp_path / "pvc.yaml").write_bytes(
        b"\xef\xbb\xbfapiVersion: v1\r\nkind: PersistentVolumeClaim\r\nmetadata:\r\n"
        b"  name: data\r\n")
    (tmp_path / "latin1.yaml").write_bytes(b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                           b"  name: caf\xe9\n")
    report = scan(tmp_path)
    assert errors(report) == [("latin1.yaml", 4, "not UTF-8 text (byte 52)")]
    assert report["summary"]["files"] == 2


def test_binary_yaml_is_sov000(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_bytes(b"\x00\x01\x02\xff")
    assert errors(scan(tmp_path)) == [
        ("app.yaml", 1, "binary content in a file with an IaC name")]


@pytest.mark.parametrize("content", [b"\x00\x01\x02\xff", b'region = = "x"\n'],
                         ids=["binary", "syntax"])
def test_bad_tfvars_is_sov000(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "main.tf").write_text('variable "region" {}\n')
    (tmp_path / "terraform.tfvars").write_bytes(content)
    assert [(file, line) for file, line, _ in errors(scan(tmp_path))] == [
        ("terraform.tfvars", 1)]


def test_empty_json_tfvars_and_tf_json_files(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('variable "region" {}\n')
    for name in ("terraform.tfvars", "app.json", "empty.tf.json"):
        (tmp_path / name).write_text("")
    report = scan(tmp_path)
    assert [file for file, _, _ in errors(report)] == ["empty.tf.json"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads files whatever their mode")
def test_unreadable_files_are_reported(tmp_path: Path) -> None:
    for name in ("main.tf", "app.yaml"):
        (tmp_path / name).write_text("")
        (tmp_path / name).chmod(0)
    try:
        report = scan(tmp_path)
    finally:
        for name in ("main.tf", "app.yaml"):
            (tmp_path / name).chmod(0o644)
    assert sorted((file, line) for file, line, _ in errors(report)) == [
        ("app.yaml", 1), ("main.tf", 1)]
    assert all("Permission denied" in message for _, _, message in errors(report))


def test_files_failing_to_read_are_reported(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # The same as above for any user, root included: reading fails with EACCES.
    real_read_bytes = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name in ("main.tf", "app.yaml"):
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    for name in ("main.tf", "app.yaml", "other.tf"):
        (tmp_path / name).write_text("")
    assert errors(scan(tmp_path)) == [("app.yaml", 1, "cannot read file: Permission denied"),
                                      ("main.tf", 1, "cannot read file: Permission denied")]


def test_directories_failing_to_list_are_reported(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # A directory sovlint cannot list may hold Terraform: an error, not a silent gap.
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if Path(path).name == "secret":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "main.tf").write_text("")
    (tmp_path / "main.tf").write_text("")
    report = scan(tmp_path)
    assert errors(report) == [("secret", 1, "cannot read directory: Permission denied")]
    assert report["summary"]["passed"] is False


def test_variable_files_too_large_binary_or_too_deep_are_errors(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tfvars, "MAX_FILE_BYTES", 100)
    big = tmp_path / "big.tfvars"
    big.write_text("# " + "x" * 200 + "\n")
    binary = tmp_path / "binary.tfvars.json"
    binary.write_bytes(b"\x00\x01{}")
    values, error = tfvars.load_tfvars(big, "big.tfvars")
    assert values == {}
    assert error is not None
    assert (error.line, error.message) == (
        1, "evaluation limit exceeded: file of 203 bytes is larger than the 100 bytes sovlint "
        "reads")
    values, error = tfvars.load_tfvars(binary, "binary.tfvars.json")
    assert error is not None
    assert error.message == "binary content in a file with an IaC name"
    deep = tmp_path / "deep.tfvars.json"
    deep.write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
    monkeypatch.setattr(tfvars, "MAX_FILE_BYTES", 10**7)
    values, error = tfvars.load_tfvars(deep, "deep.tfvars.json")
    assert error is not None
    assert error.message == "evaluation limit exceeded: JSON nested too deeply to be read"


def test_very_long_yaml_line_and_many_small_documents(tmp_path: Path) -> None:
    (tmp_path / "long.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: "
        + "a" * 1_000_000 + "\n" + "---\n" * 20_000)
    report = scan(tmp_path)
    assert report["errors"] == []
    assert report["summary"]["resources"] == 1


def test_file_over_the_size_limit_is_not_read(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_module, "MAX_FILE_BYTES", 100)
    opened: list[str] = []
    real_read_bytes = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        opened.append(self.name)
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    (tmp_path / "big.yaml").write_text("# " + "x" * 200 + "\n")
    (tmp_path / "small.yaml").write_text("a: 1\n")
    [(file, line, _message)] = errors(scan(tmp_path))
    assert (file, line) == ("big.yaml", 1)
    assert "big.yaml" not in opened


def test_dynamic_block_over_an_unknown_value(tmp_path: Path) -> None:
    # Found on terraform-aws-modules/terraform-aws-s3-bucket (examples/s3-replication).
    (tmp_path / "main.tf").write_text('''provider "aws" {
  region = "eu-west-3"
}

variable "rules" {
  type = any
}

resource "aws_s3_bucket_replication_configuration" "this" {
  bucket = "source"
  role   = "arn:aws:iam::123456789012:role/replication"
  dynamic "rule" {
    for_each = var.rules
    content {
      status = "Enabled"
      destination {
        bucket = rule.value.bucket
      }
    }
  }
}
''')
    report = scan(tmp_path)
    assert report["errors"] == []
    # The replication target depends on the unknown variable: SOV004 names it.
    assert [(f["rule_id"], f["resource"]) for f in report["findings"]
            if f["rule_id"] == "SOV004"] == [
        ("SOV004", "aws_s3_bucket_replication_configuration.this")]
    assert "var.rules has no value" in next(
        f["message"] for f in report["findings"] if f["rule_id"] == "SOV004")
