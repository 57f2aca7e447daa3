"""Findings whose only cause is a module call that was not read, reported once, at that call.

A generic resource (azapi) whose ARM type comes from the outputs of a module that was not read
has no known class: it counts as data-bearing (fail closed), so SOV001, SOV002, SOV004 and
SOV005 would report each of its instances, in the module's file, though the one thing to fix is
the module call (`terraform init`, or vendoring the module). When that call has its own SOV004
finding, the resources' findings of those rules are folded into it: its message names them and
how many there were. The gate fails as before, on the line that caused it. Nothing is folded
when the call has no finding (SOV004 disabled, or `terraform.unread_modules: diagnostic`), so
those resources are then reported one by one. Flows (SOV003) are never folded: they are
reported whatever the class.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sovlint.model import Finding, Resource
from sovlint.terraform.loader import unread_module_in

FOLDED_RULES = frozenset({"SOV001", "SOV002", "SOV004", "SOV005"})
_NAMED = 3  # resources named in the call's message; the rest are counted


def fold_into_unread_modules(findings: Sequence[Finding],
                             resources: Sequence[Resource]) -> list[Finding]:
    cause: dict[tuple[str | None, str], str] = {}
    for resource in resources:
        if resource.unclassified_reason:
            call = unread_module_in(resource.unclassified_reason)
            if call is not None:
                cause[(resource.root, resource.address)] = call
    if not cause:
        return list(findings)
    calls = {(f.root, f.resource) for f in findings
             if f.rule_id == "SOV004" and f.resource_type == "module"}
    folded: dict[tuple[str | None, str], list[Finding]] = {}
    kept: list[Finding] = []
    for finding in findings:
        call = (cause.get((finding.root, finding.resource))
                if finding.rule_id in FOLDED_RULES and finding.resource is not None else None)
        if call is not None and (finding.root, call) in calls:
            folded.setdefault((finding.root, call), []).append(finding)
        else:
            kept.append(finding)
    return [_with_dependents(finding, folded.get((finding.root, finding.resource or "")))
            if finding.rule_id == "SOV004" and finding.resource_type == "module" else finding
            for finding in kept]


def _with_dependents(finding: Finding, dependents: list[Finding] | None) -> Finding:
    if not dependents:
        return finding
    places = sorted({(d.resource or "", d.file, d.line) for d in dependents})
    named = ", ".join(f"{address} ({file}:{line})" for address, file, line in places[:_NAMED])
    more = len(places) - _NAMED
    rules = ", ".join(sorted({d.rule_id for d in dependents}))
    return dataclasses.replace(finding, message=(
        f"{finding.message}; {len(places)} resource{'s' if len(places) != 1 else ''} whose "
        f"class comes from its outputs {'are' if len(places) != 1 else 'is'} reported here, "
        f"not one by one ({rules}): {named}{f' and {more} more' if more > 0 else ''}"))
