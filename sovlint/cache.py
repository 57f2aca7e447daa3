"""Caches in the user cache directory (`$XDG_CACHE_HOME/sovlint`, else `~/.cache/sovlint`):
parsed Terraform files keyed by content hash, sovlint version and the path they are reported
under; and YAML data files (the catalogue, the configuration), loaded once and kept as pickles
(reading YAML is most of a one-file scan's start-up). Both are safe to delete and off with
`--no-cache`, which then neither reads nor writes them.

A pickle runs code when it is loaded, and a cache directory is shared state (a CI cache restored
from another branch). So every entry is signed: `MAGIC`, then an HMAC-SHA256 of the payload under
a per-user key, then the payload. The key lives outside the cache directory
(`$XDG_STATE_HOME/sovlint/cache-key`, else `~/.local/state/sovlint/cache-key`, mode 0600), so a
restored or planted cache directory brings no key with it. An entry whose signature does not
match (planted, garbled, truncated, or from another key) is never unpickled: it is deleted and
the file parsed again.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import pickle
import stat
from pathlib import Path
from typing import Any

from sovlint import __version__

_data_cache_enabled = True
MAGIC = b"sovlint-cache\x01"  # format version 1: MAGIC, 32-byte HMAC-SHA256, pickle payload
_KEY_BYTES = 32
_keys: dict[Path, bytes] = {}
_keys_by_environment: dict[tuple[str | None, str | None], bytes] = {}


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sovlint"


def key_path() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "sovlint" / "cache-key"


def _signing_key() -> bytes | None:
    """This user's cache key, created on first use; None when it cannot be had safely (then
    nothing is cached)."""
    # Looked up once per entry read: by the variables the key's path is made of, not the path.
    where = (os.environ.get("XDG_STATE_HOME"), os.environ.get("HOME"))
    if where in _keys_by_environment:
        return _keys_by_environment[where]
    path = key_path()
    if path in _keys:
        _keys_by_environment[where] = _keys[path]
        return _keys[path]
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                                 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(os.urandom(_KEY_BYTES))
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(descriptor, "rb") as handle:
            info = os.fstat(handle.fileno())
            key = handle.read(_KEY_BYTES + 1)
    except OSError:
        return None
    # Someone else's key, or one others could read or change, signs nothing.
    if (info.st_uid != os.getuid() or info.st_mode & (stat.S_IRWXG | stat.S_IRWXO)
            or len(key) != _KEY_BYTES):
        return None
    _keys[path] = key
    _keys_by_environment[where] = key
    return key


def _signature(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()


def read_entry(path: Path) -> Any | None:
    """The value of a signed cache entry; None on a miss. A bad entry is deleted."""
    key = _signing_key()
    if key is None:
        return None
    try:
        with path.open("rb") as handle:
            blob = handle.read()
    except OSError:
        return None
    head = len(MAGIC) + hashlib.sha256().digest_size
    payload = blob[head:]
    if (len(blob) <= head or not blob.startswith(MAGIC)
            or not hmac.compare_digest(blob[len(MAGIC):head], _signature(key, payload))):
        _drop(path)
        return None
    try:
        return pickle.loads(payload)  # signed by this user's key: written by sovlint
    except Exception:
        _drop(path)
        return None


def _drop(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def cache_dir() -> Path:
    return cache_root() / f"parse-{__version__}"


def use_data_cache(enabled: bool) -> None:
    """Whether YAML data files are read and kept through the cache (off: `--no-cache`)."""
    global _data_cache_enabled
    _data_cache_enabled = enabled


def load_yaml_data(text: str) -> Any:
    """The YAML document of a packaged data file, from its pickle when one was kept.

    The key is the text's hash and the sovlint version, so an edited data file is never read
    stale. Entries are signed (see the module's docstring).
    """
    if not _data_cache_enabled:
        return _safe_load(text)
    digest = hashlib.sha256(f"{__version__}\0{text}".encode()).hexdigest()
    path = cache_root() / f"data-{__version__}" / f"{digest}.pickle"
    cached = read_entry(path)
    if cached is not None:
        return cached
    value = _safe_load(text)
    _write_pickle(path, value)
    return value


def _safe_load(text: str) -> Any:
    import yaml  # only on a cache miss: start-up of a one-file scan stays light

    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # a safe loader


def _write_pickle(path: Path, value: Any) -> None:
    """A signed entry, atomically; silently not at all when the directory is not writable,
    there is no key, or the value cannot be pickled (nesting deeper than the recursion limit)."""
    key = _signing_key()
    if key is None:
        return
    try:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except (RecursionError, pickle.PicklingError, TypeError, AttributeError):
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with temporary.open("wb") as handle:
            handle.write(MAGIC + _signature(key, payload) + payload)
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
        return read_entry(self._path(key))

    def put(self, key: str, value: Any) -> None:
        _write_pickle(self._path(key), value)
