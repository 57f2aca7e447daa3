"""The trust boundary: a configuration inside the scanned repository is written by whoever wrote
the change under review. It may choose rules and scope, never run code, send data to a server or
switch the gate off, unless the user trusts it (`--config`, `$SOVLINT_CONFIG`,
`--trust-repo-config`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli

from sovlint.config import TRUSTED_CONFIG_ENV, load_config
from sovlint.engine import PolicyError
from sovlint.engine.metadata import RuleMetadata
from sovlint.engine.opa import check_answer

US_BUCKET = 'resource "aws_s3_bucket" "b" {\n  region = "us-east-1"\n}\n'

# Importing this module leaves a mark: the test sees whether sovlint ran the repository's code.
PLANTED_POLICY = '''\
from pathlib import Path

Path(__file__).with_name("IMPORTED").write_text("the repository's code ran")
'''


def repository(tmp_path: Path, config: str) -> Path:
    """A repository under review holding a bucket in the US and a `.sovlint.yaml`."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "main.tf").write_text(US_BUCKET, encoding="utf-8")
    (repo / ".sovlint.yaml").write_text(config, encoding="utf-8")
    (repo / "evil.py").write_text(PLANTED_POLICY, encoding="utf-8")
    return repo


def scan_json(repo: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = run_cli("scan", ".", "--format", "json", *args, cwd=repo)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def diagnostics(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(d["file"], d["message"]) for d in report["diagnostics"]]


def test_a_repository_config_cannot_import_a_python_policy(tmp_path: Path) -> None:
    repo = repository(tmp_path, "policies: [evil.py]\n")

    code, report = scan_json(repo)

    assert not (repo / "IMPORTED").exists()
    assert code == 1
    [(file, message)] = diagnostics(report)
    assert file == ".sovlint.yaml"
    assert message.startswith("policies: evil.py not loaded: a configuration inside the "
                              "scanned repository may not load Python code")


def test_a_python_module_name_is_refused_too(tmp_path: Path) -> None:
    repo = repository(tmp_path, "policies: ['python:evil']\n")

    _, report = scan_json(repo)

    assert not (repo / "IMPORTED").exists()
    assert "policies: python:evil not loaded" in diagnostics(report)[0][1]


def test_trust_repo_config_lets_the_repository_load_its_policy(tmp_path: Path) -> None:
    repo = repository(tmp_path, "policies: [evil.py]\n")

    result = run_cli("scan", ".", "--trust-repo-config", cwd=repo)

    # The planted module defines no rule: loading it is what this test looks for.
    assert (repo / "IMPORTED").exists()
    assert result.exit_code == 2
    assert "defines no @rule function" in result.stderr


def test_a_config_named_on_the_command_line_is_trusted(tmp_path: Path) -> None:
    repo = repository(tmp_path, "policies: [evil.py]\n")

    run_cli("scan", ".", "--config", ".sovlint.yaml", cwd=repo)

    assert (repo / "IMPORTED").exists()


def test_a_config_named_in_the_environment_is_trusted_and_replaces_the_repositorys(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = repository(tmp_path, "fail_on: critical\n")
    trusted = tmp_path / "ci.yaml"
    trusted.write_text("fail_on: high\n", encoding="utf-8")
    monkeypatch.setenv(TRUSTED_CONFIG_ENV, str(trusted))

    config = load_config(start=repo)

    assert (config.fail_on, config.trusted, config.refused) == ("high", True, ())


def test_rego_policies_outside_the_repository_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "p.rego").write_text("package x\n", encoding="utf-8")
    repo = repository(tmp_path, "policies: [../elsewhere, rego]\n")
    (repo / "rego").mkdir()

    config = load_config(start=repo)

    assert config.policies == (str(repo / "rego"),)
    [(key, message)] = config.refused
    assert key == "policies"
    assert message.startswith("policies: ")
    assert "it is outside the scanned repository" in message


def test_a_repository_config_cannot_set_an_opa_server(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sovlint.engine.opa

    def no_server(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("an OPA engine was built from the repository's configuration")

    monkeypatch.setattr(sovlint.engine.opa, "OpaEngine", no_server)
    monkeypatch.setenv("SOVLINT_OPA_TOKEN", "secret-token")
    repo = repository(tmp_path, "opa: {url: 'http://attacker.example:8181'}\n")

    code, report = scan_json(repo)

    assert code == 1  # the embedded engine evaluated the rules
    assert {f["rule_id"] for f in report["findings"]} >= {"SOV001"}
    [(_, message)] = diagnostics(report)
    assert message.startswith("opa.url not used")
    assert "secret-token" not in json.dumps(report)


def test_a_repository_config_cannot_lower_the_gate(tmp_path: Path) -> None:
    repo = repository(tmp_path, "fail_on: critical\n")

    code, report = scan_json(repo)

    assert code == 1  # SOV001 (high) still fails the scan
    assert report["summary"]["passed"] is False
    [(_, message)] = diagnostics(report)
    assert message.startswith("fail_on: critical not applied (the gate stays at low)")


def test_the_command_line_may_lower_the_gate(tmp_path: Path) -> None:
    repo = repository(tmp_path, "fail_on: critical\n")

    code, report = scan_json(repo, "--fail-on", "critical")

    assert code == 0
    assert diagnostics(report) == []


def test_rules_and_scope_of_a_repository_config_still_apply(tmp_path: Path) -> None:
    repo = repository(tmp_path, "rules: {SOV001: {severity: low}}\nfail_on: low\n")

    _, report = scan_json(repo)

    [finding] = [f for f in report["findings"] if f["rule_id"] == "SOV001"]
    assert finding["severity"] == "low"
    # Applied, and shown to the reviewer: the change under review lowered a check.
    assert diagnostics(report) == [(".sovlint.yaml", "rules.SOV001.severity: low (the rule's "
                                    "is high), set by a configuration inside the scanned "
                                    "repository")]


def test_a_rule_a_repository_config_turns_off_is_reported(tmp_path: Path) -> None:
    repo = repository(tmp_path, "rules:\n  SOV001: off\n  SOV002: {severity: critical}\n")

    _, report = scan_json(repo)

    assert not [f for f in report["findings"] if f["rule_id"] == "SOV001"]
    # Raising a severity is no news; turning a rule off is.
    assert diagnostics(report) == [(".sovlint.yaml", "rules.SOV001: off, set by a "
                                    "configuration inside the scanned repository: SOV001 is "
                                    "not checked")]


def test_a_trusted_config_turning_a_rule_off_is_not_reported(tmp_path: Path) -> None:
    repo = repository(tmp_path, "rules:\n  SOV001: off\n")

    _, report = scan_json(repo, "--trust-repo-config")

    assert not [f for f in report["findings"] if f["rule_id"] == "SOV001"]
    assert diagnostics(report) == []


def test_a_rule_named_on_the_command_line_runs_whatever_the_config_says(
        tmp_path: Path) -> None:
    repo = repository(tmp_path, "rules:\n  SOV001: off\n")

    code, report = scan_json(repo, "--rule", "SOV001")

    assert code == 1
    assert [f["rule_id"] for f in report["findings"]] == ["SOV001"]
    assert diagnostics(report) == []


@pytest.mark.parametrize("setting", ["off", "{severity: low}", "{enabled: false}"])
def test_a_repository_config_cannot_silence_parse_errors(tmp_path: Path, setting: str) -> None:
    repo = repository(tmp_path, f"rules:\n  SOV000: {setting}\n")
    (repo / "broken.tf").write_text('resource "aws_s3_bucket" "x" {\n  bucket =\n',
                                    encoding="utf-8")

    code, report = scan_json(repo, "--fail-on", "high")

    assert code == 1  # the file sovlint cannot read still fails the gate
    [error] = [f for f in report["findings"] if f["rule_id"] == "SOV000"]
    assert (error["file"], error["severity"]) == ("broken.tf", "high")
    [(_, message)] = [d for d in diagnostics(report) if "SOV000" in d[1]]
    assert message.startswith("rules.SOV000: not applied (files that cannot be read or "
                              "evaluated stay errors)")


def test_a_config_symlink_leaving_the_repository_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("profile: top-secret-value\n", encoding="utf-8")
    repo = repository(tmp_path, "")
    (repo / ".sovlint.yaml").unlink()
    (repo / ".sovlint.yaml").symlink_to(secret)

    result = run_cli("scan", ".", "--format", "json", cwd=repo)

    assert result.exit_code == 1
    assert "top-secret-value" not in result.output
    assert (".sovlint.yaml", "symbolic link to a file outside the repository: not followed, "
            "not read") in diagnostics(json.loads(result.stdout))


def test_python_m_sovlint_does_not_import_from_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(US_BUCKET, encoding="utf-8")
    for name in ("click.py", "regorus.py", "yaml.py"):
        (tmp_path / name).write_text(
            "raise SystemExit('imported ' + __file__)\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}

    result = subprocess.run([sys.executable, "-m", "sovlint", "scan", ".", "--format", "json",
                             "--no-cache"], cwd=tmp_path, capture_output=True, text=True,
                            env=env, timeout=120, check=False)

    assert "imported" not in result.stderr, result.stderr
    assert result.returncode == 1
    assert json.loads(result.stdout)["summary"]["findings"] >= 1


# --- an OPA answer that evaluated nothing ----------------------------------------------------


RULE = RuleMetadata(id="SOV001", name="non-eu-region", title="t", severity="high",
                    package="sovlint.rules.non_eu_region")


@pytest.mark.parametrize("answer", [{}, {"non_eu_region": {}}, {"non_eu_region": {"deny": {}}},
                                    [], None, "ok"])
def test_an_opa_answer_without_the_rules_is_an_error_not_a_pass(answer: Any) -> None:
    with pytest.raises(PolicyError, match="OPA at http://opa:8181"):
        check_answer(answer, [RULE], "http://opa:8181")


def test_an_opa_answer_with_an_empty_deny_set_is_accepted() -> None:
    check_answer({"non_eu_region": {"deny": []}}, [RULE], "http://opa:8181")

