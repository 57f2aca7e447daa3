"""`sovlint init`, `sovlint config` and the configuration's JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from helpers import FIXTURES, run_cli

from sovlint.config import ConfigError, load_config
from sovlint.configschema import STARTER, schema

jsonschema = pytest.importorskip("jsonschema")


@pytest.fixture(scope="module")
def validator() -> object:
    document = schema()
    jsonschema.Draft202012Validator.check_schema(document)
    return jsonschema.Draft202012Validator(document)


def test_init_writes_the_starter_and_refuses_to_overwrite(tmp_path: Path) -> None:
    first = run_cli("init", cwd=tmp_path)
    (tmp_path / ".sovlint.yaml").write_text("profile: residency\n")
    second = run_cli("init", cwd=tmp_path)

    assert first.exit_code == 0
    assert second.exit_code == 2
    assert ".sovlint.yaml exists; not overwritten" in second.output
    assert (tmp_path / ".sovlint.yaml").read_text() == "profile: residency\n"


def test_starter_file_is_a_valid_configuration_for_sovlint_and_the_schema(
        tmp_path: Path, validator: object) -> None:
    run_cli("init", str(tmp_path / "infra"), cwd=tmp_path)
    path = tmp_path / "infra" / ".sovlint.yaml"

    assert path.read_text() == STARTER
    config = load_config(path)
    assert (config.profile, config.fail_on, config.allow_countries) == (
        "sovereign", "low", ("EU", "EEA"))
    validator.validate(yaml.safe_load(STARTER))  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", sorted(FIXTURES.rglob(".sovlint.yaml")),
                         ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_fixture_configuration_validates_against_the_schema(
        path: Path, validator: object) -> None:
    validator.validate(yaml.safe_load(path.read_text()))  # type: ignore[attr-defined]


@pytest.mark.parametrize("text", ["profil: residency\n", "fail_on: severe\n",
                                  "rules: {SOV001: maybe}\n", "allow: {country: [FR]}\n"])
def test_schema_and_sovlint_reject_the_same_mistakes(tmp_path: Path, text: str,
                                                    validator: object) -> None:
    (tmp_path / ".sovlint.yaml").write_text(text)

    assert list(validator.iter_errors(yaml.safe_load(text)))  # type: ignore[attr-defined]
    with pytest.raises(ConfigError):
        load_config(tmp_path / ".sovlint.yaml")


def test_config_says_where_each_value_comes_from(tmp_path: Path) -> None:
    (tmp_path / ".sovlint.yaml").write_text("profile: residency\nrules:\n  SOV006: off\n")

    output = run_cli("config", cwd=tmp_path)

    assert output.exit_code == 0
    lines = output.stdout.splitlines()
    assert lines[:3] == ["# configuration: .sovlint.yaml", "# profile: from .sovlint.yaml",
                         "profile: residency"]
    assert "# fail_on: default" in lines
    assert "rules: {SOV006: 'off'}" in lines


def test_config_schema_prints_the_shipped_schema() -> None:
    output = run_cli("config", "--schema")

    assert output.exit_code == 0
    assert json.loads(output.stdout) == schema()
