"""Policy engines: the same input document in, the same `deny` objects out.

The embedded Rego engine is the default; a remote OPA server and Python policies implement
the same `PolicyEngine` protocol. Evaluation is batched: one call for all resources of a scan.
"""

from __future__ import annotations

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


class PolicyError(Exception):
    """A policy that cannot be loaded or evaluated: file:line:col and what is wrong."""


class PolicyEngine(Protocol):
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
    line = obj.get("line")
    target = obj.get("target")
    return Deny(
        rule_id=rule_id,
        resource=resource if isinstance(resource, str) else None,
        message=message,
        file=obj.get("file") if isinstance(obj.get("file"), str) else None,
        line=int(line) if isinstance(line, (int, float)) and not isinstance(line, bool) else None,
        target=target if isinstance(target, dict) else None,
    )
