"""Python policies: a rule is a function decorated with `@rule`.

    from sovlint.policy import Violation, rule

    @rule(id="ACME010", title="health stores carry an owner label", severity="medium",
          description="Every store of health data names the team that answers for it.",
          remediation="add an `owner` tag or label")
    def health_store_has_owner(resource):
        if resource["labels"].get("data-classification") == "health" \\
                and "owner" not in resource["labels"]:
            yield f"{resource['address']} holds health data but has no owner label"

A rule of scope `resource` (the default) is called once per resource with that resource's
entry of the input document, the same entry Rego policies see as `input.resources[_]`; a rule
of scope `model` is called once with the whole input document (`resources`, `errors`,
`config`). Both are read-only: mappings and tuples that cannot be changed.

A rule yields (or returns) messages: a string reports the resource it was given (scope
`resource`), a `Violation` may name another resource, a file and line, or a flow target.

Python policies are the user's own code, loaded from the configuration (`policies:` entries
ending in `.py` or starting with `python:`); sovlint never imports Python from the scanned
repository.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from sovlint.engine import PolicyError
from sovlint.engine.metadata import rule_definition_problem

RuleScope = Literal["resource", "model"]
SCOPES: tuple[RuleScope, ...] = ("resource", "model")

__all__ = ["INPUT_SCHEMA", "PythonRule", "RuleScope", "Violation", "freeze", "input_schema",
           "rule", "thaw"]

# JSON Schema (draft 2020-12) of the input document, shipped with the package.
INPUT_SCHEMA = Path(__file__).parent / "schemas" / "input.schema.json"


def input_schema() -> dict[str, Any]:
    """The JSON Schema of the input document policies see (`sovlint scan --dump-input`)."""
    schema: dict[str, Any] = json.loads(INPUT_SCHEMA.read_text(encoding="utf-8"))
    return schema


@dataclass(frozen=True)
class Violation:
    """One finding of a Python rule.

    ``resource`` is the address of the resource the finding is about (default: the resource
    the rule was given); ``file`` and ``line`` default to where that resource is written;
    ``target`` describes a flow target, e.g. {"region": "us-east-1", "country": "US"}.
    """

    message: str
    resource: str | None = None
    file: str | None = None
    line: int | None = None
    target: Mapping[str, Any] | None = None


RuleResult = Iterable["str | Violation"] | str | Violation | None
RuleFunction = Callable[[Mapping[str, Any]], RuleResult]


@dataclass(frozen=True)
class PythonRule:
    """A rule function and its metadata; calling it calls the function."""

    id: str
    title: str
    severity: str
    function: RuleFunction
    scope: RuleScope = "resource"
    description: str = ""
    remediation: str = ""
    name: str = ""
    references: tuple[str, ...] = ()
    file: str = ""
    line: int = 0
    module: str = field(default="", compare=False)

    def __call__(self, document: Mapping[str, Any]) -> RuleResult:
        return self.function(document)


def rule(
    *,
    id: str,
    title: str,
    severity: str,
    description: str = "",
    remediation: str = "",
    name: str | None = None,
    references: Iterable[str] = (),
    scope: RuleScope = "resource",
) -> Callable[[RuleFunction], PythonRule]:
    """Declare a function as a sovlint rule (see the module documentation)."""

    def decorate(function: RuleFunction) -> PythonRule:
        code = getattr(function, "__code__", None)
        file = code.co_filename if code is not None else inspect.getfile(function)
        line = code.co_firstlineno if code is not None else 0
        problem = rule_definition_problem(id, title, severity)
        if problem is None and scope not in SCOPES:
            problem = f"rule {id}: scope must be one of {', '.join(SCOPES)}, got {scope!r}"
        if problem is not None:
            raise PolicyError(f"{file}:{line}: {problem}")
        return PythonRule(
            id=id,
            title=title,
            severity=severity,
            function=function,
            scope=scope,
            description=inspect.cleandoc(description),
            remediation=remediation.strip(),
            name=name or title.strip().lower().replace(" ", "-"),
            references=tuple(references),
            file=file,
            line=line,
            module=getattr(function, "__module__", ""),
        )

    return decorate


def freeze(value: Any) -> Any:
    """A read-only copy of a JSON value: mappings become mapping proxies, lists tuples."""
    if isinstance(value, dict):
        return MappingProxyType({key: freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
    return value


def thaw(value: Any) -> Any:
    """A plain JSON value (dicts and lists) from a frozen one."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(item) for item in value]
    return value
