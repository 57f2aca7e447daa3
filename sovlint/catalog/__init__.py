"""Region, provider and resource-type catalogue: the data in ``data/*.yaml`` and its lookups.

Everything here is read from the YAML files shipped with the package, once, on first use. The
lookups never guess: a region or provider that is not in the catalogue gives ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatchcase
from functools import cache
from importlib import resources
from typing import Any, Literal, cast

from sovlint.cache import load_yaml_data
from sovlint.model import Provider, Region

__all__ = [
    "CatalogueIdentity",
    "catalogue_identity",
    "country_name",
    "entity_for",
    "expand_countries",
    "get_provider",
    "is_control_plane",
    "is_global_type",
    "location_attributes",
    "lookup_region",
    "paired_region",
    "preload",
    "provider_config_region_attributes",
    "provider_ids",
    "provider_record",
    "regions_for_id",
    "regions_of",
    "terraform_provider_of_type",
    "terraform_providers",
]

CaseRule = Literal["sensitive", "insensitive", "azure"]


@cache
def load_data(name: str) -> Any:
    """One of the catalogue's data files (``data/NAME``), parsed once per process."""
    path = resources.files("sovlint.catalog").joinpath("data").joinpath(name)
    return load_yaml_data(path.read_text(encoding="utf-8"))


def preload() -> None:
    """Read every data file now (each is read once per process anyway): a scan calls this
    while its worker processes evaluate the Terraform, when it would otherwise wait."""
    for name in ("flows.yaml", "registries.yaml", "telemetry.yaml", "parent_locations.yaml"):
        load_data(name)
    _regions()
    _providers()
    _resource_types()
    _countries()


@dataclass(frozen=True)
class _Entry:
    region: Region
    kind: str
    parent: str | None
    paired: str | None


@dataclass(frozen=True)
class _Entity:
    id: str
    case: CaseRule
    zone_patterns: tuple[re.Pattern[str], ...]
    entries: dict[str, _Entry]  # normalised written id -> entry
    ids: dict[str, str]  # normalised written id -> catalogue id

    def normalise(self, written: str) -> str:
        return _normalise(self.case, written)


def _normalise(case: CaseRule, written: str) -> str:
    text = written.strip()
    if case == "azure":
        return re.sub(r"[\s_]+", "", text).casefold()
    if case == "insensitive":
        return text.casefold()
    return text


def _as_str_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return [str(value)]


@cache
def _regions() -> dict[str, _Entity]:
    data = cast(dict[str, Any], load_data("regions.yaml"))
    entities: dict[str, _Entity] = {}
    for entity_id, body in data.items():
        match = body.get("match") or {}
        case = cast(CaseRule, match.get("case", "sensitive"))
        flags = re.IGNORECASE if case != "sensitive" else 0
        patterns = tuple(re.compile(p, flags) for p in _as_str_list(match.get("zone_patterns")))
        entries: dict[str, _Entry] = {}
        ids: dict[str, str] = {}
        for region_id, fields in (body.get("regions") or {}).items():
            region_id = str(region_id)
            region = Region(
                id=region_id,
                country=str(fields["country"]),
                countries=tuple(_as_str_list(fields["countries"])),
                eu=bool(fields["eu"]),
                eea=bool(fields["eea"]),
                adequacy=bool(fields["adequacy"]),
                name=str(fields.get("name", "")),
            )
            key = _normalise(case, region_id)
            entries[key] = _Entry(
                region=region,
                kind=str(fields.get("kind", "region")),
                parent=fields.get("parent"),
                paired=fields.get("paired_region"),
            )
            ids[key] = region_id
        entities[str(entity_id)] = _Entity(str(entity_id), case, patterns, entries, ids)
    return entities


@cache
def _providers() -> dict[str, dict[str, Any]]:
    data = cast(dict[str, dict[str, Any]], load_data("providers.yaml"))
    return {str(key): value for key, value in data.items()}


@cache
def _resource_types() -> dict[str, Any]:
    return cast(dict[str, Any], load_data("resource_types.yaml"))


@cache
def _countries() -> dict[str, Any]:
    return cast(dict[str, Any], load_data("countries.yaml"))


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class CatalogueIdentity:
    """When the catalogue was last reviewed, and the provider schemas its type tables come
    from (``data/catalogue.yaml``)."""

    date: str
    schemas: tuple[str, ...]


@cache
def catalogue_identity() -> CatalogueIdentity:
    """The catalogue's date and schema versions; ValueError naming the file and the field when
    ``catalogue.yaml`` lacks them or holds a malformed date (a package built without a
    reviewed date must not claim one)."""
    data = load_data("catalogue.yaml")
    where = "sovlint/catalog/data/catalogue.yaml"
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected a mapping with catalogue_date and schemas")
    written = data.get("catalogue_date")
    if not isinstance(written, str) or not _DATE.fullmatch(written):
        raise ValueError(f"{where}: catalogue_date must be a quoted date YYYY-MM-DD, "
                         f"got {written!r}")
    try:
        date.fromisoformat(written)
    except ValueError as exc:
        raise ValueError(f"{where}: catalogue_date {written!r} is not a date: {exc}") from None
    schemas = data.get("schemas")
    if not isinstance(schemas, list) or not all(isinstance(s, str) and s for s in schemas):
        raise ValueError(f"{where}: schemas must be a list of provider schema versions")
    return CatalogueIdentity(written, tuple(schemas))


# ---------------------------------------------------------------------------------------------
# Providers


@cache
def get_provider(entity_id: str) -> Provider | None:
    """The provider entity (alias left None), or None when the id is not in the catalogue."""
    record = _providers().get(entity_id)
    if record is None:
        return None
    jurisdiction = str(record.get("jurisdiction", "unknown"))
    if jurisdiction not in ("eu", "non-eu"):
        jurisdiction = "unknown"
    return Provider(
        id=entity_id,
        name=str(record.get("name", entity_id)),
        hq_country=str(record.get("hq_country", "")),
        jurisdiction=cast(Literal["eu", "non-eu", "unknown"], jurisdiction),
        law_notes=tuple(_as_str_list(record.get("law_notes"))),
    )


def provider_ids() -> list[str]:
    """Every provider entity id, sorted."""
    return sorted(_providers())


def provider_record(entity_id: str) -> Mapping[str, Any] | None:
    """The raw catalogue record of an entity (sources, certifications...), for docs and listings."""
    return _providers().get(entity_id)


@cache
def _entities_by_terraform_provider() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for entity_id in sorted(_providers()):
        for name in _as_str_list(_providers()[entity_id].get("terraform_providers")):
            table.setdefault(name.lower(), []).append(entity_id)
    return {name: tuple(ids) for name, ids in table.items()}


def entities_of_terraform_provider(name: str) -> tuple[str, ...]:
    """The entity ids a Terraform provider name maps to (empty when none)."""
    return _entities_by_terraform_provider().get(name.strip().lower(), ())


def terraform_providers() -> list[str]:
    """Every Terraform provider name the catalogue maps to an entity, sorted."""
    return sorted(_entities_by_terraform_provider())


def _region_matches(entity_id: str, region: str) -> bool:
    rule = _providers()[entity_id].get("region_match") or {}
    lowered = region.strip().lower()
    if any(lowered.startswith(prefix.lower()) for prefix in _as_str_list(rule.get("prefixes"))):
        return True
    return bool(rule.get("listed")) and lookup_region(entity_id, region) is not None


def entity_for(terraform_provider: str, region_id: str | None) -> str | None:
    """The provider entity behind a Terraform provider name and (optionally) a region.

    Entities that share a Terraform provider are told apart by the region (``region_match``);
    without a region, or when no special entity claims it, the provider's default entity.
    """
    if not isinstance(terraform_provider, str) or not isinstance(region_id, (str, type(None))):
        return None
    return _entity_for(terraform_provider, region_id)


@cache  # catalogue data never changes within a process; called for every resource
def _entity_for(terraform_provider: str, region_id: str | None) -> str | None:
    candidates = _entities_by_terraform_provider().get(terraform_provider.strip().lower())
    if not candidates:
        return None
    default: str | None = None
    for entity_id in candidates:
        if not _providers()[entity_id].get("region_match"):
            default = default or entity_id
        elif region_id and region_id.strip() and _region_matches(entity_id, region_id):
            return entity_id
    return default


def terraform_provider_of_type(resource_type: str) -> str:
    """The Terraform provider a resource type belongs to: its prefix before the first "_"."""
    overrides = _resource_types().get("type_providers") or {}
    if resource_type in overrides:
        return str(overrides[resource_type])
    return resource_type.split("_", 1)[0]


# ---------------------------------------------------------------------------------------------
# Regions


def _resolve(entity: _Entity, key: str, depth: int = 0) -> Region | None:
    entry = entity.entries.get(key)
    if entry is None:
        return None
    if entry.parent is not None and depth < 4:
        return _resolve(entity, entity.normalise(entry.parent), depth + 1)
    return entry.region


def _find_key(entity: _Entity, written: str) -> str | None:
    text = written.strip()
    if not text:
        return None
    key = entity.normalise(text)
    if key in entity.entries:
        return key
    for pattern in entity.zone_patterns:
        found = pattern.fullmatch(text)
        if found is None:
            continue
        reduced = entity.normalise(found.group("region"))
        if reduced in entity.entries:
            return reduced
    return None


def lookup_region(entity_id: str, written: str) -> Region | None:
    """The catalogue region for a region, zone or alias as written; None when unknown.

    Case rules per entity (OVH, Google, Azure display names), zones reduced to their region
    (``eu-west-3a``, ``europe-west1-b``, ``fr-par-1``), OVH numbered regions to their family
    when the number itself is not listed.
    """
    if not isinstance(entity_id, str) or not isinstance(written, str):
        return None
    return _lookup_region(entity_id, written)


@cache  # as entity_for: a few distinct regions, looked up for every resource and flow
def _lookup_region(entity_id: str, written: str) -> Region | None:
    entity = _regions().get(entity_id)
    if entity is None:
        return None
    key = _find_key(entity, written)
    return _resolve(entity, key) if key is not None else None


def regions_of(entity_id: str) -> list[Region]:
    """The regions (kind ``region``: no zones, aliases or multi-regions) of an entity, by id."""
    entity = _regions().get(entity_id)
    if entity is None:
        return []
    found = [e.region for e in entity.entries.values() if e.kind == "region" and e.parent is None]
    return sorted(found, key=lambda region: region.id)


def regions_for_id(written: str) -> list[tuple[str, Region]]:
    """Every (entity id, region) whose catalogue knows this id, by entity id.

    For Kubernetes node labels when the provider is not known: ``eu-west-2`` is London on AWS and
    Paris on Outscale, so callers must not pick one when the countries differ.
    """
    matches: list[tuple[str, Region]] = []
    for entity_id in sorted(_regions()):
        region = lookup_region(entity_id, written)
        if region is not None:
            matches.append((entity_id, region))
    return matches


def paired_region(entity_id: str, region_id: str) -> Region | None:
    """The paired region (Azure region pairs), or None when the region has no pair."""
    entity = _regions().get(entity_id)
    if entity is None:
        return None
    key = _find_key(entity, region_id)
    if key is None:
        return None
    home = _resolve(entity, key)
    if home is None:
        return None
    entry = entity.entries[entity.normalise(home.id)]
    if entry.paired is None:
        return None
    return lookup_region(entity_id, entry.paired)


# ---------------------------------------------------------------------------------------------
# Resource types


@dataclass(frozen=True)
class _TypePatterns:
    """Glob patterns over type names, split so that most lookups need no regex at all."""

    exact: frozenset[str]
    prefixes: tuple[str, ...]  # patterns `prefix*`
    globs: tuple[str, ...]  # anything else, matched with fnmatch

    def match(self, resource_type: str) -> bool:
        return (resource_type in self.exact or resource_type.startswith(self.prefixes)
                or any(fnmatchcase(resource_type, pattern) for pattern in self.globs))


@cache
def _patterns(section: str) -> _TypePatterns:
    exact: set[str] = set()
    prefixes: list[str] = []
    globs: list[str] = []
    for pattern in _as_str_list(_resource_types().get(section)):
        special = [i for i, char in enumerate(pattern) if char in "*?["]
        if not special:
            exact.add(pattern)
        elif special == [len(pattern) - 1] and pattern.endswith("*"):
            prefixes.append(pattern[:-1])
        else:
            globs.append(pattern)
    return _TypePatterns(frozenset(exact), tuple(prefixes), tuple(globs))


@cache
def is_control_plane(resource_type: str) -> bool:
    """True for types that hold no customer data (IAM, networks, ...). Unknown types: False.
    The decision is data/classification.yaml's (sovlint.catalog.classify)."""
    from sovlint.catalog.classify import classify_type

    return classify_type(resource_type).control_plane


@cache
def is_global_type(resource_type: str) -> bool:
    """True for types with no fixed region (CDN, global load balancer, global accelerator)."""
    return _patterns("global_types").match(resource_type)


def _provider_section(terraform_provider: str) -> Mapping[str, Any]:
    providers = _resource_types().get("providers") or {}
    section = providers.get(terraform_provider.strip().lower())
    return section if isinstance(section, Mapping) else {}


def location_attributes(
    terraform_provider: str, resource_type: str | None = None
) -> tuple[str, ...]:
    """Resource attributes that name the location, in order of preference.

    With ``resource_type``, attributes particular to that type (Spanner ``config``) come first.
    """
    names = _as_str_list(_provider_section(terraform_provider).get("location_attributes"))
    if resource_type is not None:
        extra = (_resource_types().get("type_location_attributes") or {}).get(resource_type)
        names = [*_as_str_list(extra), *(n for n in names if n not in _as_str_list(extra))]
    return tuple(names)


def default_location(resource_type: str) -> tuple[str, str] | None:
    """(region, source) where a type lives when it names no location, as its provider
    documents (BigQuery datasets: US); None when the type has no such default."""
    entry = (_resource_types().get("default_locations") or {}).get(resource_type)
    if not isinstance(entry, Mapping) or not isinstance(entry.get("region"), str):
        return None
    return str(entry["region"]), str(entry.get("source", ""))


def storage_provisioner_entity(provisioner: str) -> str | None:
    """Provider entity of a Kubernetes storage provisioner (CSI driver), e.g.
    `ebs.csi.aws.com` -> aws; None when the catalogue does not know it."""
    table = _resource_types().get("kubernetes_storage_provisioners") or {}
    entity = table.get(provisioner.strip().lower()) if provisioner else None
    return str(entity) if isinstance(entity, str) else None


def flow_specs(resource_type: str) -> tuple[Mapping[str, Any], ...]:
    """The flows a resource type can create (flows.yaml): kind, JSONPath, target lookup."""
    specs = load_data("flows.yaml").get(resource_type) or []
    return tuple(spec for spec in specs if isinstance(spec, Mapping) and "path" in spec)


def provider_region_data_attributes(data_type: str) -> tuple[str, ...]:
    """Attributes of a data source that return its provider's region (`aws_region.name`)."""
    table = _resource_types().get("provider_region_data_sources") or {}
    return tuple(_as_str_list(table.get(data_type)))


def parent_attributes(terraform_provider: str) -> tuple[str, ...]:
    """Attributes through which a child resource takes its parent's location
    (`ionoscloud_server.datacenter_id`, `ovh_cloud_project_kube_nodepool.kube_id`)."""
    return tuple(_as_str_list(_provider_section(terraform_provider).get("parent_attributes")))


def parent_location_attributes(resource_type: str) -> tuple[str, ...]:
    """Attributes naming the parent of a type whose location is its parent's
    (parent_locations.yaml): there the parent wins over the provider's default region."""
    entry = (load_data("parent_locations.yaml") or {}).get(resource_type)
    if not isinstance(entry, Mapping):
        return ()
    return tuple(_as_str_list(entry.get("parent_attributes")))


@cache
def _endpoint_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    entries = _resource_types().get("storage_endpoints") or []
    return tuple(
        (re.compile(str(entry["pattern"]), re.IGNORECASE), str(entry["entity"]))
        for entry in entries
        if isinstance(entry, Mapping) and "pattern" in entry and "entity" in entry
    )


def entity_for_endpoint(url: str) -> tuple[str, str | None] | None:
    """(entity, region as written) of an S3-compatible endpoint URL, e.g. OVHcloud's
    `https://s3.gra.io.cloud.ovh.net`; None when the host is not in the catalogue."""
    for pattern, entity in _endpoint_patterns():
        match = pattern.search(url.strip())
        if match:
            return entity, match.groupdict().get("region")
    return None


def provider_config_region_attributes(terraform_provider: str) -> tuple[str, ...]:
    """Provider-configuration attributes that carry a default region (empty for azurerm, ovh)."""
    return tuple(_as_str_list(_provider_section(terraform_provider).get("provider_config")))


# ---------------------------------------------------------------------------------------------
# Countries


@cache
def _group_members() -> dict[str, frozenset[str]]:
    groups = _countries().get("groups") or {}
    resolved: dict[str, frozenset[str]] = {}

    def members(name: str, depth: int = 0) -> frozenset[str]:
        if name in resolved:
            return resolved[name]
        group = groups[name]
        codes = set(_as_str_list(group.get("members")))
        for included in _as_str_list(group.get("includes")):
            if depth < 4:
                codes |= members(included, depth + 1)
        resolved[name] = frozenset(codes)
        return resolved[name]

    for name in groups:
        members(str(name))
    return resolved


@cache
def _country_names() -> dict[str, str]:
    names = _countries().get("names") or {}
    return {str(code): str(name) for code, name in names.items()}


def expand_countries(items: Iterable[str]) -> frozenset[str]:
    """ISO codes for a list of groups (EU, EEA, ADEQUACY) and ISO 3166-1 alpha-2 codes.

    Raises ValueError naming the first item that is neither a group nor a country code.
    """
    groups = _group_members()
    names = _country_names()
    result: set[str] = set()
    for item in items:
        code = str(item).strip().upper()
        if code in groups:
            result |= groups[code]
        elif len(code) == 2 and code in names and code not in ("EU", "ZZ"):
            result.add(code)
        else:
            known = ", ".join(sorted(groups))
            raise ValueError(
                f"unknown country or group {item!r}: "
                f"use an ISO 3166-1 alpha-2 code or one of {known}"
            )
    return frozenset(result)


def country_name(code: str) -> str:
    """A short English name for an ISO code ("FR" -> "France"); the code itself when unknown."""
    return _country_names().get(code.strip().upper(), code)
