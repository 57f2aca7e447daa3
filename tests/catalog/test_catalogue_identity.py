"""The catalogue's identity (data/catalogue.yaml): its reviewed date and the provider schemas
the type tables were generated from, shown by --version, the HTML report and the SARIF driver."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
import yaml
from helpers import run_cli

from sovlint import __version__, catalog
from sovlint.catalog import catalogue_identity


@pytest.fixture
def fresh_identity() -> Iterator[None]:
    catalogue_identity.cache_clear()
    yield
    catalogue_identity.cache_clear()


def _with_document(monkeypatch: pytest.MonkeyPatch, document: Any) -> None:
    real = catalog.load_data
    monkeypatch.setattr(catalog, "load_data",
                        lambda name: document if name == "catalogue.yaml" else real(name))


def test_the_shipped_catalogue_has_a_well_formed_reviewed_date(fresh_identity: None) -> None:
    raw = resources.files("sovlint.catalog").joinpath("data/catalogue.yaml").read_text()
    written = yaml.safe_load(raw)["catalogue_date"]
    assert isinstance(written, str), "catalogue_date must be quoted (a string, not a YAML date)"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", written)
    datetime.date.fromisoformat(written)
    assert catalogue_identity().date == written


def test_the_listed_schemas_are_those_of_the_type_tables(fresh_identity: None) -> None:
    data = resources.files("sovlint.catalog").joinpath("data")
    tables = sorted(entry.name for entry in data.iterdir()
                    if entry.name.startswith("types_") and entry.name.endswith(".yaml"))
    assert tables
    generated = {yaml.safe_load(data.joinpath(name).read_text())["schema"]["provider"]
                 for name in tables}
    assert set(catalogue_identity().schemas) == generated


@pytest.mark.parametrize("document", [
    {"schemas": ["hashicorp/aws 6.25.0"]},  # missing
    {"catalogue_date": datetime.date(2026, 12, 2), "schemas": []},  # unquoted YAML date
    {"catalogue_date": "2026-13-02", "schemas": []},  # no 13th month
    {"catalogue_date": "02.12.2026", "schemas": []},
    {"catalogue_date": "2026-12-02T00:00", "schemas": []},
    {"catalogue_date": "", "schemas": []},
    "2026-12-02",
])
def test_a_missing_or_malformed_date_is_an_error_naming_the_file(
        fresh_identity: None, monkeypatch: pytest.MonkeyPatch, document: Any) -> None:
    _with_document(monkeypatch, document)
    with pytest.raises(ValueError, match=r"catalogue\.yaml"):
        catalogue_identity()


def test_schemas_must_be_a_list_of_names(fresh_identity: None,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _with_document(monkeypatch, {"catalogue_date": "2026-12-02", "schemas": "hashicorp/aws"})
    with pytest.raises(ValueError, match="schemas"):
        catalogue_identity()


def test_version_names_the_catalogue_date() -> None:
    result = run_cli("--version")
    assert result.exit_code == 0
    assert result.stdout == f"sovlint {__version__}, catalogue {catalogue_identity().date}\n"


def test_sarif_driver_and_html_report_state_the_catalogue_date() -> None:
    date = catalogue_identity().date
    sarif = run_cli("scan", "fixtures/flows", "--format", "sarif", "--jobs", "1")
    driver = json.loads(sarif.stdout)["runs"][0]["tool"]["driver"]
    assert driver["properties"]["catalogueDate"] == date
    assert driver["properties"]["catalogueSchemas"] == list(catalogue_identity().schemas)
    assert f"(catalogue {date})" in driver["fullName"]
    page = run_cli("scan", "fixtures/flows", "--format", "html", "--no-timestamp", "--jobs", "1")
    assert f"reviewed {date}" in page.stdout
