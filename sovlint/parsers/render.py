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


def helm_sources(text: str) -> list[tuple[int, str]]:
    """(line, template path) of every `# Source:` comment of `helm template` output."""
    return [
        (number, match.group("path"))
        for number, line in enumerate(text.splitlines(), start=1)
        if (match := _SOURCE.match(line.strip()))
    ]


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


def renderer() -> list[str] | None:
    """The command that renders a kustomization, or None when none is installed."""
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    return None


def render_kustomization(directory: Path) -> Rendered:
    """Render with kubectl/kustomize when available and the kustomization is local only."""
    remote = [e for e in kustomization_references(directory) if _REMOTE.match(e)]
    if remote:
        return Rendered(None, f"names a remote resource ({remote[0]}); sovlint fetches nothing "
                        "from the network")
    command = renderer()
    if command is None:
        return Rendered(None, "neither kubectl nor kustomize is on PATH")
    return _run([*command, str(directory)], " ".join(command))


def _run(command: list[str], name: str) -> Rendered:
    """Run a renderer with a minimal environment, no input, and a time limit."""
    environment = {key: value for key, value in os.environ.items()
                   if key in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    try:
        process = subprocess.run(
            command, capture_output=True, text=True, check=False,
            timeout=RENDER_TIMEOUT_S, env=environment, stdin=subprocess.DEVNULL,
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
    command = [helm, "template", directory.name, str(directory)]
    for values in values_files:
        command += ["--values", str(values)]
    return _run(command, "helm template")
