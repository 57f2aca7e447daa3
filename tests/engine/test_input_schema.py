"""The input document is a published contract: sovlint/schemas/input.schema.json describes
exactly what the scanner gives policies, on every fixture."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from helpers import FIXTURES, REPO

from sovlint.config import load_config
from sovlint.policy import INPUT_SCHEMA, input_schema
from sovlint.scan import policy_input, scan

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FIXTURE_DIRS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


class _Recorder:
    def __init__(self) -> None:
        self.document: dict[str, Any] = {}

    def rules(self) -> dict[str, Any]:
        return {}

    def evaluate(self, input_document: dict[str, Any]) -> list[Any]:
        self.document = input_document
        return []


def _validator() -> jsonschema.Draft202012Validator:
    schema = input_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("fixture", FIXTURE_DIRS)
def test_scanner_input_matches_the_schema(fixture: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    target = f"fixtures/{fixture}"
    recorder = _Recorder()
    scan([target], load_config(None, start=(REPO / target).absolute()), engine=recorder)

    errors = [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
              for error in _validator().iter_errors(recorder.document)]

    assert recorder.document["resources"] or fixture == "helm-chart"  # needs helm on PATH
    assert errors == []


def test_schema_rejects_a_field_it_does_not_describe() -> None:
    from sovlint.config import Config

    document = policy_input([], [], Config())
    document["resources"] = [{"address": "a.b", "colour": "red"}]

    assert not _validator().is_valid(document)


def test_schema_ships_with_the_package() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))

    assert "schemas/*.json" in pyproject["tool"]["setuptools"]["package-data"]["sovlint"]
    assert INPUT_SCHEMA.parent.name == "schemas"
    assert Path(INPUT_SCHEMA).is_file()
