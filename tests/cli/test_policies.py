"""Custom policies end to end: Rego directories and Python modules add rules whose findings go
through severity settings, inline ignores, baselines and every report format like built-ins."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, ClassVar

import pytest
from helpers import FIXTURES, run_cli

CUSTOM = FIXTURES / "custom-policies"
# The fixture's configuration loads Python code: only a configuration the user names is trusted.
TRUSTED = ("--config", ".sovlint.yaml")

EXPECTED = [
    ("ACME001", "StatefulSet/imaging/imaging-cache", "k8s/imaging.yaml", 2, "high"),
    ("ACME002", "StatefulSet/imaging/imaging-cache", "k8s/imaging.yaml", 2, "medium"),
    ("ACME002", "aws_s3_bucket.patient_records", "storage.tf", 4, "medium"),
    ("ACME003", "aws_s3_bucket.patient_records", "storage.tf", 4, "critical"),
    ("ACME001", "aws_s3_bucket.records_replica", "storage.tf", 17, "high"),
    ("ACME002", "aws_s3_bucket.records_replica", "storage.tf", 17, "medium"),
    ("ACME004", "aws_s3_bucket_replication_configuration.patient_records", "storage.tf", 26,
     "high"),
]


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    """A copy of the custom-policies fixture; returns its `infra` directory."""
    shutil.copytree(CUSTOM, tmp_path / "custom-policies")
    return tmp_path / "custom-policies" / "infra"


def scan_json(*args: str, cwd: Path) -> tuple[int, dict[str, Any]]:
    result = run_cli("scan", *args, "--format", "json", cwd=cwd)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def custom_findings(report: dict[str, Any], *, suppressed: bool = False) -> list[tuple[Any, ...]]:
    return [(f["rule_id"], f["resource"], f["file"], f["line"], f["severity"])
            for f in report["findings"]
            if not f["rule_id"].startswith("SOV") and f["suppressed"] == suppressed]


def test_custom_rego_and_python_rules_fire_on_the_fixture() -> None:
    code, report = scan_json(".", *TRUSTED, cwd=CUSTOM / "infra")

    assert code == 1
    assert custom_findings(report) == EXPECTED  # ACME002 at the configured severity, medium
    [copy] = [f for f in report["findings"] if f["rule_id"] == "ACME004"]
    assert copy["rule_name"] == "copies-stay-in-france"
    assert copy["target"] == {"region": "eu-central-1", "country": "DE",
                              "resource": "aws_s3_bucket.records_replica"}


def test_policies_can_be_given_on_the_command_line(tmp_path: Path) -> None:
    shutil.copytree(CUSTOM / "infra", tmp_path / "infra", ignore=shutil.ignore_patterns(".*"))
    policies = CUSTOM / "policies"

    _, report = scan_json("infra", "--policy-dir", str(policies / "rego"), "--policy-dir",
                          str(policies / "python" / "acme_sovereignty.py"), cwd=tmp_path)

    assert {f["rule_id"] for f in report["findings"]} >= {"ACME001", "ACME002", "ACME003",
                                                          "ACME004"}


def test_custom_rules_can_be_turned_off(tree: Path) -> None:
    config = tree / ".sovlint.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "ACME002: {severity: medium}", "ACME002: off\n  ACME004: off"), encoding="utf-8")

    _, report = scan_json(".", *TRUSTED, cwd=tree)

    assert {f[0] for f in custom_findings(report)} == {"ACME001", "ACME003"}


def test_inline_ignores_suppress_rego_and_python_findings(tree: Path) -> None:
    storage = tree / "storage.tf"
    text = storage.read_text(encoding="utf-8")
    text = text.replace('resource "aws_s3_bucket" "patient_records" {',
                        '# sovlint:ignore ACME003 owner=@dpo -- ACL removed in change 4711\n'
                        'resource "aws_s3_bucket" "patient_records" {')
    text = text.replace('resource "aws_s3_bucket_replication_configuration"',
                        '# sovlint:ignore ACME004 until=2099-12-31 -- migration to Paris-2\n'
                        'resource "aws_s3_bucket_replication_configuration"')
    storage.write_text(text, encoding="utf-8")

    _, report = scan_json(".", *TRUSTED, cwd=tree)

    suppressed = {f["rule_id"]: f["suppression_reason"] for f in report["findings"]
                  if f["suppressed"]}
    assert suppressed == {"ACME003": "ACL removed in change 4711",
                          "ACME004": "migration to Paris-2"}


def test_baseline_suppresses_custom_findings(tree: Path) -> None:
    baseline = tree.parent / "baseline.json"
    first = run_cli("scan", ".", *TRUSTED, "--write-baseline", str(baseline), "--format", "json",
                    cwd=tree)
    assert first.exit_code == 1

    code, report = scan_json(".", *TRUSTED, "--baseline", str(baseline), cwd=tree)

    assert code == 0
    assert custom_findings(report) == []
    assert custom_findings(report, suppressed=True) == EXPECTED
    recorded = json.loads(baseline.read_text(encoding="utf-8"))
    assert "ACME004" in json.dumps(recorded)


def test_every_format_reports_custom_rules() -> None:
    cwd = CUSTOM / "infra"
    for fmt in ("text", "json", "sarif", "junit", "github", "gitlab"):
        result = run_cli("scan", ".", *TRUSTED, "--format", fmt, "--no-color", cwd=cwd)
        assert result.exit_code == 1, fmt
        for rule_id in ("ACME001", "ACME002", "ACME003", "ACME004"):
            assert rule_id in result.stdout, (fmt, rule_id)


def test_text_report_shows_the_custom_fix_hint() -> None:
    result = run_cli("scan", ".", *TRUSTED, "--no-color", cwd=CUSTOM / "infra")

    assert ("    fix: make the bucket private (private ACL, every public access block flag "
            "true, no allUsers grant)") in result.stdout


def test_sarif_describes_custom_rules_with_help() -> None:
    result = run_cli("scan", ".", *TRUSTED, "--format", "sarif", cwd=CUSTOM / "infra")
    rules = {rule["id"]: rule
             for rule in json.loads(result.stdout)["runs"][0]["tool"]["driver"]["rules"]}

    python_rule = rules["ACME004"]
    assert python_rule["name"] == "copies-stay-in-france"
    assert python_rule["shortDescription"]["text"] == (
        "Data of an in-scope resource is replicated, backed up or failed over to a location "
        "outside France.")
    assert "Fix: replicate to a second French region" in python_rule["help"]["text"]
    rego_rule = rules["ACME002"]
    assert rego_rule["defaultConfiguration"]["level"] == "warning"  # configured: medium
    assert "https://cyber.gouv.fr/secnumcloud" in rego_rule["help"]["text"]


# --- sovlint test ----------------------------------------------------------------------------


def test_sovlint_test_runs_builtin_and_custom_tests_by_name() -> None:
    result = run_cli("test", "-v", str(CUSTOM / "policies" / "rego"))

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert ("PASS: sovlint.rules.acme_no_public_health_bucket_test."
            "test_public_read_acl_on_health_bucket_is_reported") in lines
    assert "PASS: sovlint.rules.non_eu_region_test.test_store_in_virginia_is_reported" in lines
    passed = int(lines[-1].split()[0])
    assert lines[-1] == f"{passed} passed, 0 failed"
    assert passed == len([line for line in lines if line.startswith("PASS: ")])


def test_sovlint_test_without_directories_tests_the_configured_policies() -> None:
    result = run_cli("test", "-v", cwd=CUSTOM / "infra")

    assert result.exit_code == 0, result.output
    assert "PASS: sovlint.rules.acme_data_in_france_test.test_store_in_frankfurt_is_reported" \
        in result.stdout


def test_a_broken_custom_test_fails_the_command(tree: Path) -> None:
    test_file = tree.parent / "policies" / "rego" / "data_in_france" / "data_in_france_test.rego"
    test_file.write_text(test_file.read_text(encoding="utf-8").replace(
        'contains(finding.message, "located in DE")', 'contains(finding.message, "Berlin")'),
        encoding="utf-8")

    result = run_cli("test", str(tree.parent / "policies" / "rego"))

    assert result.exit_code == 1
    assert (f"FAIL: sovlint.rules.acme_data_in_france_test.test_store_in_frankfurt_is_reported "
            f"[{test_file.as_posix()}] test is false or undefined") in result.stdout.splitlines()


def test_builtin_tests_run_through_the_command() -> None:
    result = run_cli("test", "-v")

    assert result.exit_code == 0, result.output
    assert "PASS: sovlint.rules.non_eu_region_test.test_store_in_paris_passes" in result.stdout
    assert result.stdout.splitlines()[-1].endswith(" passed, 0 failed")


# --- errors users can act on -----------------------------------------------------------------


def test_policy_syntax_error_names_file_and_line(tree: Path) -> None:
    policy = tree.parent / "policies" / "rego" / "eu_headquartered_provider" / \
        "eu_headquartered_provider.rego"
    policy.write_text(policy.read_text(encoding="utf-8").replace(
        'not resource.provider.hq_country in eu_member_states',
        'not resource.provider.hq_country in eu_member_states {'), encoding="utf-8")

    result = run_cli("scan", ".", *TRUSTED, cwd=tree)

    assert result.exit_code == 2
    assert result.stderr == (f"sovlint: policy error: {policy.as_posix()}:38:58: expecting `}}` "
                             "while parsing query\n")


def test_python_rule_error_is_a_clear_message_not_a_traceback(tree: Path) -> None:
    module = tree.parent / "policies" / "python" / "acme_sovereignty.py"
    module.write_text(module.read_text(encoding="utf-8").replace(
        'target = flow["target"]', 'target = flow["destination"]'), encoding="utf-8")

    result = run_cli("scan", ".", *TRUSTED, cwd=tree)

    assert result.exit_code == 2
    assert result.stderr == (
        f"sovlint: policy error: {module.as_posix()}:26: Python rule ACME004 "
        f"({module.as_posix()}:11) raised KeyError: 'destination' on "
        "aws_s3_bucket_replication_configuration.patient_records\n")
    assert "Traceback" not in result.output


def test_custom_rule_with_a_builtin_id_is_a_usage_error(tree: Path) -> None:
    policy = tree.parent / "policies" / "rego" / "data_in_france" / "data_in_france.rego"
    policy.write_text(policy.read_text(encoding="utf-8").replace("ACME001", "SOV001"),
                      encoding="utf-8")

    result = run_cli("scan", ".", *TRUSTED, cwd=tree)

    assert result.exit_code == 2
    assert "data_in_france.rego:1: rule id 'SOV001' is reserved" in result.stderr


# --- --dump-input ----------------------------------------------------------------------------


def test_dump_input_prints_the_document_policies_see(tmp_path: Path) -> None:
    first = run_cli("scan", "--dump-input", "fixtures/aws-health-records")
    second = run_cli("scan", "--dump-input", "fixtures/aws-health-records", "--output",
                     str(tmp_path / "input.json"))

    assert first.exit_code == 0 and second.exit_code == 0
    assert (tmp_path / "input.json").read_text(encoding="utf-8") == first.stdout  # same bytes
    document = json.loads(first.stdout)
    assert sorted(document) == ["config", "errors", "resources"]
    dr = next(r for r in document["resources"] if r["address"] == "aws_s3_bucket.dr")
    assert (dr["source"]["file"], dr["location"]["region"], dr["provider"]["alias"]) == (
        "fixtures/aws-health-records/storage.tf", "us-east-1", "dr")


def test_dump_input_does_not_load_policies(tmp_path: Path) -> None:
    (tmp_path / ".sovlint.yaml").write_text("policies: [broken]\n", encoding="utf-8")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "x.rego").write_text("package x\n\nnot rego\n", encoding="utf-8")
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {}\n', encoding="utf-8")

    result = run_cli("scan", "--dump-input", ".", cwd=tmp_path)

    assert result.exit_code == 0
    assert json.loads(result.stdout)["resources"][0]["address"] == "aws_s3_bucket.b"


# --- --opa-url -------------------------------------------------------------------------------


class FakeOpaEngine:
    """Stands in for the remote engine: records how it was built, answers one deny."""

    built: ClassVar[list[tuple[str, list[Path], float]]] = []

    def __init__(self, url: str, metadata_dirs: list[Path], *, timeout: float = 300.0) -> None:
        FakeOpaEngine.built.append((url, list(metadata_dirs), timeout))

    def rules(self) -> dict[str, Any]:
        return {}

    def evaluate(self, input_document: dict[str, Any]) -> list[Any]:
        from sovlint.engine import Deny

        return [Deny("ACME001", "aws_s3_bucket.records_replica", "remote says no")]


def test_opa_url_builds_the_remote_engine_with_the_python_policies(
        tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sovlint.engine.opa

    monkeypatch.setattr(sovlint.engine.opa, "OpaEngine", FakeOpaEngine)
    FakeOpaEngine.built.clear()
    config = tree / ".sovlint.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "opa: {timeout: 42}\n",
                      encoding="utf-8")

    _, report = scan_json(".", *TRUSTED, "--opa-url", "http://opa.internal:8181", cwd=tree)

    [(url, directories, timeout)] = FakeOpaEngine.built
    assert (url, timeout) == ("http://opa.internal:8181", 42.0)
    from sovlint.resources import builtin_policies_dir

    # The installed package's copy of the built-in policies (not the source tree's).
    assert directories[0] == builtin_policies_dir()
    assert directories[1:] == [tree.parent / "policies" / "rego"]
    assert sorted({f["rule_id"] for f in report["findings"]}) == ["ACME001", "ACME004"]


def test_rules_lists_the_configured_custom_rules_with_their_severity() -> None:
    result = run_cli("rules", *TRUSTED, cwd=CUSTOM / "infra")
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[1:]}
    assert rows["SOV001"][0] == "non-eu-region"
    # ACME002 is configured down to medium in the fixture's .sovlint.yaml.
    assert rows["ACME002"] == ["eu-headquartered-provider", "medium", "custom"]
    assert rows["ACME004"] == ["copies-stay-in-france", "high", "custom"]


def test_explain_prints_a_custom_rules_metadata() -> None:
    result = run_cli("explain", "ACME004", *TRUSTED, cwd=CUSTOM / "infra")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# ACME004 copies-stay-in-france\n")
    assert "## How to fix" in result.stdout


def test_explain_names_custom_rules_among_the_known_ones() -> None:
    result = run_cli("explain", "ACME999", *TRUSTED, cwd=CUSTOM / "infra")
    assert result.exit_code == 2
    assert "ACME003" in result.stderr
