"""Configuration: finding the file, validating every key, profiles and overrides (SPEC §5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli

from sovlint.config import (
    ClusterLocation,
    Config,
    ConfigError,
    RuleSetting,
    find_config_file,
    load_config,
    parse_config,
    rule_enabled,
    rule_ignorable,
    rule_severity,
    with_overrides,
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_yaml(tmp_path: Path, text: str) -> Config:
    return load_config(write(tmp_path / ".sovlint.yaml", text))


# --- finding the file ------------------------------------------------------------------------


def test_nearest_sovlint_yaml_wins(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".sovlint.yaml", "profile: sovereign\n")
    nearer = write(tmp_path / "infra" / ".sovlint.yaml", "profile: residency\n")
    (tmp_path / "infra" / "prod").mkdir()

    assert find_config_file(tmp_path / "infra" / "prod") == nearer.resolve()


def test_search_starts_from_a_files_directory(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    config = write(tmp_path / "infra" / ".sovlint.yaml", "")
    main_tf = write(tmp_path / "infra" / "main.tf", "")

    assert find_config_file(main_tf) == config.resolve()


def test_search_stops_at_repository_root(tmp_path: Path) -> None:
    write(tmp_path / ".sovlint.yaml", "profile: residency\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "infra").mkdir()

    assert find_config_file(repo / "infra") is None


def test_config_in_repository_root_is_found(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    config = write(tmp_path / ".sovlint.yaml", "")
    (tmp_path / "infra").mkdir()

    assert find_config_file(tmp_path / "infra") == config.resolve()


def test_sovlint_yml_is_accepted(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    config = write(tmp_path / ".sovlint.yml", "")

    assert find_config_file(tmp_path) == config.resolve()


def test_pyproject_tool_sovlint_is_found(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    pyproject = write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.sovlint]\nprofile = "residency"\nfail_on = "high"\n',
    )

    assert find_config_file(tmp_path) == pyproject.resolve()
    config = load_config(start=tmp_path, trust_repo=True)
    assert (config.profile, config.fail_on) == ("residency", "high")


def test_pyproject_without_tool_sovlint_is_ignored(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')

    assert find_config_file(tmp_path) is None


def test_sovlint_yaml_wins_over_pyproject_in_same_directory(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pyproject.toml", '[tool.sovlint]\nprofile = "residency"\n')
    config = write(tmp_path / ".sovlint.yaml", "profile: sovereign\n")

    assert find_config_file(tmp_path) == config.resolve()


def test_no_config_gives_defaults_rooted_at_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)

    config = load_config()

    assert config == Config(base_dir=str(tmp_path.resolve()))


def test_explicit_config_path_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "missing.yaml")


def test_base_dir_is_the_config_files_directory(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "infra" / ".sovlint.yaml", "policies: [rego]\n"))

    assert config.base_dir == str((tmp_path / "infra").resolve())
    assert config.policies == (str((tmp_path / "infra" / "rego").resolve()),)


# --- values ----------------------------------------------------------------------------------


def test_empty_file_gives_defaults(tmp_path: Path) -> None:
    config = load_yaml(tmp_path, "")

    assert config.profile == "sovereign"
    assert config.allow_countries == ("EU", "EEA")
    assert config.fail_on == "low"
    assert config.rules == {}


def test_full_example_from_the_specification(tmp_path: Path) -> None:
    config = load_yaml(
        tmp_path,
        """
profile: residency
allow:
  countries: [EU, ch]
  providers: [aws-eusc]
scope:
  tags: {data-classification: [health, phi], owner: dpo}
  paths: ["infra/health/**"]
rules:
  SOV006: off
  SOV003: {ignorable: false}
  SOV004: {severity: high}
fail_on: medium
exclude: ["vendor/**"]
kubernetes:
  cluster: {provider: ovh, region: GRA}
""",
    )

    assert config.profile == "residency"
    assert config.allow_countries == ("EU", "CH")
    assert config.allow_providers == ("aws-eusc",)
    assert config.scope_tags == {"data-classification": ("health", "phi"), "owner": ("dpo",)}
    assert config.scope_paths == ("infra/health/**",)
    assert config.rules == {
        "SOV006": RuleSetting(enabled=False),
        "SOV003": RuleSetting(ignorable=False),
        "SOV004": RuleSetting(severity="high"),
    }
    assert config.fail_on == "medium"
    assert config.exclude == ("vendor/**",)
    assert config.kubernetes_cluster == ClusterLocation(provider="ovh", region="GRA")


@pytest.mark.parametrize("value", ["off", "false", "'off'", "{enabled: false}"])
def test_off_and_false_both_disable_a_rule(tmp_path: Path, value: str) -> None:
    config = load_yaml(tmp_path, f"rules:\n  SOV006: {value}\n")

    assert config.rules["SOV006"].enabled is False
    assert rule_enabled(config, "SOV006") is False


def test_unquoted_no_is_norway(tmp_path: Path) -> None:
    config = load_yaml(tmp_path, "allow:\n  countries: [EU, NO]\n")

    assert config.allow_countries == ("EU", "NO")


def test_custom_rule_id_is_accepted(tmp_path: Path) -> None:
    config = load_yaml(tmp_path, "rules:\n  ACME-001: {severity: critical}\n")

    assert config.rules == {"ACME-001": RuleSetting(severity="critical")}


# --- errors ----------------------------------------------------------------------------------


def test_unknown_top_level_key_names_the_key_and_the_accepted_keys() -> None:
    with pytest.raises(ConfigError) as error:
        parse_config({"scpoe": {}}, ".sovlint.yaml", ".")

    assert str(error.value) == (
        "config .sovlint.yaml: unknown key 'scpoe' (expected one of: allow, exclude, fail_on, "
        "kubernetes, opa, policies, profile, resource_types, rules, scope, terraform; "
        "did you mean 'scope'?)"
    )


def test_unknown_key_in_a_found_file_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "infra" / ".sovlint.yaml", "scpoe: {}\n")
    monkeypatch.chdir(tmp_path)

    with pytest.raises(ConfigError, match=r"^config infra/\.sovlint\.yaml: unknown key 'scpoe'"):
        load_config(start=tmp_path / "infra")


def test_unknown_nested_key_names_its_path() -> None:
    with pytest.raises(
        ConfigError, match=r"unknown key 'scope\.tagz' \(expected one of: paths, tags;"
    ):
        parse_config({"scope": {"tagz": {}}}, ".sovlint.yaml", ".")


def test_unknown_builtin_rule_is_an_error() -> None:
    with pytest.raises(ConfigError,
                       match=r"^config \.sovlint\.yaml: unknown rule id 'rules\.SOV009'"):
        parse_config({"rules": {"SOV009": "off"}}, ".sovlint.yaml", ".")


def test_custom_rule_id_must_not_start_with_sov() -> None:
    with pytest.raises(ConfigError, match=r"unknown rule id 'rules\.SOVEREIGN'"):
        parse_config({"rules": {"SOVEREIGN": "off"}}, ".sovlint.yaml", ".")


def test_unknown_key_in_a_rule_setting() -> None:
    with pytest.raises(ConfigError, match=r"unknown key 'rules\.SOV003\.severty'"):
        parse_config({"rules": {"SOV003": {"severty": "low"}}}, ".sovlint.yaml", ".")


def test_bad_profile_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"'profile': expected one of residency, sovereign"):
        parse_config({"profile": "strict"}, ".sovlint.yaml", ".")


def test_bad_severity_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"'rules\.SOV001\.severity': expected one of low, "):
        parse_config({"rules": {"SOV001": {"severity": "urgent"}}}, ".sovlint.yaml", ".")


def test_bad_fail_on_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"'fail_on': expected one of low, medium, high"):
        parse_config({"fail_on": "never"}, ".sovlint.yaml", ".")


def test_country_must_be_a_group_or_iso_code() -> None:
    with pytest.raises(ConfigError, match=r"'allow\.countries\[1\]': 'France' is neither"):
        parse_config({"allow": {"countries": ["EU", "France"]}}, ".sovlint.yaml", ".")


def test_ignorable_must_be_a_boolean() -> None:
    with pytest.raises(ConfigError, match=r"'rules\.SOV003\.ignorable': expected true or false"):
        parse_config({"rules": {"SOV003": {"ignorable": "no"}}}, ".sovlint.yaml", ".")


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"\.sovlint\.yaml:2: cannot parse YAML: mapping values are not allowed"
    ):
        load_yaml(tmp_path, "profile: sovereign\nfail_on: high: low\n")


def test_top_level_must_be_a_mapping() -> None:
    with pytest.raises(ConfigError, match="the top level: expected a mapping, got list"):
        parse_config(["profile"], ".sovlint.yaml", ".")


def test_broken_pyproject_mentioning_the_table_is_reported(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pyproject.toml", '[tool.sovlint]\nprofile = "residency\n')

    with pytest.raises(ConfigError, match=r"pyproject\.toml: cannot parse TOML"):
        load_config(start=tmp_path)


# --- profiles, rule settings and overrides ---------------------------------------------------


def test_residency_profile_excludes_sov002_sov006_sov007() -> None:
    config = Config(profile="residency")

    enabled = [f"SOV00{n}" for n in range(8) if rule_enabled(config, f"SOV00{n}")]

    assert enabled == ["SOV000", "SOV001", "SOV003", "SOV004", "SOV005"]


def test_sovereign_profile_enables_every_builtin_rule() -> None:
    config = Config()

    assert all(rule_enabled(config, f"SOV00{n}") for n in range(8))


def test_custom_rule_is_enabled_unless_turned_off() -> None:
    config = Config(profile="residency", rules={"ACME-002": RuleSetting(enabled=False)})

    assert rule_enabled(config, "ACME-001") is True
    assert rule_enabled(config, "ACME-002") is False


def test_rule_severity_override_and_default() -> None:
    config = Config(rules={"SOV004": RuleSetting(severity="high")})

    assert rule_severity(config, "SOV004", "medium") == "high"
    assert rule_severity(config, "SOV005", "medium") == "medium"


def test_rule_ignorable_follows_setting() -> None:
    config = Config(rules={"SOV003": RuleSetting(ignorable=False)})

    assert rule_ignorable(config, "SOV003") is False
    assert rule_ignorable(config, "SOV001") is True


def test_command_line_overrides_profile_fail_on_and_adds_policy_dirs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    rego = str(tmp_path / "rego")
    config = Config(policies=(rego,))

    overridden = with_overrides(
        config, profile="residency", fail_on="high",
        policy_dirs=["extra", rego, "python:acme.rules"],
    )

    assert overridden.profile == "residency"
    assert overridden.fail_on == "high"
    # Command-line paths are relative to the working directory; module names stay as written.
    assert overridden.policies == (rego, str(tmp_path / "extra"), "python:acme.rules")


def test_policies_keep_python_module_names_and_resolve_paths(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / ".sovlint.yaml",
                               "policies: [rego, checks/acme.py, 'python:acme.sovereignty']\n"))

    assert config.policies == (
        str((tmp_path / "rego").resolve()),
        str((tmp_path / "checks" / "acme.py").resolve()),
        "python:acme.sovereignty",
    )


def test_python_module_entry_must_be_a_dotted_name() -> None:
    with pytest.raises(ConfigError, match=r"'policies\[0\]': 'python:acme-rules' is not a "
                                          r"Python module name"):
        parse_config({"policies": ["python:acme-rules"]}, ".sovlint.yaml", ".")


def test_opa_url_and_timeout() -> None:
    config = parse_config({"opa": {"url": "https://opa.example.eu/", "timeout": 30}},
                          ".sovlint.yaml", ".")

    assert config.opa_url == "https://opa.example.eu"
    assert config.opa_timeout == 30.0
    assert parse_config({}, ".sovlint.yaml", ".").opa_url is None


@pytest.mark.parametrize(("opa", "message"), [
    ({"url": "opa.example.eu:8181"}, r"'opa.url': 'opa.example.eu:8181' is not an http"),
    ({"url": "http://opa:8181", "timeout": 0}, r"'opa.timeout': expected a positive number"),
    ({"address": "http://opa:8181"}, r"unknown key 'opa.address'"),
])
def test_bad_opa_settings_are_errors(opa: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config({"opa": opa}, ".sovlint.yaml", ".")


def test_command_line_opa_url_overrides_the_file() -> None:
    config = Config(opa_url="http://opa-a:8181")

    assert with_overrides(config, opa_url="http://opa-b:8181").opa_url == "http://opa-b:8181"


def test_command_line_override_with_unknown_profile_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"^command line: '--profile': expected one of"):
        with_overrides(Config(), profile="strict")


def test_unknown_rule_id_in_rules_names_the_closest_ids(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("")
    (tmp_path / ".sovlint.yaml").write_text("rules:\n  SOV01: off\n")
    result = run_cli("scan", str(tmp_path), cwd=tmp_path)
    assert result.exit_code == 2
    assert "unknown rule id 'rules.SOV01'" in result.output
    assert "did you mean SOV001" in result.output
