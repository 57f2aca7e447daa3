"""Fixtures shared by the tests (helpers live in helpers.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from helpers import FIXTURES, run_cli


@pytest.fixture()
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture()
def cli() -> Callable[..., Result]:
    return run_cli


@pytest.fixture()
def scan_json() -> Callable[..., tuple[int, dict[str, Any]]]:
    """(exit code, JSON report) of `sovlint scan ARGS --format json`."""

    def run(*args: str, cwd: Path | None = None, input: str | None = None) -> tuple[
            int, dict[str, Any]]:
        result = run_cli("scan", *args, "--format", "json", cwd=cwd, input=input)
        assert result.exit_code in (0, 1), result.output
        return result.exit_code, json.loads(result.stdout)

    return run


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The parse cache of the tests and its signing key live in a temporary directory, never
    the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.getbasetemp() / "state"))
