"""The time budget of a root module (`terraform.root_timeout`, `--root-timeout`): a root past
it is an error on its first file with "evaluation limit exceeded", and the other roots are
still evaluated and reported, in one process and in workers.

Not a timed test: the budget is a millisecond, the slow root evaluates about 90,000
expressions (tens of milliseconds at least) and the quick one a handful, fewer than the
evaluator runs between two readings of the clock."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli

from sovlint import scan as scan_module
from sovlint.config import DEFAULT_ROOT_TIMEOUT, ConfigError, load_config, with_overrides

SLOW = """\
locals {
  r     = range(300)
  names = flatten([for a in local.r : [for b in local.r : "n-${a}-${b}"]])
}
resource "aws_s3_bucket" "slow" {
  bucket = local.names[0]
  region = "us-east-1"
}
"""

QUICK = """\
resource "aws_s3_bucket" "quick" {
  bucket = "quick"
  region = "us-east-1"
}
"""


def _tree(root: Path) -> None:
    (root / ".git").mkdir()
    for name, text in (("slow", SLOW), ("quick", QUICK)):
        (root / name).mkdir()
        (root / name / "main.tf").write_text(text, encoding="utf-8")


def _scan(root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = run_cli("scan", ".", "--no-cache", "--format", "json", "--profile", "residency",
                     *args, cwd=root)
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_root_past_its_time_budget_is_an_error_and_the_others_are_scanned(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str) -> None:
    monkeypatch.setattr(scan_module, "PARALLEL_THRESHOLD", 0)  # workers however few files
    _tree(tmp_path)

    code, report = _scan(tmp_path, "--jobs", jobs, "--root-timeout", "0.001")

    assert code == 1
    [error] = [f for f in report["findings"] if f["rule_id"] == "SOV000"]
    assert (error["file"], error["line"]) == ("slow/main.tf", 1)
    assert error["message"] == (
        "cannot parse slow/main.tf: evaluation limit exceeded: the root module slow took more "
        "than 0.001 s to evaluate (terraform.root_timeout); its resources are not checked")
    # The quick root is still evaluated and judged; nothing of the slow one is.
    assert [f["resource"] for f in report["findings"] if f["rule_id"] == "SOV001"] == [
        "aws_s3_bucket.quick"]


def test_within_the_default_budget_both_roots_are_evaluated(tmp_path: Path) -> None:
    _tree(tmp_path)

    code, report = _scan(tmp_path, "--jobs", "1")

    assert code == 1
    assert not [f for f in report["findings"] if f["rule_id"] == "SOV000"]
    assert sorted(f["resource"] for f in report["findings"] if f["rule_id"] == "SOV001") == [
        "aws_s3_bucket.quick", "aws_s3_bucket.slow"]


def test_a_repository_configuration_may_lower_the_budget(tmp_path: Path) -> None:
    _tree(tmp_path)
    (tmp_path / ".sovlint.yaml").write_text("terraform:\n  root_timeout: 0.001\n",
                                            encoding="utf-8")

    code, report = _scan(tmp_path, "--jobs", "1")

    assert code == 1
    [error] = [f for f in report["findings"] if f["rule_id"] == "SOV000"]
    assert error["file"] == "slow/main.tf"
    assert "evaluation limit exceeded" in error["message"]


def test_a_repository_configuration_may_not_raise_the_budget(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".sovlint.yaml").write_text("terraform:\n  root_timeout: 100000\n",
                                            encoding="utf-8")

    config = load_config(start=tmp_path)

    assert config.root_timeout == DEFAULT_ROOT_TIMEOUT
    [(key, why)] = config.refused
    assert key == "terraform.root_timeout"
    assert why.startswith("terraform.root_timeout: 100000 not applied (each root module still "
                          "has 60 s)")
    # A trusted choice raises it: the command line, or --trust-repo-config.
    assert with_overrides(config, root_timeout=100000).root_timeout == 100000
    assert with_overrides(config, root_timeout=100000).refused == ()
    assert load_config(start=tmp_path, trust_repo=True).root_timeout == 100000


def test_the_refused_budget_is_reported_on_the_configuration_file(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".sovlint.yaml").write_text("terraform:\n  root_timeout: 3600\n",
                                            encoding="utf-8")
    (tmp_path / "main.tf").write_text(QUICK.replace("us-east-1", "eu-west-3"),
                                      encoding="utf-8")

    code, report = _scan(tmp_path)

    assert code == 0
    assert [d["file"] for d in report["diagnostics"]
            if "terraform.root_timeout: 3600 not applied" in d["message"]] == [".sovlint.yaml"]


@pytest.mark.parametrize("value", [0, -1, "soon", True])
def test_a_budget_that_is_not_a_positive_number_is_a_configuration_error(
        tmp_path: Path, value: object) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".sovlint.yaml").write_text(
        f"terraform:\n  root_timeout: {json.dumps(value)}\n", encoding="utf-8")

    with pytest.raises(ConfigError, match=r"terraform\.root_timeout"):
        load_config(start=tmp_path)


def test_a_root_timeout_of_zero_on_the_command_line_is_a_usage_error(tmp_path: Path) -> None:
    _tree(tmp_path)

    result = run_cli("scan", ".", "--no-cache", "--root-timeout", "0", cwd=tmp_path)

    assert result.exit_code == 2
    assert "--root-timeout" in result.stderr
