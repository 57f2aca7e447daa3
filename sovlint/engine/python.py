"""Python policies (`sovlint.policy.rule` functions), behind the same `PolicyEngine` protocol.

A `policies:` entry is a Python policy when it ends in `.py` (a file, relative to the
configuration file) or starts with `python:` (a dotted module name, imported from the Python
path and the configuration file's directory). Every `@rule` at the top level of the module is
loaded. The whole input is evaluated in one call, like the Rego engine; a rule that raises is a
`PolicyError` naming the rule and the line of the module that raised, not a traceback.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
import traceback
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

from sovlint.engine import Deny, PolicyError
from sovlint.engine.metadata import RuleMetadata
from sovlint.engine.rego import display_name

MODULE_PREFIX = "python:"


def is_python_policy(entry: str) -> bool:
    """Whether a `policies:` entry names a Python policy (not a Rego directory or file)."""
    return entry.startswith(MODULE_PREFIX) or entry.endswith(".py")


def _display(path: str) -> str:
    return display_name(Path(path))


def _raised_at(tb: TracebackType | None, preferred: str) -> str:
    """file:line where an exception was raised: the deepest frame in ``preferred`` (the
    policy module), else the deepest frame."""
    frames = traceback.extract_tb(tb)
    if not frames:
        return _display(preferred)
    inside = [frame for frame in frames if frame.filename == preferred]
    frame = (inside or frames)[-1]
    return f"{_display(frame.filename)}:{frame.lineno}"


def _import_file(path: Path) -> ModuleType:
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    name = f"sovlint_policy_{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise PolicyError(f"{_display(str(path))}: cannot load as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up by name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def load_policy_module(entry: str, base_dir: Path) -> ModuleType:
    """Import the module a `policies:` entry names; errors become `PolicyError`."""
    from sovlint.policy import PythonRule  # noqa: F401 - the decorator's module, loaded first

    if entry.startswith(MODULE_PREFIX):
        dotted = entry[len(MODULE_PREFIX):].strip()
        where = entry
        added = str(base_dir) not in sys.path
        if added:
            sys.path.append(str(base_dir))
        try:
            return importlib.import_module(dotted)
        except PolicyError:
            raise
        except ModuleNotFoundError as exc:
            if exc.name and dotted.startswith(exc.name):
                raise PolicyError(f"policies: {where}: no module named {exc.name!r} on the "
                                  f"Python path or in {_display(str(base_dir))}") from None
            raise PolicyError(f"policies: {where}: cannot import: {exc}") from None
        except Exception as exc:
            origin = getattr(importlib.util.find_spec(dotted), "origin", None) or dotted
            raise PolicyError(f"{_raised_at(exc.__traceback__, origin)}: cannot load policy "
                              f"module {dotted}: {type(exc).__name__}: {exc}") from None
        finally:
            if added:
                sys.path.remove(str(base_dir))
    path = Path(entry)
    if not path.is_absolute():
        path = base_dir / path
    if not path.is_file():
        raise PolicyError(f"policies: {_display(str(path))}: no such Python policy file")
    try:
        return _import_file(path)
    except PolicyError:
        raise
    except Exception as exc:
        raise PolicyError(f"{_raised_at(exc.__traceback__, str(path))}: cannot load policy "
                          f"module {_display(str(path))}: {type(exc).__name__}: {exc}") from None


def rules_of(module: ModuleType) -> list[Any]:
    """The `@rule` objects at the top level of a module, in definition order."""
    from sovlint.policy import PythonRule

    found: dict[int, PythonRule] = {}
    for value in vars(module).values():
        if isinstance(value, PythonRule):
            found.setdefault(id(value), value)
    return sorted(found.values(), key=lambda rule: (rule.file, rule.line))


class PythonEngine:
    """Python rules from modules, evaluated over the whole input in one call."""

    def __init__(self, entries: Sequence[str], base_dir: Path | None = None) -> None:
        from sovlint.policy import PythonRule

        self._rules: list[PythonRule] = []
        seen: dict[str, PythonRule] = {}
        base = base_dir if base_dir is not None else Path.cwd()
        for entry in entries:
            module = load_policy_module(entry, base)
            found = rules_of(module)
            if not found:
                raise PolicyError(f"policies: {entry}: the module defines no @rule function "
                                  "(see docs/policies.md, Python policies)")
            for rule in found:
                other = seen.get(rule.id)
                if other is not None and other is not rule:
                    raise PolicyError(f"{_display(rule.file)}:{rule.line}: rule id {rule.id} "
                                      f"is already declared in {_display(other.file)}:"
                                      f"{other.line}")
                if other is None:
                    seen[rule.id] = rule
                    self._rules.append(rule)

    def rules(self) -> dict[str, RuleMetadata]:
        return {
            rule.id: RuleMetadata(
                id=rule.id, name=rule.name, title=rule.title, severity=rule.severity,
                description=rule.description, references=rule.references,
                package=rule.module, file=_display(rule.file), line=rule.line,
                remediation=rule.remediation,
            )
            for rule in self._rules
        }

    def evaluate(self, input_document: dict[str, Any]) -> list[Deny]:
        from sovlint.policy import freeze

        document = freeze(input_document)
        denies: list[Deny] = []
        for rule in self._rules:
            if rule.scope == "model":
                denies.extend(self._run(rule, document, None))
                continue
            for resource in document["resources"]:
                denies.extend(self._run(rule, resource, resource))
        return denies

    def _run(self, rule: Any, argument: Mapping[str, Any],
             resource: Mapping[str, Any] | None) -> list[Deny]:
        from sovlint.policy import Violation, thaw

        try:
            result = rule(argument)
            items: Iterable[Any]
            if result is None:
                items = ()
            elif isinstance(result, str | Violation):
                items = (result,)
            else:
                items = list(result)
        except Exception as exc:
            subject = f" on {resource['address']}" if resource is not None else ""
            raise PolicyError(
                f"{_raised_at(exc.__traceback__, rule.file)}: Python rule {rule.id} "
                f"({_display(rule.file)}:{rule.line}) raised {type(exc).__name__}: {exc}"
                f"{subject}") from None
        address = resource["address"] if resource is not None else None
        source = resource["source"] if resource is not None else {}
        root = resource.get("root") if resource is not None else None
        denies: list[Deny] = []
        for item in items:
            if isinstance(item, str):
                denies.append(Deny(rule.id, address, item, file=source.get("file"), root=root))
            elif isinstance(item, Violation):
                own = item.resource is None or item.resource == address
                denies.append(Deny(
                    rule.id,
                    item.resource if item.resource is not None else address,
                    item.message,
                    file=item.file if item.file is not None else (
                        source.get("file") if own else None),
                    line=item.line,
                    target=thaw(item.target) if item.target is not None else None,
                    root=root,
                ))
            else:
                raise PolicyError(f"{_display(rule.file)}:{rule.line}: Python rule {rule.id} "
                                  f"produced {item!r}; expected a message string or a "
                                  "sovlint.policy.Violation")
        return denies
