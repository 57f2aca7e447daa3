"""`sovlint scan` options users of Checkov, Trivy and tflint reach for: -f/-o, the format
from the output extension, --rule/--skip-rule, --severity, --exclude, NO_COLOR/FORCE_COLOR."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import run_cli

from sovlint.cli_options import color_wanted

STACK = '''provider "aws" {
  region = "us-east-1"
}

resource "aws_s3_bucket" "records" {}

resource "aws_cloudfront_distribution" "cdn" {}
'''


@pytest.fixture
def stack(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text(STACK)
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "main.tf").write_text(STACK.replace("records", "example"))
    return tmp_path


def rules_found(report: dict[str, object]) -> set[tuple[str, str]]:
    return {(f["rule_id"], f["resource"]) for f in report["findings"]}  # type: ignore[attr-defined,index]


def scan_json(stack: Path, *args: str) -> dict[str, object]:
    output = run_cli("scan", ".", "--profile", "residency", "-f", "json", *args, cwd=stack)
    assert output.exit_code in (0, 1), output.output
    report: dict[str, object] = json.loads(output.stdout)
    return report


@pytest.mark.parametrize(("name", "first"), [
    ("out.sarif", '"$schema"'), ("out.json", '"schema_version"'), ("out.xml", "<?xml"),
    ("out.md", "## sovlint"),
])
def test_output_extension_names_the_format(stack: Path, name: str, first: str) -> None:
    output = run_cli("scan", ".", "--profile", "residency", "-o", name, cwd=stack)

    assert output.exit_code == 1
    assert first in (stack / name).read_text()[:200]


def test_unknown_output_extension_without_format_is_a_usage_error(stack: Path) -> None:
    output = run_cli("scan", ".", "-o", "report.out", cwd=stack)

    assert output.exit_code == 2
    assert "--output report.out: no --format given" in output.output
    assert not (stack / "report.out").exists()


def test_rule_runs_only_the_named_rules(stack: Path) -> None:
    report = scan_json(stack, "--rule", "SOV005", "--exclude", "examples")

    assert rules_found(report) == {("SOV005", "aws_cloudfront_distribution.cdn")}


def test_skip_rule_takes_comma_lists_and_repeats(stack: Path) -> None:
    report = scan_json(stack, "--skip-rule", "sov001, SOV004", "--skip-rule", "SOV003",
                       "--exclude", "examples")

    assert rules_found(report) == {("SOV005", "aws_cloudfront_distribution.cdn")}


def test_unknown_rule_id_exits_2_with_the_closest_ids(stack: Path) -> None:
    output = run_cli("scan", ".", "--rule", "SOV01", cwd=stack)

    assert output.exit_code == 2
    assert "--rule SOV01: unknown rule" in output.output
    assert "closest: SOV001" in output.output


def test_severity_reports_only_findings_at_or_above_it(stack: Path) -> None:
    report = scan_json(stack, "--severity", "high", "--exclude", "examples")

    assert rules_found(report) == {("SOV001", "aws_s3_bucket.records")}


def test_severity_above_every_finding_passes_the_gate(stack: Path) -> None:
    output = run_cli("scan", ".", "--profile", "residency", "--skip-rule", "SOV001",
                     "--severity", "high", "--exclude", "examples", cwd=stack)

    assert output.exit_code == 0


def test_exclude_is_repeatable_and_leaves_the_files_out(stack: Path) -> None:
    report = scan_json(stack, "--exclude", "examples", "--exclude", "*.md")

    assert all(f["file"] == "main.tf" for f in report["findings"])  # type: ignore[attr-defined,index]
    assert {f["file"] for f in scan_json(stack)["findings"]} == {  # type: ignore[attr-defined,index]
        "main.tf", "examples/main.tf"}


class Terminal:
    def isatty(self) -> bool:
        return True


class Pipe:
    def isatty(self) -> bool:
        return False


def test_no_color_wins_over_a_terminal_and_force_color() -> None:
    assert color_wanted(Terminal(), {}) is True
    assert color_wanted(Terminal(), {"NO_COLOR": ""}) is False
    assert color_wanted(Pipe(), {"NO_COLOR": "1", "FORCE_COLOR": "1"}) is False


def test_force_color_colours_a_pipe_unless_zero() -> None:
    assert color_wanted(Pipe(), {}) is False
    assert color_wanted(Pipe(), {"FORCE_COLOR": "1"}) is True
    assert color_wanted(Pipe(), {"FORCE_COLOR": "0"}) is False


def scan_piped(stack: Path, *args: str, **env: str) -> str:
    """stdout of the installed command in a pipe (no terminal), with the environment given."""
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    process = subprocess.run([sys.executable, "-m", "sovlint", "scan", ".", "--jobs", "1",
                              "--no-cache", *args], cwd=stack, env=environ | env,
                             capture_output=True, text=True, check=False, timeout=120)
    assert process.returncode == 1, process.stderr
    return process.stdout


def test_force_color_paints_the_text_report_in_a_pipe(stack: Path) -> None:
    assert "\x1b[" in scan_piped(stack, FORCE_COLOR="1")
    assert "\x1b[" not in scan_piped(stack)
    assert "\x1b[" not in scan_piped(stack, FORCE_COLOR="0")


def test_no_color_and_the_option_win_over_force_color(stack: Path) -> None:
    assert "\x1b[" not in scan_piped(stack, FORCE_COLOR="1", NO_COLOR="")
    assert "\x1b[" not in scan_piped(stack, "--no-color", FORCE_COLOR="1")
    assert "\x1b[" not in scan_piped(stack, "-f", "json", FORCE_COLOR="1")


CUSTOM_INFRA = Path(__file__).resolve().parents[2] / "fixtures" / "custom-policies" / "infra"


def custom_rules_found(*args: str) -> set[str]:
    output = run_cli("scan", ".", "--trust-repo-config", "-f", "json", "--jobs", "1", *args,
                     cwd=CUSTOM_INFRA)
    assert output.exit_code in (0, 1), output.output
    return {f["rule_id"] for f in json.loads(output.stdout)["findings"]}


def test_rule_accepts_a_custom_rule_id_of_the_run_s_policies() -> None:
    assert custom_rules_found("--rule", "ACME002") == {"ACME002"}


def test_skip_rule_accepts_custom_rule_ids_in_any_case() -> None:
    everything = custom_rules_found()
    assert {"ACME001", "ACME003", "ACME004"} <= everything

    assert custom_rules_found("--skip-rule", "acme001,ACME003") == (
        everything - {"ACME001", "ACME003"})


def test_an_unknown_id_names_the_built_in_and_custom_rules() -> None:
    output = run_cli("scan", ".", "--trust-repo-config", "--rule", "ACME009", "--jobs", "1",
                     cwd=CUSTOM_INFRA)

    assert output.exit_code == 2
    assert "--rule ACME009: unknown rule (known: ACME001, ACME002, ACME003, ACME004, " in (
        output.output)
    assert "SOV001" in output.output


def test_a_custom_id_without_its_policy_loaded_is_unknown() -> None:
    output = run_cli("scan", ".", "--rule", "ACME002", "--jobs", "1", cwd=CUSTOM_INFRA.parent)

    assert output.exit_code == 2
    assert "--rule ACME002: unknown rule" in output.output


def test_rule_options_with_dump_input_contact_no_opa_server() -> None:
    # Port 9 (discard) on the loopback: nothing answers there, a health check would fail.
    output = run_cli("scan", ".", "--trust-repo-config", "--dump-input", "--rule", "ACME002",
                     "--opa-url", "http://127.0.0.1:9", "--jobs", "1", cwd=CUSTOM_INFRA)

    assert output.exit_code == 0, output.output
    assert json.loads(output.stdout)["resources"]
