"""Walks the paths given on the command line and classifies every file found.

Every file is scanned, excluded by configuration, or counted as skipped (not infrastructure
as code); nothing disappears silently. `.git`, `.terraform` and `node_modules` are never
walked: modules under `.terraform/` are read only through their callers.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sovlint.globs import matches
from sovlint.model import LIMIT_EXCEEDED, ParseError

FileKind = Literal["terraform", "tfvars", "yaml", "json", "helm-template", "other"]

NEVER_WALKED = frozenset({".git", ".terraform", "node_modules", ".hg", ".svn", "__pycache__"})


@dataclass(frozen=True)
class DiscoveredFile:
    path: Path  # absolute
    kind: FileKind


@dataclass
class Discovery:
    files: list[DiscoveredFile] = field(default_factory=list)
    terraform_dirs: list[Path] = field(default_factory=list)  # directories holding .tf files
    excluded: list[Path] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # command-line paths that do not exist
    helm_charts: list[Path] = field(default_factory=list)
    kustomizations: list[Path] = field(default_factory=list)
    symlinks: list[Path] = field(default_factory=list)  # not followed (loops, outside the tree)
    unreadable: list[tuple[Path, str]] = field(default_factory=list)  # directories, and why
    walked: list[Path] = field(default_factory=list)  # every directory listed

    def of_kind(self, kind: FileKind) -> list[DiscoveredFile]:
        return [f for f in self.files if f.kind == kind]


def classify(path: Path, chart_dirs: Sequence[Path] = ()) -> FileKind:
    name = path.name.lower()
    if name.endswith((".tf", ".tf.json", ".tofu", ".tofu.json")):
        return "terraform"
    if name.endswith(".tfvars") or name.endswith(".tfvars.json"):
        return "tfvars"
    if name.endswith((".yaml", ".yml")):
        if any(_is_template_of(path, chart) for chart in chart_dirs):
            return "helm-template"
        return "yaml"
    if name.endswith(".json"):
        if any(_is_template_of(path, chart) for chart in chart_dirs):
            return "helm-template"
        return "json"
    return "other"


def _is_template_of(path: Path, chart: Path) -> bool:
    try:
        relative = path.relative_to(chart)
    except ValueError:
        return False
    return relative.parts[:1] in (("templates",), ("charts",))


def _relative(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def discover(paths: Sequence[str], exclude: Sequence[str], base_dir: Path) -> Discovery:
    """Files under the given paths, classified, with exclusions applied."""
    found = Discovery()
    seen: set[Path] = set()
    candidates: list[Path] = []
    for raw in paths:
        path = Path(raw).absolute()
        if not path.exists():
            found.missing.append(raw)
            continue
        if path.is_dir():
            candidates.extend(_walk(path, exclude, base_dir, found))
        else:
            candidates.append(path)
    charts = sorted({p.parent for p in candidates if p.name == "Chart.yaml"})
    found.helm_charts = charts
    for path in candidates:
        if path in seen:
            continue
        seen.add(path)
        if exclude and matches(_relative(path, base_dir), exclude):
            found.excluded.append(path)
            continue
        kind = classify(path, charts)
        if path.name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
            found.kustomizations.append(path.parent)
        found.files.append(DiscoveredFile(path, kind))
    found.terraform_dirs = sorted({f.path.parent for f in found.files if f.kind == "terraform"})
    found.files.sort(key=lambda f: f.path.as_posix())
    return found


def _walk(root: Path, exclude: Sequence[str], base_dir: Path, found: Discovery) -> list[Path]:
    """Files under `root`, top-down and in name order; symbolic links are recorded, never
    followed. `os.scandir` gives each entry's type with the listing, so no file costs a
    system call of its own."""
    files: list[Path] = []
    pending = [root]
    while pending:
        current = pending.pop()
        found.walked.append(current)
        try:
            with os.scandir(current) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            found.unreadable.append((current, exc.strerror or str(exc)))
            continue
        directories: list[os.DirEntry[str]] = []
        names: list[os.DirEntry[str]] = []
        for entry in entries:
            try:
                is_directory = entry.is_dir()  # a link to a directory counts as one
            except OSError:
                is_directory = False
            (directories if is_directory else names).append(entry)
        kept: list[Path] = []
        for entry in directories:
            if entry.name in NEVER_WALKED:
                continue
            sub = current / entry.name
            if entry.is_symlink():
                found.symlinks.append(sub)
                continue
            if exclude and matches(_relative(sub, base_dir) + "/", exclude):
                found.excluded.append(sub)
                continue
            kept.append(sub)
        pending.extend(reversed(kept))
        for entry in names:
            path = current / entry.name
            if entry.is_symlink():
                found.symlinks.append(path)
                continue
            files.append(path)
    return files


def _tree_of(path: Path) -> Path:
    """The tree a file belongs to: the nearest repository (a directory holding `.git`) above
    it, else the working directory."""
    directory = Path(os.path.abspath(path)).parent
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return candidate
    return Path.cwd()


def is_inside(path: Path, tree: Path) -> bool:
    """Whether ``path``, with every symbolic link resolved, is ``tree`` or below it."""
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(tree))
    except ValueError:
        return False
    return True


def unsafe_to_read(path: Path) -> str | None:
    """Why an input file must not be opened, or None: a symbolic link whose target is outside
    the link's repository (its content would reach messages and annotations), or not a regular
    file (a FIFO blocks, a device never ends). Decided without opening it."""
    try:
        link = os.path.islink(path)
        mode = os.stat(path).st_mode
    except OSError:
        return None  # reading it reports why
    if link and not is_inside(path, _tree_of(path)):
        return "symbolic link to a file outside the scanned tree: not followed"
    if not stat.S_ISREG(mode):
        return "not a regular file (a FIFO, socket or device): not read"
    return None


def read_input_text(path: Path, display: str, max_bytes: int,
                    what: str = "file") -> tuple[str | None, ParseError | None]:
    """The text of an input file, or the SOV000 error saying why it is not read: larger than
    `max_bytes`, unreadable, binary, or not UTF-8 (a BOM is dropped)."""
    problem = unsafe_to_read(path)
    if problem is not None:
        return None, ParseError(display, 1, problem)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return None, ParseError(display, 1, (
                f"{LIMIT_EXCEEDED}: file of {size} bytes is larger than the {max_bytes} bytes "
                "sovlint reads"))
        data = path.read_bytes()
    except OSError as exc:
        if os.path.islink(path) and not os.path.exists(path):
            return None, ParseError(display, 1, (
                f"{what} is a symbolic link to {os.readlink(path)}, which does not exist: "
                "what it sets is not known (check out the file it points to, or remove the "
                "link)"))
        return None, ParseError(display, 1, f"cannot read {what}: {exc.strerror or exc}")
    if b"\x00" in data[:8192]:
        return None, ParseError(display, 1, "binary content in a file with an IaC name")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, ParseError(display, line, f"not UTF-8 text (byte {exc.start})")
