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


# --- the cache holds data, not code ----------------------------------------------------------


class _Planted:
    """Unpickling this runs code: what a planted cache entry would do."""

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (Path.touch, (str(_PLANTED_MARK),))


_PLANTED_MARK = Path("/nonexistent")


def _entries(root: Path) -> list[Path]:
    return sorted(root.rglob("*.pickle"))


def test_a_planted_pickle_is_never_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pickle

    global _PLANTED_MARK
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(CONFIG)
    first = run_cli("scan", ".", "--format", "json", cwd=tmp_path / "infra")
    _PLANTED_MARK = tmp_path / "code-ran"
    for entry in _entries(tmp_path / "cache"):
        entry.write_bytes(pickle.dumps(_Planted()))  # a plain pickle, as an attacker plants it

    second = run_cli("scan", ".", "--format", "json", cwd=tmp_path / "infra")

    assert not _PLANTED_MARK.exists()
    assert second.stdout == first.stdout  # parsed again


def test_a_garbled_entry_is_dropped_and_parsed_again(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "main.tf").write_text(CONFIG)
    first = run_cli("scan", ".", "--format", "json", cwd=infra)
    [entry] = [e for e in _entries(tmp_path / "cache") if "parse-" in str(e)]
    blob = bytearray(entry.read_bytes())
    blob[-5] ^= 0xFF  # one flipped byte in the payload
    entry.write_bytes(bytes(blob))
    for kept in _entries(tmp_path / "cache"):
        if "roots-" in str(kept):
            kept.unlink()  # the directory's evaluation, which would not parse anything
    monkeypatch.setattr(scan_module, "parse_hcl", broken_parser)

    with pytest.raises(AssertionError, match="parsed again"):
        run_cli("scan", ".", "--format", "json", cwd=infra)
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert run_cli("scan", ".", "--format", "json", cwd=infra).stdout == first.stdout


def test_an_entry_signed_with_another_key_is_not_loaded(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from sovlint import cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    text = "a: 1\n"
    monkeypatch.setattr(cache, "_data_cache_enabled", True)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "other-user"))
    cache.load_yaml_data(text)
    [entry] = _entries(tmp_path / "cache")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "this-user"))

    assert cache.read_entry(entry) is None
    assert not entry.exists()  # dropped


def test_a_value_nested_too_deep_to_pickle_is_not_cached(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from sovlint import cache

    deep: list[Any] = []
    for _ in range(100_000):  # deeper than the recursion limit, as a 300-deep HCL tree gets
        deep = [deep]
    entry = tmp_path / "cache" / "deep.pickle"

    cache._write_pickle(entry, deep)  # no RecursionError

    assert not entry.exists()


def test_no_cache_writes_no_configuration_cache(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".sovlint.yaml").write_text("profile: residency\n")
    (repo / "main.tf").write_text(CONFIG)

    run_cli("scan", ".", "--no-cache", cwd=repo)

    assert not (tmp_path / "cache").exists()
