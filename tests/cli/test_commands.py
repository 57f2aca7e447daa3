"""`sovlint rules`, `explain`, `test`, configuration errors and output files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers import REPO

Cli = Callable[..., Any]


def test_rules_lists_builtin_rules_with_severity(cli: Cli) -> None:
    result = cli("rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[1].split() == ["SOV000", "parse-error", "high", "residency,sovereign"]
    assert any(line.split()[:3] == ["SOV002", "foreign-jurisdiction-provider", "high"]
               for line in lines)


def test_explain_prints_the_rule_doc(cli: Cli) -> None:
    result = cli("explain", "SOV001")
    assert result.exit_code == 0
    assert result.stdout.startswith("# SOV001 non-eu-region")
    assert "## How to fix" in result.stdout


def test_explain_unknown_rule_is_a_usage_error(cli: Cli) -> None:
    result = cli("explain", "SOV999")
    assert result.exit_code == 2
    assert "unknown rule 'SOV999'" in result.stderr


def test_builtin_rego_tests_pass(cli: Cli) -> None:
    result = cli("test", "-v")
    assert result.exit_code == 0, result.stdout
    assert "PASS: sovlint.rules.non_eu_region_test.test_store_in_virginia_is_reported" in (
        result.stdout)
    assert result.stdout.strip().endswith("0 failed")


def test_a_failing_rego_test_fails_the_command(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "broken_test.rego").write_text(
        "package acme.broken_test\n\nimport rego.v1\n\ntest_always_false if { 1 == 2 }\n")
    result = cli("test", str(tmp_path))
    assert result.exit_code == 1
    assert "FAIL: acme.broken_test.test_always_false" in result.stdout


def test_unknown_config_key_exits_2_and_names_it(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / ".sovlint.yaml").write_text("scpoe: {}\n")
    (tmp_path / "main.tf").write_text("")
    result = cli("scan", str(tmp_path), cwd=tmp_path)
    assert result.exit_code == 2
    assert "unknown key 'scpoe'" in result.stderr


def test_output_file_gets_the_report(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    result = cli("scan", "fixtures/eu-ovh-scaleway", "--format", "json", "--output", str(target))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert json.loads(target.read_text())["summary"]["passed"] is True


def test_several_formats_in_one_run(cli: Cli, tmp_path: Path) -> None:
    result = cli("scan", "fixtures/broken-terraform", "--format", "json", "--output",
                 str(tmp_path / "r.json"), "--format", "text")
    assert result.exit_code == 1
    assert "SOV000" in result.stdout
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["errors"] == 1


def test_residency_profile_drops_jurisdiction_rule(cli: Cli) -> None:
    result = cli("scan", "fixtures/aws-health-records", "--profile", "residency",
                 "--format", "json")
    rules = {f["rule_id"] for f in json.loads(result.stdout)["findings"]}
    assert rules == {"SOV001", "SOV003"}


def test_fail_on_critical_passes_high_findings(cli: Cli) -> None:
    result = cli("scan", "fixtures/aws-health-records", "--fail-on", "critical")
    assert result.exit_code == 0


def test_allowed_provider_entity_is_trusted(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / ".sovlint.yaml").write_text("allow:\n  providers: [aws]\n")
    (tmp_path / "main.tf").write_text(
        'provider "aws" { region = "eu-west-3" }\nresource "aws_s3_bucket" "b" {}\n')
    result = cli("scan", str(tmp_path), cwd=tmp_path)
    assert result.exit_code == 0, result.stdout


def test_stdin_manifest_is_scanned(cli: Cli) -> None:
    manifest = (REPO / "fixtures/k8s-patient-portal/manifests.yaml").read_text()
    result = cli("scan", "-", "--profile", "residency", "--format", "json", input=manifest)
    report = json.loads(result.stdout)
    assert [f["resource"] for f in report["findings"]] == [
        "StatefulSet/patient-portal/usage-analytics"]


def test_summary_counts_skipped_and_excluded_files(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / ".sovlint.yaml").write_text("exclude: [examples/**]\n")
    (tmp_path / "main.tf").write_text('provider "aws" { region = "eu-west-3" }\n')
    (tmp_path / "README.md").write_text("# infra\n")
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "demo.tf").write_text("")
    result = cli("scan", str(tmp_path), "--format", "json", cwd=tmp_path)
    summary = json.loads(result.stdout)["summary"]
    assert (summary["files"], summary["skipped_files"], summary["excluded_files"]) == (1, 2, 1)


def test_soft_fail_reports_but_exits_0(cli: Cli) -> None:
    result = cli("scan", "fixtures/aws-health-records", "--soft-fail")
    assert result.exit_code == 0
    assert "SOV001" in result.stdout


def test_quiet_prints_nothing_when_passing(cli: Cli) -> None:
    result = cli("scan", "fixtures/eu-ovh-scaleway", "--quiet")
    assert (result.exit_code, result.stdout) == (0, "")


def test_no_ansi_codes_when_not_a_terminal(cli: Cli) -> None:
    result = cli("scan", "fixtures/aws-health-records")
    assert "\x1b[" not in result.stdout


def test_opentofu_tree_is_scanned_and_replaced_tf_is_skipped(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "main.tofu").write_text(
        'provider "aws" { region = "us-east-1" }\n'
        'resource "aws_s3_bucket" "b" { bucket = "x" }\n')
    (tmp_path / "main.tf").write_text('provider "aws" { region = "eu-west-3" }\n')
    result = cli("scan", str(tmp_path), "--format", "json", cwd=tmp_path)
    report = json.loads(result.stdout)
    assert report["summary"]["files"] == 1 and report["summary"]["skipped_files"] == 1
    assert [f["rule_id"] for f in report["findings"] if f["rule_id"] == "SOV001"] == ["SOV001"]


def test_workspace_option_selects_the_region_map_entry(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'locals { regions = { default = "eu-west-3", us = "us-east-1" } }\n'
        'provider "aws" { region = local.regions[terraform.workspace] }\n'
        'resource "aws_s3_bucket" "b" { bucket = "x" }\n')
    passed = cli("scan", str(tmp_path), "--format", "json", cwd=tmp_path)
    moved = cli("scan", str(tmp_path), "--format", "json", "--workspace", "us", cwd=tmp_path)
    rules = [{f["rule_id"] for f in json.loads(r.stdout)["findings"]} for r in (passed, moved)]
    assert "SOV001" not in rules[0] and "SOV001" in rules[1]
    assert cli("scan", str(tmp_path), "--workspace", " ", cwd=tmp_path).exit_code == 2


def test_output_to_a_fifo_is_written_in_place_not_replaced(cli: Cli, tmp_path: Path) -> None:
    # `-o /dev/null` or a named pipe: renaming a temporary file over it would replace the
    # device or pipe itself with a regular file (as root, /dev/null).
    import os
    import threading

    fifo = tmp_path / "report.pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    cli("scan", str(REPO / "fixtures" / "flows"), "--format", "json", "--output", str(fifo))
    reader.join(timeout=60)

    assert fifo.is_fifo()
    assert json.loads(received[0])["findings"]
    assert not list(tmp_path.glob(".*.tmp"))
