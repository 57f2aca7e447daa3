"""The embedded Rego engine (regorus): no server, no network.

All policy files are compiled into one engine; one query, `data.sovlint.rules`, evaluates
every rule package over every resource of the scan. Each package exposes a `deny` set.

Custom policies (every file outside the built-in policy directory) are checked when they are
loaded: rule metadata, rule ids, the functions they call (engine/regocheck.py), and one
evaluation over an input without resources, so that their mistakes name a file and a line
before the scan starts instead of in the middle of it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sovlint.engine import Deny, PolicyError, deny_from_object
from sovlint.engine.metadata import RuleMetadata, check_metadata, package_of, read_metadata
from sovlint.engine.regoworker import Limits, RegoWorker, limits_from_environment
from sovlint.jsontext import compact

RULES_ROOT = "data.sovlint.rules"
_LOCATION_RE = re.compile(r"-->\s*(?P<file>[^\n]+?):(?P<line>\d+):(?P<col>\d+)")
_ERROR_RE = re.compile(r"^\s*error:\s*(?P<message>.+)$", re.M)

# The input every policy is evaluated on once at load time.
EMPTY_INPUT: dict[str, Any] = {
    "resources": [],
    "errors": [],
    "config": {"profile": "sovereign", "allowed_countries": [], "allowed_providers": [],
               "allowed_registries": []},
}


def policy_files(directories: Iterable[Path], *, tests: bool = False) -> list[Path]:
    """The `.rego` files under the directories (or the files given); test files only when
    asked. Python policy entries are skipped; a path that does not exist is a `PolicyError`."""
    files: list[Path] = []
    for directory in directories:
        if directory.suffix == ".py" or directory.as_posix().startswith("python:"):
            continue  # a Python policy (engine/python.py), listed among the same entries
        if not directory.exists():
            raise PolicyError(f"{directory.as_posix()}: no such policy file or directory")
        candidates = [directory] if directory.is_file() else sorted(directory.rglob("*.rego"))
        for path in candidates:
            if path.name.endswith("_test.rego") and not tests:
                continue
            files.append(path)
    return files


def display_name(path: Path) -> str:
    """A policy file as messages name it: relative to the working directory when below it."""
    try:
        return path.absolute().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def describe_engine_error(exc: Exception) -> str:
    """regorus errors carry `--> file:line:col` and an `error:` line; keep those two."""
    text = str(exc)
    match = _LOCATION_RE.search(text)
    error = _ERROR_RE.search(text)
    if error is not None:
        message = error.group("message").strip()
    else:
        message = next((line.strip() for line in text.splitlines()
                        if line.strip() and not line.strip().startswith("-->")), text.strip())
    if match:
        return f"{match.group('file')}:{match.group('line')}:{match.group('col')}: {message}"
    return message


def has_location(exc: Exception) -> bool:
    """Whether a regorus error names its file, line and column."""
    return _LOCATION_RE.search(str(exc)) is not None


def _is_under(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except ValueError:
        return False
    return True


ENGINE_MISSING = (
    "the embedded Rego engine (the regorus module of the gordon-to-regorus package) cannot be "
    "imported: {error}. Its wheels need glibc 2.34 or later (not RHEL 8, not Alpine/musl). "
    "Evaluate on an OPA server instead with --opa-url URL (see docs/opa.md), or install "
    "sovlint on a newer system."
)


class EngineUnavailable(PolicyError):
    """The embedded engine's native module cannot be loaded on this system."""


def import_regorus() -> Any:
    """The regorus module, or EngineUnavailable with one message that names --opa-url."""
    try:
        import regorus
    except ImportError as exc:
        raise EngineUnavailable(ENGINE_MISSING.format(error=exc)) from None
    return regorus


class RegoEngine:
    """Compiled policies, evaluated in one batched query per scan.

    With custom policies, every evaluation runs in a watchdog process within `limits`
    (default: from the environment, engine/regoworker.py): one query per package, so that a
    crash or an exceeded limit names the package's file."""

    def __init__(self, directories: Sequence[Path], *, tests: bool = False,
                 limits: Limits | None = None) -> None:
        regorus = import_regorus()  # here: start-up time of commands that evaluate nothing

        from sovlint.resources import builtin_policies_dir

        builtin_root = builtin_policies_dir().resolve()
        self._engine = regorus.Engine()
        self._rules: dict[str, RuleMetadata] = {}
        self.files = policy_files(directories, tests=tests)
        custom_files: set[str] = set()
        custom_packages: set[str] = set()
        builtin_packages: set[str] = set()
        self._limits = limits or limits_from_environment()
        self._worker: RegoWorker | None = None
        self._sources: list[tuple[str, str]] = []
        self._package_files: dict[str, str] = {}
        by_package: dict[str, RuleMetadata] = {}
        for path in self.files:
            name = display_name(path)
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise PolicyError(f"{name}: cannot read policy: {exc}") from exc
            try:
                self._engine.add_policy(name, text)
            except RuntimeError as exc:
                raise PolicyError(describe_engine_error(exc)) from exc
            self._sources.append((name, text))
            self._package_files.setdefault(f"data.{package_of(text)}", name)
            if _is_under(path, builtin_root):
                builtin_packages.add(package_of(text))
                metadata = read_metadata(path, text)
            else:
                custom_files.add(name)
                custom_packages.add(package_of(text))
                metadata = check_metadata(Path(name), text)
            if metadata is None:
                continue
            self._add_rule(metadata, by_package)
        if custom_files:
            from sovlint.engine.regocheck import check_modules, read_modules

            check_modules(read_modules(self._engine.get_ast_as_json()), custom_files,
                          by_package, builtin_packages)
        # Custom policies may come with the change under review: evaluated in the watchdog.
        self.bounded = bool(custom_files)
        if not tests:
            if self.bounded:
                self._evaluate_once_bounded(sorted(custom_packages))
            else:
                self._evaluate_once()

    def _add_rule(self, metadata: RuleMetadata, by_package: dict[str, RuleMetadata]) -> None:
        where = f"{metadata.file}:{metadata.line}"
        existing = self._rules.get(metadata.id)
        if existing is not None:
            raise PolicyError(f"{where}: rule id {metadata.id} is already declared in "
                              f"{existing.file}:{existing.line}")
        other = by_package.get(metadata.package)
        if other is not None:
            raise PolicyError(f"{where}: package {metadata.package} already declares rule "
                              f"{other.id} ({other.file}:{other.line}); one rule per package")
        self._rules[metadata.id] = metadata
        by_package[metadata.package] = metadata

    def _evaluate_once(self) -> None:
        """Evaluate every rule on an input without resources: unsafe variables, conflicts and
        errors outside loops surface now."""
        self._engine.set_input_json(json.dumps(EMPTY_INPUT))
        try:
            self._engine.eval_query_as_json(RULES_ROOT)
        except RuntimeError as exc:
            raise PolicyError(describe_engine_error(exc)) from exc

    def _evaluate_once_bounded(self, custom_packages: Sequence[str]) -> None:
        """Every custom package on an input without resources, each its own query, then every
        rule: in the watchdog process, so a crash or an endless evaluation is a clear error."""
        queries = [*(f"data.{package}" for package in custom_packages), RULES_ROOT]
        self._bounded_worker().evaluate(queries, json.dumps(EMPTY_INPUT))

    def _bounded_worker(self) -> RegoWorker:
        if self._worker is None:
            self._worker = RegoWorker(self._sources, self._limits, self._package_files)
        return self._worker

    def _rule_queries(self) -> list[str]:
        """One query per package directly under data.sovlint.rules (nested packages are
        collected with their parent)."""
        prefix = RULES_ROOT + "."
        tops = {prefix + name[len(prefix):].split(".", 1)[0]
                for name in self._engine.get_packages() if name.startswith(prefix)}
        return sorted(tops)

    def query_bounded(self, query: str) -> dict[str, Any]:
        """The JSON result of one query without input, in the watchdog process (`sovlint
        test` of custom policies). A `PolicyError` ends that process; the next query starts a
        new one."""
        try:
            return dict(self._bounded_worker().evaluate([query], "")[query])
        except PolicyError:
            self.close()
            self._worker = None
            raise

    @property
    def engine(self) -> Any:
        return self._engine

    @property
    def sources(self) -> list[tuple[str, str]]:
        """(name, text) of every policy file compiled, in order."""
        return list(self._sources)

    def rules(self) -> dict[str, RuleMetadata]:
        return dict(self._rules)

    def close(self) -> None:
        """End the watchdog process, if any (it also ends when this process exits)."""
        if self._worker is not None:
            self._worker.close()

    def evaluate(self, input_document: dict[str, Any]) -> list[Deny]:
        if self.bounded:
            return self._evaluate_bounded(input_document)
        self._engine.set_input_json(compact(input_document, sort_keys=True))
        try:
            raw = self._engine.eval_query_as_json(RULES_ROOT)
        except RuntimeError as exc:
            raise PolicyError(describe_engine_error(exc)) from exc
        result = json.loads(raw)
        denies: list[Deny] = []
        for entry in result.get("result", []):
            for expression in entry.get("expressions", []):
                denies.extend(collect_denies(expression.get("value")))
        return denies

    def _evaluate_bounded(self, input_document: dict[str, Any]) -> list[Deny]:
        results = self._bounded_worker().evaluate(self._rule_queries(),
                                                  compact(input_document, sort_keys=True))
        denies: list[Deny] = []
        for _query, result in sorted(results.items()):
            for entry in result.get("result", []):
                for expression in entry.get("expressions", []):
                    denies.extend(collect_denies(expression.get("value")))
        return denies


def collect_denies(value: Any) -> list[Deny]:
    """Every `deny` set under data.sovlint.rules, whatever the package depth (also the value
    a remote OPA server answers for that document)."""
    denies: list[Deny] = []
    if not isinstance(value, dict):
        return denies
    for key, item in sorted(value.items()):
        if key == "deny" and isinstance(item, list):
            for obj in item:
                deny = deny_from_object(obj)
                if deny is not None:
                    denies.append(deny)
        elif isinstance(item, dict):
            denies.extend(collect_denies(item))
    return denies
