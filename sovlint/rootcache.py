"""The evaluated result of a directory, kept between scans: which local modules it calls and,
as a root module, its resources, errors and diagnostics (whatever its evaluation returned).

An entry is found by what is known before evaluating: the sovlint version, the catalogue's
data, the display root, the directory, the variables (`--var`, the `--var-file` paths and the
environment that changes the evaluation: `TF_VAR_*`, `TF_WORKSPACE`, the HCL parser choice).
It holds, besides the result, every input the evaluation read, as found then: the content hash
of every configuration file of every module directory it reached, of its variable files,
`.terraform/modules/modules.json` and `.terraform/environment`, of the files its `file()` and
`templatefile()` calls name, and the list of names in every directory it read (a file added
or removed). The entry is used only when every one of them is the same now, so a changed file
invalidates exactly the directories that read it.

Entries are signed and stored as the parse cache's are (`sovlint.cache`: HMAC under the
per-user key kept outside the cache directory; a bad entry is dropped and the directory
evaluated again); `--no-cache` neither reads nor writes them.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sovlint import __version__
from sovlint.cache import _write_pickle, cache_root, read_entry

if TYPE_CHECKING:
    from sovlint.parsers.yamldocs import ParsedYaml

_T = TypeVar("_T")
_MAX_HASHED_BYTES = 64 * 1024 * 1024
_FORMAT = "1"
# Environment variables the evaluation reads besides TF_VAR_*.
_ENVIRONMENT = ("TF_WORKSPACE", "SOVLINT_HCL_PARSER")
# What an input was when the entry was written: ("file", path, digest | None) or
# ("dir", path, digest of the sorted names | None); None when it did not exist.
Dependency = tuple[str, str, str | None]


def cache_dir() -> Path:
    return cache_root() / f"roots-{__version__}"


@cache
def catalogue_version() -> str:
    """A digest of the catalogue's data files: an edited catalogue is never read stale."""
    from importlib import resources

    digest = hashlib.sha256()
    data = resources.files("sovlint.catalog").joinpath("data")
    for item in sorted(data.iterdir(), key=lambda entry: entry.name):
        if item.is_file():
            digest.update(item.name.encode() + b"\0" + item.read_bytes() + b"\0")
    return digest.hexdigest()


class _Snapshot:
    """Content digests of files and directory listings, each read once per process (the
    inputs do not change during a scan)."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], str | None] = {}

    def state(self, kind: str, path: str) -> str | None:
        key = (kind, path)
        if key not in self._seen:
            self._seen[key] = _read_state(kind, path)
        return self._seen[key]

    def dependency(self, kind: str, path: str) -> Dependency:
        return (kind, path, self.state(kind, path))

    def unchanged(self, dependencies: Iterable[Dependency]) -> bool:
        return all(self.state(kind, path) == was for kind, path, was in dependencies)


def _read_state(kind: str, path: str) -> str | None:
    try:
        if kind == "dir":
            names = sorted(os.listdir(path))
            return hashlib.sha256("\0".join(names).encode()).hexdigest()
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_HASHED_BYTES:
            # Never opened (a FIFO would block; a huge file is refused by the scan anyway).
            return (f"{info.st_mode}:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:"
                    f"{info.st_ino}")
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except (OSError, ValueError):
        return None


class RootCache:
    """get/put of directory results; every failure to read or write is a miss."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or cache_dir()
        self.snapshot = _Snapshot()

    def key(self, kind: str, directory: Path, display_root: Path,
            variables: Mapping[str, str] = {}, var_files: Sequence[Path] = (),
            environ: Mapping[str, str] = {}) -> str:
        digest = hashlib.sha256()
        environment = sorted((name, value) for name, value in environ.items()
                             if name.startswith("TF_VAR_") or name in _ENVIRONMENT)
        for part in (_FORMAT, __version__, catalogue_version(), kind, str(directory),
                     str(display_root), repr(sorted(variables.items())),
                     repr([str(p) for p in var_files]), repr(environment)):
            digest.update(part.encode() + b"\0")
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.pickle"

    def get(self, key: str) -> Any | None:
        """The cached value when every input it recorded is unchanged, else None."""
        entry = read_entry(self._path(key))
        if not (isinstance(entry, tuple) and len(entry) == 3 and entry[0] == key):
            return None
        _, dependencies, value = entry
        if not isinstance(dependencies, list) or not self.snapshot.unchanged(dependencies):
            return None
        return value

    def put(self, key: str, dependencies: list[Dependency], value: Any) -> None:
        _write_pickle(self._path(key), (key, dependencies, value))

    def cached(self, key: str, compute: Callable[[], _T],
               dependencies: Callable[[_T], list[Dependency] | None]) -> _T:
        """The value for `key`: cached, or computed and kept with the inputs it read (not
        kept when `dependencies` gives None)."""
        found = self.get(key)
        if found is not None:
            return found  # type: ignore[no-any-return]
        value = compute()
        read = dependencies(value)
        if read is not None:
            self.put(key, read, value)
        return value


def directory_dependencies(snapshot: _Snapshot, directories: Iterable[str | Path],
                           files: Iterable[str]) -> list[Dependency]:
    """The listing of each directory and the content of each file (absolute paths)."""
    found = [snapshot.dependency("dir", str(d)) for d in sorted(set(directories))]
    found += [snapshot.dependency("file", f) for f in sorted(set(files))]
    return found


def root_files(root: Path, var_files: Sequence[Path]) -> list[str]:
    """Files a root module's evaluation reads besides its modules' configuration files:
    variable files (automatic and given), the installed modules' manifest, the workspace."""
    found = [str(p) for p in var_files]
    try:
        names = os.listdir(root)
    except OSError:
        names = []
    found += [str(root / name) for name in names
              if name.endswith((".tfvars", ".tfvars.json"))]
    found += [str(root / ".terraform" / "modules" / "modules.json"),
              str(root / ".terraform" / "environment")]
    return found


def cached_denies(engine: Any, document: dict[str, Any], enabled: bool) -> list[Any]:
    """The denies of the embedded Rego engine for this policy input: kept, keyed by the
    input's whole text, the policies' sources and the engine's version, so that an unchanged
    scan is not evaluated again. Exact whatever the rules read (rules that join resources
    across roots included): any change to the input or to a policy is a miss. Other engines
    (an OPA server, Python policies) are always asked."""
    from sovlint.engine.rego import RegoEngine

    if not enabled or type(engine) is not RegoEngine:
        return list(engine.evaluate(document))
    from sovlint.jsontext import compact

    digest = hashlib.sha256()
    for part in (_FORMAT, __version__, _engine_version(), repr(engine.bounded)):
        digest.update(part.encode() + b"\0")
    for name, text in engine.sources:
        digest.update(f"{len(name)}:{name}{len(text)}:".encode() + text.encode())
    # The input is built in a fixed order: its text without sorting the keys (half the cost)
    # is the same for the same input.
    digest.update(compact(document).encode())
    key = digest.hexdigest()
    path = cache_root() / f"denies-{__version__}" / f"{key}.pickle"
    entry = read_entry(path)
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == key:
        return list(entry[1])
    denies = list(engine.evaluate(document))
    _write_pickle(path, (key, denies))
    return denies


@cache
def _engine_version() -> str:
    """The native module's path, size and modification time (importlib.metadata would cost a
    one-file scan 15 ms of imports)."""
    import regorus

    try:
        info = os.stat(str(regorus.__file__))
    except (OSError, TypeError):
        return "unknown"
    return f"{regorus.__file__}:{info.st_size}:{info.st_mtime_ns}"


def cached_yaml_stream(text: str, display: str, enabled: bool) -> ParsedYaml:
    """`parse_yaml_stream`, kept in the parse cache (keyed by the text, the file's display
    name and the sovlint version) when the cache is on."""
    from sovlint.parsers.yamldocs import ParsedYaml, parse_yaml_stream

    if not enabled:
        return parse_yaml_stream(text, display)
    from sovlint.cache import ParseCache

    parse_cache = ParseCache()
    key = parse_cache.key(b"yaml\0" + text.encode(), display)
    found = parse_cache.get(key)
    if isinstance(found, ParsedYaml):
        return found
    parsed = parse_yaml_stream(text, display)
    parse_cache.put(key, parsed)
    return parsed


# A file whose modification time is this close to the moment its entry is written may still be
# changed within the file system's timestamp granularity without its signature changing: such
# an index is not kept (as git treats "racy" index entries).
_RACY_SECONDS = 2.0
_Signature = tuple[int, int, int, int]


def _signature(path: str) -> _Signature | None:
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def cached_callers_index(tree: Path, exclude: Sequence[str], base_dir: Path, enabled: bool,
                         compute: Callable[[], tuple[dict[str, set[str]], list[str]]],
                         ) -> dict[str, set[str]]:
    """Who may call whom in a repository, from the text of its configuration files (the
    callers walk of a pre-commit run): `compute` gives the map and what it read (every
    directory listed and every file read). Kept in one signed entry per repository and
    exclusion patterns, with the size, inode and modification and change times of each of
    those (an entry added to or removed from a directory changes the directory's), and used
    while all of them are the same. Without the cache, always computed."""
    if not enabled:
        return compute()[0]
    digest = hashlib.sha256(repr((_FORMAT, __version__, str(tree), list(exclude),
                                  str(base_dir))).encode()).hexdigest()
    path = cache_dir() / "callers" / f"{digest}.pickle"
    found = read_entry(path)
    if (isinstance(found, tuple) and len(found) == 2 and isinstance(found[0], list)
            and all(_signature(name) == was for name, was in found[0])):
        return found[1]  # type: ignore[no-any-return]
    import time

    started = time.time()
    callers, read = compute()
    signatures = [(name, _signature(name)) for name in sorted(set(read))]
    if all(signature is not None and signature[1] / 1e9 < started - _RACY_SECONDS
           for _, signature in signatures):
        _write_pickle(path, (signatures, callers))
    return callers


# --- a whole scan whose inputs are all unchanged ----------------------------------------------


class _Recorder:
    """What a scan read, noted by the scan as it goes (`record_*`), for `cached_scan`."""

    def __init__(self) -> None:
        self.walked: list[str] = []
        self.files: list[str] = []
        self.cacheable = True


_recording: _Recorder | None = None


def record_discovery(discovery: Any) -> None:
    """Every directory listed and every file found; a rendered input makes the scan
    uncacheable (Kustomize and Helm output depends on programs outside the tree)."""
    if _recording is None:
        return
    _recording.walked += [str(d) for d in discovery.walked]
    _recording.files += [str(item.path) for item in discovery.files]
    if discovery.kustomizations or discovery.helm_charts:
        _recording.cacheable = False


def record_root(directory: Path, display_root: Path, var_files: Sequence[Path],
                files: Iterable[str], directories: Iterable[str],
                file_references: Iterable[Any]) -> None:
    """The inputs one root module's evaluation read (its modules may be outside the tree)."""
    if _recording is None:
        return
    _recording.walked += [str(directory), *directories]
    _recording.files += [os.path.normpath(os.path.join(display_root, f)) for f in files]
    _recording.files += root_files(directory, var_files)
    _recording.files += [ref.path for ref in file_references if "*" not in ref.path]


def record_uncacheable() -> None:
    """This scan read something `cached_scan` cannot check (a plan's own configuration)."""
    if _recording is not None:
        _recording.cacheable = False


def cached_scan(paths: Sequence[str], config: Any, options: Any, engine: Any,
                run: Callable[[], _T]) -> _T:
    """The result of a scan of directories whose every input is unchanged since a scan with
    the same configuration, options, policies and date: the names in every directory listed,
    the content of every file found and of every file the root modules read (modules outside
    the tree, variable files, modules.json), the baseline. Anything else (standard input,
    file arguments, rendered Kustomize or Helm input, plans, another engine than the
    embedded Rego engine) is scanned as usual."""
    import datetime

    from sovlint.engine.rego import RegoEngine

    if (not options.use_cache or type(engine) is not RegoEngine or options.stdin_text
            is not None or not paths or not all(os.path.isdir(p) for p in paths)):
        return run()
    environ = os.environ if options.environ is None else options.environ
    digest = hashlib.sha256()
    for part in (_FORMAT, __version__, catalogue_version(), _engine_version(), os.getcwd(),
                 repr([os.path.abspath(p) for p in paths]), repr(config),
                 repr(sorted(options.variables.items())), repr(list(options.var_files)),
                 repr(options.baseline), str(options.today or datetime.date.today()),
                 repr(sorted((k, v) for k, v in environ.items()
                             if k.startswith(("TF_VAR_", "SOVLINT_")) or k in _ENVIRONMENT)),
                 repr(engine.bounded)):
        digest.update(part.encode() + b"\0")
    for name, text in engine.sources:
        digest.update(f"{len(name)}:{name}{len(text)}:".encode() + text.encode())
    key = digest.hexdigest()
    path = cache_dir() / "scans" / f"{key}.pickle"
    snapshot = _Snapshot()
    found = read_entry(path)
    if (isinstance(found, tuple) and len(found) == 3 and found[0] == key
            and isinstance(found[1], list) and snapshot.unchanged(found[1])):
        return found[2]  # type: ignore[no-any-return]
    import time

    started = time.time()
    global _recording
    _recording = recorder = _Recorder()
    try:
        result = run()
    finally:
        _recording = None
    files = recorder.files + ([os.path.abspath(options.baseline)]
                              if options.baseline is not None else [])
    if recorder.cacheable and not _recently_changed([*recorder.walked, *files],
                                                    started - _RACY_SECONDS):
        _write_pickle(path, (key, directory_dependencies(snapshot, recorder.walked, files),
                             result))
    return result


def _recently_changed(paths: Iterable[str], since: float) -> bool:
    """Whether any of the paths was modified after `since` (during the scan, or too recently
    for its timestamp to tell a later change apart): such a scan is not kept."""
    limit = since * 1e9
    for name in set(paths):
        signature = _signature(name)
        if signature is not None and signature[1] >= limit:
            return True
    return False
