"""Rendered Kubernetes manifests: Kustomize builds and Helm template output.

Kustomize directories are rendered with `kubectl kustomize` or `kustomize build` when one is on
PATH (never with plugins, never with remote bases: a kustomization that names a URL is not
rendered). `helm template` output keeps `# Source: chart/templates/x.yaml` comments, which map
each rendered object back to its template.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_SOURCE = re.compile(r"^#\s*Source:\s*(?P<path>\S.*?)\s*$")
_REMOTE = re.compile(r"^(?:https?://|git::|ssh://|git@|github\.com/|gitlab\.com/|oci://)")
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
RENDER_TIMEOUT_S = 60


@dataclass(frozen=True)
class Rendered:
    text: str | None
    problem: str | None  # why it was not rendered
    # The kustomization names what sovlint will not read (a remote location, a missing entry,
    # a path out of the tree): objects it would build are unknown, not merely unrendered.
    unread: bool = False


def helm_sources(text: str) -> list[tuple[int, str]]:
    """(line, template path) of every `# Source:` comment of `helm template` output."""
    return [
        (number, match.group("path"))
        for number, line in enumerate(text.splitlines(), start=1)
        if (match := _SOURCE.match(line.strip()))
    ]


def plausible_template_path(path: str) -> bool:
    """Whether a `# Source:` path may stand for a finding's file: relative, inside the tree
    (no `..`), printable, and, when it exists, a regular file not linked from outside. Any
    YAML file may carry such a comment: `# Source: /dev/zero` must not make sovlint open a
    device, or move a finding out of the scanned tree."""
    from sovlint.discover import unsafe_to_read

    parts = path.replace("\\", "/").split("/")
    if (not path.isprintable() or path.startswith("/") or ".." in parts
            or re.match(r"^[A-Za-z]:", path)):
        return False
    return unsafe_to_read(Path(path)) is None


def template_position(line: int, sources: Sequence[tuple[int, str]]) -> tuple[str, int] | None:
    """The template and the line inside its rendered text of a rendered line (the offset from
    the `# Source:` comment: exact where the template has no directives above the object)."""
    found: tuple[str, int] | None = None
    for source_line, path in sources:
        if source_line < line:
            found = (path, line - source_line)
        else:
            break
    return found


def kustomization_file(directory: Path) -> Path | None:
    for name in KUSTOMIZATION_NAMES:
        if (directory / name).is_file():
            return directory / name
    return None


def _load_kustomization(directory: Path) -> dict[str, Any]:
    path = kustomization_file(directory)
    if path is None:
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def kustomization_references(directory: Path) -> list[str]:
    """Entries of `resources`, `bases`, `components` (files, directories or URLs)."""
    data = _load_kustomization(directory)
    entries: list[str] = []
    for key in ("resources", "bases", "components"):
        value = data.get(key)
        if isinstance(value, list):
            entries.extend(str(item) for item in value if isinstance(item, str))
    return entries


def referenced_kustomizations(directory: Path) -> list[Path]:
    """Kustomization directories this one builds on (overlays name their bases)."""
    found: list[Path] = []
    for entry in kustomization_references(directory):
        if _REMOTE.match(entry):
            continue
        target = (directory / entry).resolve()
        if target.is_dir() and kustomization_file(target) is not None:
            found.append(target)
    return found


# Fields of a kustomization that name other kustomizations or files to load, by shape.
_LISTED_PATHS = ("resources", "bases", "components", "crds", "configurations",
                 "patchesStrategicMerge", "transformers", "generators", "validators")
_GENERATORS = ("configMapGenerator", "secretGenerator")
# Fields that make kustomize download something (Helm charts from a repository).
_DOWNLOADING = ("helmCharts", "helmChartInflationGenerator", "helmGlobals")
_URL_LIKE = re.compile(r"://|^git@|\?ref=|^[\w.-]+\.[a-z]{2,}/[\w.-]+/")


def _file_references(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, path) of every file or directory a kustomization names."""
    found: list[tuple[str, str]] = []
    for key in _LISTED_PATHS:
        value = data.get(key)
        if isinstance(value, list):
            found += [(key, item) for item in value if isinstance(item, str)]
    for key in ("patches", "patchesJson6902", "replacements"):
        for item in data.get(key) or ():
            if isinstance(item, dict) and isinstance(item.get("path"), str):
                found.append((key, item["path"]))
    for key in _GENERATORS:
        for generator in data.get(key) or ():
            if not isinstance(generator, dict):
                continue
            for source in (*(generator.get("files") or ()), *(generator.get("envs") or ()),
                           generator.get("env")):
                if isinstance(source, str):
                    # `key=path` names the key the file's content is stored under.
                    found.append((key, source.split("=", 1)[-1]))
    openapi = data.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        found.append(("openapi", openapi["path"]))
    return found


def kustomization_problem(directory: Path, root: Path) -> str | None:
    """Why a kustomization must not be rendered, or None when it and every kustomization it
    reaches are local: each file or directory they name exists inside ``root`` and nothing
    would be downloaded.

    kustomize treats an entry that is not a local path as a remote location and fetches it
    (`github.com/org/repo//dir?ref=v1` has no scheme), so "exists locally" is the test, not
    the look of a URL. A file outside the scanned tree would be read into the output.
    """
    from sovlint.discover import is_inside as _inside

    pending, seen = [directory], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        path = kustomization_file(current)
        if path is None:
            continue
        shown = path.name if current == directory else f"{os.path.relpath(path, directory)}"
        if path.is_symlink() and not _inside(path, root):
            return f"{shown} is a symbolic link out of the scanned tree"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            return f"{shown} cannot be read: {type(exc).__name__}"
        if not isinstance(data, dict):
            continue
        for key in _DOWNLOADING:
            if key in data:
                return f"{shown} uses {key}, which kustomize downloads; sovlint fetches " \
                       "nothing from the network"
        for key, entry in _file_references(data):
            target = current / entry
            if _URL_LIKE.search(entry) or not os.path.lexists(target):
                return f"{shown} names a remote or missing {key} entry ({entry}); sovlint " \
                       "fetches nothing from the network"
            if not _inside(target, root):
                return f"{shown} names {entry} ({key}), outside the scanned tree"
            if not (target.is_dir() or target.is_file()):
                return f"{shown} names {entry} ({key}), which is not a regular file"
            if target.is_dir():
                pending.append(target.resolve())
    return None


def renderer() -> list[str] | None:
    """The command that renders a kustomization, or None when none is installed."""
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    return None


def render_kustomization(directory: Path, root: Path | None = None) -> Rendered:
    """Render with kubectl/kustomize when available and the kustomization, with everything it
    reaches, is local and inside ``root`` (the scanned tree; default: the directory)."""
    problem = kustomization_problem(directory, root if root is not None else directory)
    if problem is not None:
        return Rendered(None, problem, unread=True)
    command = renderer()
    if command is None:
        return Rendered(None, "neither kubectl nor kustomize is on PATH")
    return _run([*command, str(directory.absolute())], " ".join(command))


# Where a renderer's HTTP goes if it tries any: the discard port of this machine, refused at
# once, so nothing leaves the machine even if a check above missed a remote reference.
_NOWHERE = "http://127.0.0.1:9"


def offline_environment(home: str) -> dict[str, str]:
    """A clean environment for a renderer: no credentials, git limited to local files, HTTP
    sent to a refused local port, a fresh empty HOME (no git, kube or helm configuration)."""
    environment = {key: value for key, value in os.environ.items()
                   if key in ("PATH", "LANG", "LC_ALL")}
    environment.update({
        "HOME": home, "TMPDIR": home, "XDG_CONFIG_HOME": home, "XDG_CACHE_HOME": home,
        "XDG_DATA_HOME": home, "KUBECONFIG": os.devnull,
        "GIT_ALLOW_PROTOCOL": "file", "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull, "GIT_ASKPASS": "/bin/false", "SSH_ASKPASS": "/bin/false",
        "HTTP_PROXY": _NOWHERE, "HTTPS_PROXY": _NOWHERE, "ALL_PROXY": _NOWHERE,
        "http_proxy": _NOWHERE, "https_proxy": _NOWHERE, "all_proxy": _NOWHERE,
        "NO_PROXY": "", "no_proxy": "",
    })
    return environment


def _run(command: list[str], name: str) -> Rendered:
    """Run a renderer offline (see `offline_environment`), with no input and a time limit."""
    try:
        with tempfile.TemporaryDirectory(prefix="sovlint-render-") as home:
            process = subprocess.run(
                command, capture_output=True, text=True, check=False,
                timeout=RENDER_TIMEOUT_S, env=offline_environment(home),
                stdin=subprocess.DEVNULL, cwd=home,
            )
    except subprocess.TimeoutExpired:
        return Rendered(None, f"{name} failed: no output within {RENDER_TIMEOUT_S:g} s")
    except OSError as exc:
        return Rendered(None, f"{name} failed: {exc.strerror or type(exc).__name__}")
    if process.returncode != 0:
        lines = [stable_message(line) for line in process.stderr.splitlines()]
        first = next((line for line in lines if line), "")
        return Rendered(None, f"{name} failed: {first[:300]}")
    return Rendered(process.stdout, None)


# What makes two runs' messages differ: klog's prefix (severity, date, time, thread id,
# source line), timestamps, process ids, temporary directories; and the absolute path of the
# working directory (reports name files relative to it).
_KLOG_PREFIX = re.compile(r"^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ [^\]]*\]\s*")
_TIMESTAMP = re.compile(
    r"\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\s*")
_PID = re.compile(r"\b(pid|process)([ =:]+)\d+", re.IGNORECASE)


def stable_message(line: str) -> str:
    """A renderer's error line without what changes from run to run."""
    text = _KLOG_PREFIX.sub("", line.strip())
    text = _TIMESTAMP.sub("", text)
    text = _PID.sub(r"\1\2N", text)
    for prefix in sorted({os.path.realpath(tempfile.gettempdir()), tempfile.gettempdir()},
                         key=len, reverse=True):
        text = re.sub(re.escape(prefix.rstrip("/")) + r"/[^\s'\":]*", "<temporary path>", text)
    cwd = os.getcwd().rstrip("/") + "/"
    return text.replace(cwd, "").strip()


def render_helm_chart(directory: Path, values_files: Sequence[Path] = ()) -> Rendered:
    """`helm template` of a local chart when helm is on PATH. Dependencies that are not
    vendored are not fetched (no `--dependency-update`): helm then fails and says so."""
    helm = shutil.which("helm")
    if helm is None:
        return Rendered(None, "helm is not on PATH")
    command = [helm, "template", directory.name, str(directory.absolute())]
    for values in values_files:
        command += ["--values", str(values.absolute())]
    return _run(command, "helm template")
