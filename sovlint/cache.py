"""Parse cache: parsed Terraform files keyed by content hash, sovlint version and the path
they are reported under. It lives in the user cache directory (`$XDG_CACHE_HOME/sovlint`,
else `~/.cache/sovlint`), is safe to delete, and is off with `--no-cache`."""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

from sovlint import __version__


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sovlint" / f"parse-{__version__}"


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
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            with temporary.open("wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            temporary.replace(path)
        except OSError:
            pass
