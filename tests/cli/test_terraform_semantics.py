"""The region written in every way real Terraform writes it gives the literal's findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import run_cli

BASE = "fixtures/terraform-semantics"


def findings(*args: str, env: dict[str, str] | None = None) -> list[tuple[str, str]]:
    with pytest.MonkeyPatch.context() as patch:
        for key, value in (env or {}).items():
            patch.setenv(key, value)
        result = run_cli("scan", *args, "--profile", "residency", "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return [(f["rule_id"], f["resource"]) for f in json.loads(result.stdout)["findings"]]


@pytest.mark.parametrize(
    ("variant", "address"),
    [
        ("literal", "aws_s3_bucket.records_dr"),
        ("tfvars", "aws_s3_bucket.records_dr"),
        ("locals-lookup", "aws_s3_bucket.records_dr"),
        ("module-aliases", "module.records_dr.aws_s3_bucket.this"),
        ("for-each", 'aws_s3_bucket.records["virginia"]'),
        ("provider6-region", "aws_s3_bucket.records_dr"),
    ],
)
def test_variant_matches_the_literal(variant: str, address: str) -> None:
    assert findings(f"{BASE}/{variant}") == [("SOV001", address)]


def test_unset_variable_is_sov004() -> None:
    assert findings(f"{BASE}/unset-variable") == [("SOV004", "aws_s3_bucket.records_dr")]


def test_cli_var_sets_the_value() -> None:
    assert findings(f"{BASE}/unset-variable", "--var", "dr_region=eu-central-1") == []


def test_tf_var_environment_sets_the_value() -> None:
    assert findings(f"{BASE}/unset-variable", env={"TF_VAR_dr_region": "us-east-1"}) == [
        ("SOV001", "aws_s3_bucket.records_dr")]


def test_var_file_wins_over_environment(tmp_path: Path) -> None:
    var_file = tmp_path / "dr.tfvars"
    var_file.write_text('dr_region = "us-west-2"\n')
    assert findings(f"{BASE}/unset-variable", "--var-file", str(var_file),
                    env={"TF_VAR_dr_region": "eu-west-1"}) == [
        ("SOV001", "aws_s3_bucket.records_dr")]


def test_called_module_directory_is_not_a_root() -> None:
    addresses = [address for _, address in findings(f"{BASE}/module-aliases")]
    assert "aws_s3_bucket.this" not in addresses


def test_same_address_in_several_roots_is_reported_in_each() -> None:
    files = [f for f, rule in ((x[1], x[0]) for x in findings_with_files(BASE)) if rule == "SOV001"]
    assert sorted(files) == [
        f"{BASE}/for-each/main.tf", f"{BASE}/literal/main.tf", f"{BASE}/locals-lookup/main.tf",
        f"{BASE}/module-aliases/modules/archive/main.tf", f"{BASE}/provider6-region/main.tf",
        f"{BASE}/tfvars/main.tf"]


def findings_with_files(*args: str) -> list[tuple[str, str]]:
    result = run_cli("scan", *args, "--profile", "residency", "--format", "json")
    return [(f["rule_id"], f["file"]) for f in json.loads(result.stdout)["findings"]]
