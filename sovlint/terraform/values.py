"""Values of the Terraform evaluator: plain Python values plus explicit unknowns.

A value that cannot be determined statically is an `Unknown`, never a guess. It carries why
(`reason`, e.g. "var.region has no value") and which resources it refers to (`refs`), so that
a flow target `aws_s3_bucket.dr.arn` still names its resource.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Unknown:
    reason: str
    refs: frozenset[str] = field(default_factory=frozenset)
    # Every value this unknown may take, when known (a variable's validation list).
    candidates: tuple[Any, ...] | None = None


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


def merge_unknowns(values: Iterable[Any]) -> Unknown | None:
    """The first unknown's reason with every unknown's references; None when all are known."""
    unknowns = [value for value in values if isinstance(value, Unknown)]
    if not unknowns:
        return None
    refs: frozenset[str] = frozenset().union(*(u.refs for u in unknowns))
    return Unknown(unknowns[0].reason, refs)


def contains_unknown(value: Any) -> Unknown | None:
    """The first unknown found anywhere inside a value."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, dict):
        for item in value.values():
            found = contains_unknown(item)
            if found is not None:
                return found
    elif isinstance(value, list):
        for item in value:
            found = contains_unknown(item)
            if found is not None:
                return found
    return None


class LazyObject:
    """An object whose attributes are computed on demand (resources, modules, locals).

    `getter(name)` returns the attribute's value, or an Unknown for attributes only known after
    apply. `known()` lists the names that have a configured value.
    """

    def __init__(
        self,
        getter: Callable[[str], Any],
        known: Callable[[], Iterable[str]] = tuple,
        address: str = "",
    ) -> None:
        self._getter = getter
        self._known = known
        self.address = address
        self._cache: dict[str, Any] = {}

    def attr(self, name: str) -> Any:
        if name not in self._cache:
            self._cache[name] = self._getter(name)
        return self._cache[name]

    def to_dict(self) -> dict[str, Any]:
        return {name: self.attr(name) for name in self._known()}

    def __repr__(self) -> str:
        return f"LazyObject({self.address})"


def plain(value: Any) -> Any:
    """Turn lazy objects into dicts (for attribute trees handed to policies)."""
    if isinstance(value, LazyObject):
        return plain(value.to_dict())
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def to_json_safe(value: Any) -> Any:
    """JSON-serialisable view: unknowns become None (policies see `resolved` flags instead)."""
    if isinstance(value, Unknown):
        return None
    if isinstance(value, LazyObject):
        return to_json_safe(value.to_dict())
    if isinstance(value, dict):
        return {str(key): to_json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json_safe(item) for item in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value
