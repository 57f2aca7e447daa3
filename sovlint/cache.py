"""Caches in the user cache directory (`$XDG_CACHE_HOME/sovlint`, else `~/.cache/sovlint`):
parsed Terraform files keyed by content hash, sovlint version and the path they are reported
under; and the catalogue's YAML data files, loaded once and kept as pickles (reading YAML is
most of a one-file scan's start-up). Both are safe to delete and off with `--no-cache`."""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

from sovlint import __version__

_data_cache_enabled = True


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sovlint"


def cache_dir() -> Path:
    return cache_root() / f"parse-{__version__}"


def use_data_cache(enabled: bool) -> None:
    """Whether the catalogue's YAML files are read through their pickles (off: `--no-cache`)."""
    global _data_cache_enabled
    _data_cache_enabled = enabled


def load_yaml_data(text: str) -> Any:
    """The YAML document of a packaged data file, from its pickle when one was kept.

    The key is the text's hash and the sovlint version, so an edited data file is never read
    stale. Only our own package data goes through here (pickles are written by us, read by us).
    """
    if not _data_cache_enabled:
        return _safe_load(text)
    digest = hashlib.sha256(f"{__version__}\0{text}".encode()).hexdigest()
    path = cache_root() / f"data-{__version__}" / f"{digest}.pickle"
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except Exception:
        pass
    value = _safe_load(text)
    _write_pickle(path, value)
    return value


def _safe_load(text: str) -> Any:
    import yaml  # only on a cache miss: start-up of a one-file scan stays light

    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # a safe loader


def _write_pickle(path: Path, value: Any) -> None:
    """Atomically, and silently not at all when the directory is not writable."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with temporary.open("wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        temporary.replace(path)
    except OSError:
        pass


class ParseCache:
    """get/put of parse results; every failure to read or write the cache is a miss."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or cache_dir()

    def key(self, content: bytes, display: str) -> str:
        digest = hashlib.sha256()
        digest.update(__version__.encode())
        digest.update(b"\0" + display.encode() + b"\0")
        digest.update(content)
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.pickle"

    def get(self, key: str) -> Any | None:
        try:
            with self._path(key).open("rb") as handle:
                return pickle.load(handle)
        except Exception:
            return None

    def put(self, key: str, value: Any) -> None:
        _write_pickle(self._path(key), value)
