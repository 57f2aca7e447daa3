"""The parse cache: a second scan reuses parsed files; --no-cache reads nothing from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli

from sovlint import scan as scan_module

CONFIG = 'provider "aws" { region = "us-east-1" }\nresource "aws_s3_bucket" "b" {}\n'


def broken_parser(*args: Any) -> Any:
    raise AssertionError("parsed again")


def test_second_scan_reads_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(CONFIG)
    first = run_cli("scan", "infra", "--format", "json", cwd=tmp_path)
    monkeypatch.setattr(scan_module, "parse_hcl", broken_parser)
    second = run_cli("scan", "infra", "--format", "json", cwd=tmp_path)
    assert second.stdout == first.stdout
    assert list((tmp_path / "cache" / "sovlint").glob("parse-*/*/*.pickle"))


def test_changed_content_is_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "main.tf").write_text(CONFIG)
    run_cli("scan", ".", cwd=tmp_path)
    (tmp_path / "main.tf").write_text(CONFIG.replace("us-east-1", "eu-west-3"))
    result = run_cli("scan", ".", "--profile", "residency", cwd=tmp_path)
    assert result.exit_code == 0


def test_no_cache_does_not_use_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "main.tf").write_text(CONFIG)
    run_cli("scan", ".", "--no-cache", cwd=tmp_path)
    assert not (tmp_path / "cache").exists()


def test_catalogue_data_is_kept_as_a_pickle_and_read_back_equal(tmp_path: Path,
                                                                 monkeypatch: Any) -> None:
    from sovlint import cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(cache, "_data_cache_enabled", True)
    text = "regions:\n  eu-west-3: {country: FR}\n"
    first = cache.load_yaml_data(text)
    pickles = list(tmp_path.rglob("*.pickle"))
    assert len(pickles) == 1
    assert cache.load_yaml_data(text) == first == {"regions": {"eu-west-3": {"country": "FR"}}}
    # An edited data file has another key: never read stale.
    assert cache.load_yaml_data(text.replace("FR", "DE")) == {"regions": {"eu-west-3":
                                                                          {"country": "DE"}}}
    assert len(list(tmp_path.rglob("*.pickle"))) == 2


def test_no_cache_reads_the_catalogue_data_directly(tmp_path: Path, monkeypatch: Any) -> None:
    from sovlint import cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(cache, "_data_cache_enabled", True)
    cache.use_data_cache(False)
    assert cache.load_yaml_data("a: 1\n") == {"a": 1}
    assert list(tmp_path.rglob("*.pickle")) == []
