"""The line that caused a finding, for reports that point at one line (SARIF, annotations).

A finding spans its resource block; what made it fire is often one attribute: the `region =`
of the resource or of its provider block (in another file), or the attribute that creates a
flow. Code review tools show inline alerts only on changed lines, so reports put that line
first and the block second. Only the built-in location and flow rules are traced; any other
finding keeps its own line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sovlint.model import Finding, Flow, Resource, Source

# Rules whose finding is about the resource's own location; SOV002 is about who hosts it
# (the resource type and provider), not about a line that chose a region.
_LOCATION_RULES = frozenset({"SOV001", "SOV004"})
_FLOW_RULES = frozenset({"SOV003", "SOV004"})


@dataclass(frozen=True)
class Cause:
    """Where the finding comes from, when it is not the first line of its block."""

    file: str
    line: int
    end_line: int


class Causes:
    """Looks up the causing line of findings among a scan's resources."""

    def __init__(self, resources: Iterable[Resource]) -> None:
        self._by_key: dict[tuple[str | None, str, str], Resource] = {}
        for resource in resources:
            self._by_key.setdefault((resource.root, resource.address, resource.source.file),
                                    resource)

    def of(self, finding: Finding) -> Cause | None:
        """The causing line of ``finding``, or None when it is the finding's own line."""
        if finding.resource is None:
            return None
        resource = self._by_key.get((finding.root, finding.resource, finding.file))
        if resource is None or finding.line != resource.source.line:
            return None  # a custom policy that named its own line keeps it
        cause = _cause(finding, resource)
        if cause is None or (cause.file, cause.line) == (finding.file, finding.line):
            return None
        return cause


def _cause(finding: Finding, resource: Resource) -> Cause | None:
    if finding.rule_id in _FLOW_RULES:
        flow = _flow_of(finding, resource.flows)
        if flow is not None and flow.line >= 1:
            return Cause(resource.source.file, flow.line, flow.line)
    if finding.rule_id in _LOCATION_RULES and resource.location.cause is not None:
        return _from_source(resource.location.cause)
    return None


def _flow_of(finding: Finding, flows: Iterable[Flow]) -> Flow | None:
    """The flow a flow finding names: its message says `via ATTRIBUTE`; with several flows
    through one attribute, the one whose target is the finding's."""
    named = [flow for flow in flows if f" via {flow.attribute}" in finding.message]
    if finding.target is not None:
        for flow in named:
            if (flow.target_resource == finding.target.get("resource")
                    and (flow.target.region_id or flow.target.written)
                    == finding.target.get("region")):
                return flow
    return named[0] if named else None


def _from_source(source: Source) -> Cause:
    return Cause(source.file, max(source.line, 1), max(source.end_line, source.line, 1))
