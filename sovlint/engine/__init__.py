"""Policy engines: the same input document in, the same `deny` objects out.

The embedded Rego engine is the default; a remote OPA server and Python policies implement
the same `PolicyEngine` protocol. Evaluation is batched: one call for all resources of a scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sovlint.engine.metadata import RuleMetadata


@dataclass(frozen=True)
class Deny:
    """One `deny` object a policy emitted."""

    rule_id: str
    resource: str | None
    message: str
    file: str | None = None
    line: int | None = None
    target: dict[str, Any] | None = None
    # The resource's `root` (SPEC §3): which of the records sharing an address is meant.
    root: str | None = None


class PolicyError(Exception):
    """A policy that cannot be loaded or evaluated: file:line:col and what is wrong."""


class PolicyEngine(Protocol):
    """What the scan needs of a policy engine."""

    def rules(self) -> dict[str, RuleMetadata]:
        """Metadata of every rule the engine evaluates, by rule id."""

    def evaluate(self, input_document: dict[str, Any]) -> list[Deny]:
        """Every deny for the whole input, in one evaluation."""


def deny_from_object(obj: Any) -> Deny | None:
    """A Deny from a policy's JSON object; None when it lacks the contract's fields."""
    if not isinstance(obj, dict):
        return None
    rule_id = obj.get("rule_id")
    message = obj.get("message")
    if not isinstance(rule_id, str) or not isinstance(message, str):
        return None
    resource = obj.get("resource")
    root = obj.get("root")
    line = obj.get("line")
    target = obj.get("target")
    return Deny(
        rule_id=rule_id,
        resource=resource if isinstance(resource, str) else None,
        message=message,
        file=obj.get("file") if isinstance(obj.get("file"), str) else None,
        line=int(line) if isinstance(line, (int, float)) and not isinstance(line, bool) else None,
        target=target if isinstance(target, dict) else None,
        root=root if isinstance(root, str) else None,
    )


class CombinedEngine:
    """Several engines as one (Rego and Python policies): each evaluates the whole input once.

    A rule id declared by two engines is a `PolicyError` naming both declarations.
    """

    def __init__(self, engines: Sequence[PolicyEngine]) -> None:
        self.engines = tuple(engines)
        self._rules: dict[str, RuleMetadata] = {}
        for engine in self.engines:
            for rule_id, metadata in engine.rules().items():
                other = self._rules.get(rule_id)
                if other is not None:
                    raise PolicyError(f"{metadata.file}:{metadata.line}: rule id {rule_id} is "
                                      f"already declared in {other.file}:{other.line}")
                self._rules[rule_id] = metadata

    def rules(self) -> dict[str, RuleMetadata]:
        return dict(self._rules)

    def evaluate(self, input_document: dict[str, Any]) -> list[Deny]:
        denies: list[Deny] = []
        for engine in self.engines:
            denies.extend(engine.evaluate(input_document))
        return denies


def combine(engines: Sequence[PolicyEngine]) -> PolicyEngine:
    """One engine for several: the engine itself when there is one."""
    return engines[0] if len(engines) == 1 else CombinedEngine(engines)
