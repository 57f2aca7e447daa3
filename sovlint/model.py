"""The normalised model every parser feeds and every policy reads (SPEC §3).

Records are frozen dataclasses; ``to_input()`` methods give the JSON shape policies see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high", "critical")

# How a location set is read (SPEC §4.1 "Locations are sets"):
#   single     one known region
#   multi      several regions at once (GCS dual-region, Kubernetes `In` with several values)
#   candidates one region not known statically, but one of these (variable validation, any
#              region of a provider that only operates in listed places)
#   global     no fixed region (CDN, global load balancer, `global` key ring)
#   unknown    nothing known
LocationMode = Literal["single", "multi", "candidates", "global", "unknown"]


def severity_rank(severity: str) -> int:
    """Order of severities, low = 0."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0  # type: ignore[arg-type,unused-ignore]


@dataclass(frozen=True)
class Source:
    """Where a record was written: path relative to the scan root, forward slashes."""

    file: str
    line: int
    end_line: int

    def to_input(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "end_line": self.end_line}


@dataclass(frozen=True)
class Region:
    """One region of one provider entity, as the catalogue knows it."""

    id: str  # normalised id
    country: str  # ISO 3166-1 alpha-2, or "EU" for a location spread over EU member states
    countries: tuple[str, ...]  # every country the region spans (one for most regions)
    eu: bool
    eea: bool
    adequacy: bool
    name: str = ""


@dataclass(frozen=True)
class Location:
    """Where a resource (or a flow target) lives.

    ``regions`` holds the members (mode ``multi``/``single``) or the candidates (mode
    ``candidates``). ``written`` is the region as found in the configuration.
    """

    mode: LocationMode
    regions: tuple[Region, ...] = ()
    written: str | None = None
    resolved: bool = False
    how: str = ""  # how it was determined, e.g. "attribute region", "provider aws.dr"
    unresolved_reason: str | None = None
    # The line that set it (the resource's `region =`, the provider block's), when known:
    # reports point there first (SARIF's primary location). Not part of the policy input.
    cause: Source | None = field(default=None, compare=False)

    @property
    def countries(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for region in self.regions:
            for country in region.countries:
                seen[country] = None
        return tuple(seen)

    @property
    def region_id(self) -> str | None:
        if self.mode == "single" and len(self.regions) == 1:
            return self.regions[0].id
        if self.mode == "multi" and self.written:
            return self.written
        return None

    @property
    def country(self) -> str | None:
        countries = self.countries
        if self.mode in ("single", "multi") and len(countries) == 1:
            return countries[0]
        return None

    def to_input(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "region": self.region_id if self.region_id is not None else self.written,
            "written": self.written,
            "regions": [region.id for region in self.regions],
            "country": self.country,
            "countries": list(self.countries),
            "eu": bool(self.regions) and all(region.eu for region in self.regions),
            "eea": bool(self.regions) and all(region.eea for region in self.regions),
            "resolved": self.resolved,
            "how": self.how,
            "unresolved_reason": self.unresolved_reason,
        }


# The words every exceeded evaluation budget starts with (a count, a string, a nesting depth,
# a file size, a root module's time, a Rego evaluation), so that a reader and a test can find
# each one the same way.
LIMIT_EXCEEDED = "evaluation limit exceeded"

UNKNOWN_LOCATION = Location(mode="unknown", resolved=False)


@dataclass(frozen=True)
class Provider:
    """A provider entity (not a brand): OVHcloud US is not OVHcloud SAS."""

    id: str
    name: str
    hq_country: str
    jurisdiction: Literal["eu", "non-eu", "unknown"]
    law_notes: tuple[str, ...] = ()
    alias: str | None = None  # Terraform provider alias, e.g. "dr" for aws.dr

    def to_input(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "alias": self.alias,
            "hq_country": self.hq_country,
            "jurisdiction": self.jurisdiction,
            "law_notes": list(self.law_notes),
        }


UNKNOWN_PROVIDER = Provider(id="unknown", name="unknown", hq_country="", jurisdiction="unknown")


@dataclass(frozen=True)
class Flow:
    """Data leaving a resource: a replica, a backup copy, a failover partner, an edge copy."""

    kind: str  # replication, backup-copy, failover, geo-redundancy, read-replica, edge, telemetry
    target: Location
    target_resource: str | None
    attribute: str
    line: int
    # Where the data comes from: the resource itself, or the resource it configures (a
    # replication configuration's bucket), or for copies declared on the receiving side the
    # source they name.
    source: Location = Location(mode="unknown")
    source_resource: str | None = None

    def to_input(self) -> dict[str, Any]:
        target = self.target.to_input()
        target["resource"] = self.target_resource
        source = self.source.to_input()
        source["resource"] = self.source_resource
        return {"kind": self.kind, "target": target, "source": source,
                "attribute": self.attribute, "line": self.line}


@dataclass(frozen=True)
class Scope:
    in_scope: bool
    why: str

    def to_input(self) -> dict[str, Any]:
        return {"in_scope": self.in_scope, "why": self.why}


@dataclass(frozen=True)
class ContainerImage:
    """A container image a resource runs, and the registry it is pulled from (SOV006).

    ``operator`` is a catalogue provider entity or a registry operator of the registry
    catalogue; ``jurisdiction`` is ``unknown`` for a registry the catalogue does not know
    (a self-hosted Harbor). ``country`` is one ISO code or None; ``countries`` every country
    the registry's location spans (empty when it is not known).
    """

    image: str
    registry: str
    operator: str
    operator_name: str
    jurisdiction: Literal["eu", "non-eu", "unknown"]
    hq_country: str
    region: str | None
    countries: tuple[str, ...]
    container: str
    path: str

    @property
    def country(self) -> str | None:
        return self.countries[0] if len(self.countries) == 1 else None

    def to_input(self) -> dict[str, Any]:
        return {
            "image": self.image,
            "registry": self.registry,
            "operator": self.operator,
            "operator_name": self.operator_name,
            "jurisdiction": self.jurisdiction,
            "hq_country": self.hq_country,
            "region": self.region,
            "country": self.country,
            "countries": list(self.countries),
            "container": self.container,
            "path": self.path,
        }


@dataclass(frozen=True)
class TelemetryExport:
    """Where a resource ships its logs, metrics, traces or errors (SOV007).

    ``kind`` is logs, metrics, traces, errors or apm (every signal the agent or SDK sends).
    ``countries`` is empty when the endpoint's location is not known or the endpoint is in the
    cluster (``in_cluster``). ``source`` names the variable, ConfigMap key or attribute.
    """

    kind: str
    endpoint: str
    vendor: str
    vendor_hq_country: str
    vendor_jurisdiction: Literal["eu", "non-eu", "unknown"]
    region: str | None
    countries: tuple[str, ...]
    source: str
    container: str | None = None
    in_cluster: bool = False

    @property
    def country(self) -> str | None:
        return self.countries[0] if len(self.countries) == 1 else None

    def to_input(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "endpoint": self.endpoint,
            "vendor": self.vendor,
            "vendor_hq_country": self.vendor_hq_country,
            "vendor_jurisdiction": self.vendor_jurisdiction,
            "region": self.region,
            "country": self.country,
            "countries": list(self.countries),
            "source": self.source,
            "container": self.container,
            "in_cluster": self.in_cluster,
        }


@dataclass(frozen=True)
class Resource:
    """One resource record of the normalised model (SPEC §3)."""

    address: str
    type: str
    kind: Literal["terraform", "kubernetes", "backend"]
    source: Source
    provider: Provider
    location: Location
    data_bearing: bool
    flows: tuple[Flow, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    scope: Scope = Scope(in_scope=True, why="default")
    attributes: dict[str, Any] = field(default_factory=dict)
    # Terraform module path ("" for the root), for reports and inventory.
    module: str = ""
    # Container images the resource runs (SOV006) and telemetry it exports (SOV007).
    images: tuple[ContainerImage, ...] = ()
    telemetry: tuple[TelemetryExport, ...] = ()
    # The root module it was evaluated for (Terraform: that directory relative to the scan
    # root, "." for the scan root itself) or the Kustomize overlay / Helm chart that rendered
    # it; None for a plain manifest. Identity is (root, address) (SPEC §3).
    root: str | None = None
    # Why the resource's class could not be decided statically (an azapi resource whose ARM
    # `type` is unknown): it counts as data-bearing, and SOV004 names this reason.
    unclassified_reason: str | None = None

    def with_scope(self, scope: Scope) -> Resource:
        """This record with another scope. `dataclasses.replace` does the same through
        `__init__` and costs ten times more; every resource of a scan goes through here."""
        return self._with("scope", scope)

    def with_root(self, root: str | None) -> Resource:
        """This record as evaluated for the root module (or overlay) `root`."""
        return self._with("root", root)

    def _with(self, name: str, value: Any) -> Resource:
        copy = object.__new__(Resource)
        copy.__dict__.update(self.__dict__)
        object.__setattr__(copy, name, value)
        return copy

    def to_input(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "root": self.root,
            "type": self.type,
            "kind": self.kind,
            "source": self.source.to_input(),
            "provider": self.provider.to_input(),
            "location": self.location.to_input(),
            "data_bearing": self.data_bearing,
            "unclassified_reason": self.unclassified_reason,
            "flows": [flow.to_input() for flow in self.flows],
            "labels": dict(self.labels),
            "scope": self.scope.to_input(),
            "attributes": self.attributes,
            "images": [image.to_input() for image in self.images],
            "telemetry": [export.to_input() for export in self.telemetry],
        }


@dataclass(frozen=True)
class ParseError:
    """An input that could not be read: becomes SOV000 and an `errors` entry."""

    file: str
    line: int
    message: str
    column: int | None = None

    def to_input(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "message": self.message}


@dataclass(frozen=True)
class Diagnostic:
    """Something the user should know that is not a finding (a module not available, ...)."""

    file: str
    message: str
    line: int | None = None


@dataclass(frozen=True)
class Suppression:
    reason: str
    owner: str | None = None
    until: str | None = None
    file: str = ""
    line: int = 0
    kind: Literal["inline", "baseline"] = "inline"


@dataclass(frozen=True)
class Finding:
    rule_id: str
    rule_name: str
    severity: Severity
    message: str
    resource: str | None
    resource_type: str | None
    file: str
    line: int
    end_line: int
    location: dict[str, Any] | None = None
    target: dict[str, Any] | None = None
    suppression: Suppression | None = None
    # The root module (or overlay) of the resource: with `resource`, its identity.
    root: str | None = None

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None

    def sort_key(self) -> tuple[str, int, str, str, str]:
        return (self.file, self.line, self.rule_id, self.resource or "", self.root or "")

    def subject(self, *, with_root: bool) -> str | None:
        """The resource as reports name it: `root: address` when the scan has several roots
        (SPEC §3), else the address; None for a finding on a file."""
        if self.resource is None:
            return None
        return root_qualified(self.root, self.resource, with_root=with_root)


def root_qualified(root: str | None, address: str, *, with_root: bool) -> str:
    """`examples/complete: module.aks.azurerm_kubernetes_cluster.main` when the scan has
    several roots (SPEC §3), else the address alone."""
    return f"{root}: {address}" if with_root and root is not None else address


@dataclass(frozen=True)
class RuleDescription:
    """A custom rule (Rego or Python policy) the scan evaluated, as reports describe it."""

    id: str
    name: str
    severity: Severity
    title: str = ""
    description: str = ""
    remediation: str = ""
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScanResult:
    profile: str
    files: int
    resources: tuple[Resource, ...]
    findings: tuple[Finding, ...]
    errors: tuple[ParseError, ...]
    diagnostics: tuple[Diagnostic, ...]
    fail_on: Severity
    skipped_files: int = 0
    excluded_files: int = 0
    # Skipped files by reason (SPEC §2 "not input"), most frequent first; sums to skipped_files.
    skipped_by_reason: dict[str, int] = field(default_factory=dict)
    # Custom rules the scan evaluated (built-in rules are described by sovlint's own docs).
    custom_rules: tuple[RuleDescription, ...] = ()
    # Absolute directories: the one report paths are relative to, and the first scanned
    # directory (SARIF makes paths relative to the repository holding it).
    display_root: str = ""
    scan_root: str = ""
    # Rules of the profile the configuration turned off (`rules: {ID: off}`): reports that
    # list every check (JUnit) show them as skipped, not as passed.
    disabled_rules: tuple[str, ...] = ()

    @property
    def active_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.suppressed)

    @property
    def several_roots(self) -> bool:
        """Whether the scan has more than one root module or overlay: then reports name each
        finding's root (SPEC §3)."""
        roots = {r.root for r in self.resources if r.root is not None}
        roots |= {f.root for f in self.findings if f.root is not None}
        return len(roots) > 1

    @property
    def passed(self) -> bool:
        threshold = severity_rank(self.fail_on)
        return not any(severity_rank(f.severity) >= threshold for f in self.active_findings)
