"""Container registries and telemetry endpoints: who operates a host, and where it is.

The knowledge is data (``data/registries.yaml``, ``data/telemetry.yaml``); this module parses
image references the way Docker does and classifies hosts. Nothing here guesses: a host the
catalogue does not know is ``unknown``, never foreign by default.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from typing import Any, Literal, cast
from urllib.parse import urlsplit

from sovlint import catalog

__all__ = [
    "Endpoint",
    "ImageReference",
    "RegistryInfo",
    "classify_endpoint",
    "endpoint_host",
    "lookup_registry",
    "parse_image",
    "registry_trusted",
    "telemetry_variables",
    "terraform_provider_telemetry",
    "terraform_resource_telemetry",
]

Jurisdiction = Literal["eu", "non-eu", "unknown"]
DOCKER_HUB = "docker.io"

def _load(name: str) -> dict[str, Any]:
    return cast(dict[str, Any], catalog.load_data(name) or {})


def _jurisdiction(value: Any) -> Jurisdiction:
    text = str(value or "unknown")
    return cast(Jurisdiction, text if text in ("eu", "non-eu") else "unknown")


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(item) for item in value)
    return (str(value),)


# ---------------------------------------------------------------------------------------------
# Image references


@dataclass(frozen=True)
class ImageReference:
    """An image reference split like Docker's reference parser does."""

    registry: str  # host[:port], lower-case; docker.io when the reference names none
    repository: str  # path inside the registry; `library/` added for Docker Hub single names
    tag: str | None
    digest: str | None

    @property
    def host(self) -> str:
        """The registry host without its port."""
        return _strip_port(self.registry)

    @property
    def normalised(self) -> str:
        text = f"{self.registry}/{self.repository}"
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


_TEMPLATED = re.compile(r"\{\{|\$\{|\$\(|<|>|\s")


def parse_image(reference: str) -> ImageReference | None:
    """Registry, repository, tag and digest of an image reference; None when the reference is
    empty or still a template (`{{ .Values.image }}`, `${var.image}`, `$(IMAGE)`).

    The first path component is a registry host when it contains `.` or `:`, is `localhost`,
    or has upper-case letters; otherwise the image comes from docker.io, and a single-name
    image gets the implied `library/` namespace (`nginx` is `docker.io/library/nginx`).
    """
    text = reference.strip() if isinstance(reference, str) else ""
    if not text or _TEMPLATED.search(text):
        return None
    name, _, digest = text.partition("@")
    slash = name.find("/")
    first = name[:slash] if slash != -1 else ""
    if slash != -1 and (any(c in first for c in ".:") or first == "localhost"
                        or first != first.lower()):
        registry, rest = first.lower(), name[slash + 1:]
    else:
        registry, rest = DOCKER_HUB, name
    tag: str | None = None
    colon = rest.rfind(":")
    if colon != -1:
        rest, tag = rest[:colon], rest[colon + 1:] or None
    if not rest or rest.startswith("/") or rest.endswith("/"):
        return None
    if registry == "index.docker.io":
        registry = DOCKER_HUB
    if registry == DOCKER_HUB and "/" not in rest:
        rest = f"library/{rest}"
    return ImageReference(registry=registry, repository=rest, tag=tag, digest=digest or None)


def _strip_port(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    if host.startswith("["):  # [::1]:5000
        return host.split("]", 1)[0] + "]"
    return host.split(":", 1)[0] if host.count(":") == 1 else host


# ---------------------------------------------------------------------------------------------
# Registries


@dataclass(frozen=True)
class RegistryInfo:
    """Who operates a registry host and where it is."""

    host: str
    registry_id: str | None  # the catalogue entry, None when the host is not known
    operator: str  # provider entity or registry operator id; "unknown"
    operator_name: str
    hq_country: str
    jurisdiction: Jurisdiction
    region: str | None  # catalogue region id, "global", or the region as written
    countries: tuple[str, ...]  # empty when the location is not known or global

    @property
    def known(self) -> bool:
        return self.registry_id is not None


@dataclass(frozen=True)
class _RegistryEntry:
    id: str
    hosts: frozenset[str]
    pattern: re.Pattern[str] | None
    operator: str | None
    provider: str | None
    region: str | None
    region_map: Mapping[str, str]
    countries: tuple[str, ...]
    global_: bool


@cache
def _registry_entries() -> tuple[_RegistryEntry, ...]:
    entries: list[_RegistryEntry] = []
    for raw in _load("registries.yaml").get("registries") or []:
        pattern = raw.get("pattern")
        region_map = raw.get("region_map") or {}
        entries.append(_RegistryEntry(
            id=str(raw["id"]),
            hosts=frozenset(h.lower() for h in _strings(raw.get("hosts"))),
            pattern=re.compile(str(pattern), re.IGNORECASE) if pattern else None,
            operator=raw.get("operator"),
            provider=raw.get("provider"),
            region=raw.get("region"),
            region_map={str(k): str(v) for k, v in region_map.items()},
            countries=_strings(raw.get("countries")),
            global_=bool(raw.get("global")),
        ))
    return tuple(entries)


def _operator(operator_id: str) -> tuple[str, str, Jurisdiction]:
    """(name, HQ country, jurisdiction) of a registry operator or a provider entity."""
    record = (_load("registries.yaml").get("operators") or {}).get(operator_id)
    if isinstance(record, Mapping):
        return (str(record.get("name", operator_id)), str(record.get("hq_country", "")),
                _jurisdiction(record.get("jurisdiction")))
    provider = catalog.get_provider(operator_id)
    if provider is not None:
        return provider.name, provider.hq_country, provider.jurisdiction
    return operator_id, "", "unknown"


def registry_operators() -> dict[str, Mapping[str, Any]]:
    """The registry operators that are not provider entities, for docs and listings."""
    return dict(_load("registries.yaml").get("operators") or {})


def _unknown_registry(host: str) -> RegistryInfo:
    return RegistryInfo(host=host, registry_id=None, operator="unknown", operator_name="unknown",
                        hq_country="", jurisdiction="unknown", region=None, countries=())


@cache
def lookup_registry(registry: str) -> RegistryInfo:
    """The operator and location of a registry host (a port is ignored)."""
    host = _strip_port(registry)
    for entry in _registry_entries():
        token: str | None = None
        if host in entry.hosts:
            pass
        elif entry.pattern is not None:
            found = entry.pattern.fullmatch(host)
            if found is None:
                continue
            token = found.groupdict().get("region")
        else:
            continue
        written = entry.region
        if written is None and (token is not None or entry.region_map):
            written = entry.region_map.get(token or "", token)
        if entry.provider is not None:
            entity = catalog.entity_for(entry.provider, written) or entry.provider
        else:
            entity = str(entry.operator)
        name, hq_country, jurisdiction = _operator(entity)
        region: str | None = written
        countries: tuple[str, ...] = entry.countries
        if entry.global_:
            region, countries = "global", ()
        elif written:
            found_region = catalog.lookup_region(entity, written)
            if found_region is not None:
                region, countries = found_region.id, found_region.countries
        return RegistryInfo(host=host, registry_id=entry.id, operator=entity,
                            operator_name=name, hq_country=hq_country,
                            jurisdiction=jurisdiction, region=region, countries=countries)
    return _unknown_registry(host)


def registry_trusted(registry: str, globs: Iterable[str]) -> bool:
    """True when the registry host matches one of `allow.registries` (shell-style globs over
    the host, `*` matching dots too; a glob with a port matches host:port)."""
    full = registry.strip().lower()
    host = _strip_port(full)
    return any(fnmatchcase(host, pattern) or fnmatchcase(full, pattern)
               for pattern in (g.strip().lower() for g in globs) if pattern)


# ---------------------------------------------------------------------------------------------
# Telemetry endpoints


@dataclass(frozen=True)
class Endpoint:
    """A telemetry destination host, its vendor and location."""

    host: str
    vendor: str  # vendor id, "in-cluster" or "unknown"
    vendor_name: str
    hq_country: str
    jurisdiction: Jurisdiction
    region: str | None
    countries: tuple[str, ...]
    in_cluster: bool = False

    @property
    def known(self) -> bool:
        return self.vendor != "unknown"


@dataclass(frozen=True)
class _EndpointEntry:
    pattern: re.Pattern[str]
    vendor: str
    region: str | None
    countries: tuple[str, ...]
    region_countries: tuple[tuple[str, tuple[str, ...]], ...]  # longest prefix first
    provider: str | None
    in_cluster: bool


@cache
def _endpoint_entries() -> tuple[_EndpointEntry, ...]:
    entries: list[_EndpointEntry] = []
    for raw in _load("telemetry.yaml").get("endpoints") or []:
        by_prefix = {str(k): _strings(v) for k, v in (raw.get("region_countries") or {}).items()}
        entries.append(_EndpointEntry(
            pattern=re.compile(str(raw["pattern"]), re.IGNORECASE),
            vendor=str(raw["vendor"]),
            region=raw.get("region"),
            countries=_strings(raw.get("countries")),
            region_countries=tuple(sorted(by_prefix.items(), key=lambda kv: -len(kv[0]))),
            provider=raw.get("provider"),
            in_cluster=bool(raw.get("in_cluster")),
        ))
    return tuple(entries)


def _vendor(vendor_id: str) -> tuple[str, str, Jurisdiction]:
    record = (_load("telemetry.yaml").get("vendors") or {}).get(vendor_id) or {}
    return (str(record.get("name", vendor_id)), str(record.get("hq_country", "")),
            _jurisdiction(record.get("jurisdiction")))


def endpoint_host(value: str) -> str | None:
    """The host of a URL, a `host:port`, a Sentry DSN or a bare site name; None when there is
    none or the value is still a template."""
    text = value.strip() if isinstance(value, str) else ""
    if not text or "{{" in text or "${" in text:
        return None
    if "://" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.lower().rstrip(".")


def _private_address(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local


@cache
def classify_endpoint(value: str) -> Endpoint | None:
    """Vendor and location of a telemetry destination (URL, host, DSN or Datadog site); None
    when the value names no host. Hosts inside the cluster (`*.svc`, `*.svc.cluster.local`,
    single-label names, private addresses) are `in_cluster`; hosts the catalogue does not know
    are vendor `unknown` with no location."""
    if isinstance(value, str) and "$(" in value:
        return None  # a dependent variable ($(HOST_IP)): resolved only at run time
    host = endpoint_host(value)
    if host is None:
        return None
    if _private_address(host):
        name, hq, jurisdiction = _vendor("in-cluster")
        return Endpoint(host, "in-cluster", name, hq, jurisdiction, None, (), in_cluster=True)
    for entry in _endpoint_entries():
        found = entry.pattern.fullmatch(host)
        if found is None:
            continue
        name, hq, jurisdiction = _vendor(entry.vendor)
        region = entry.region
        countries = entry.countries
        token = found.groupdict().get("region")
        if token and entry.provider:
            entity = catalog.entity_for(entry.provider, token)
            located = catalog.lookup_region(entity, token) if entity else None
            region = located.id if located else token
            countries = located.countries if located else ()
        elif token and entry.region_countries:
            region = token
            countries = next((c for prefix, c in entry.region_countries
                              if token.lower().startswith(prefix)), ())
        return Endpoint(host, entry.vendor, name, hq, jurisdiction, region, countries,
                        in_cluster=entry.in_cluster)
    return Endpoint(host, "unknown", "unknown", "", "unknown", None, ())


def telemetry_variables() -> Mapping[str, Mapping[str, Any]]:
    """Environment variables that name a telemetry destination, with how to read them."""
    return cast(Mapping[str, Mapping[str, Any]], _load("telemetry.yaml").get("variables") or {})


def terraform_provider_telemetry(provider_name: str) -> Mapping[str, Any] | None:
    """How a Terraform provider configuration names its account's site (datadog `api_url`,
    newrelic `region`, sentry `base_url`), or None for other providers."""
    table = _load("telemetry.yaml").get("terraform_providers") or {}
    found = table.get(provider_name.strip().lower())
    return found if isinstance(found, Mapping) else None


def terraform_resource_telemetry(resource_type: str) -> tuple[Mapping[str, Any], ...]:
    """Attributes of a resource type that post telemetry to an HTTP endpoint."""
    table = _load("telemetry.yaml").get("terraform_resources") or {}
    return tuple(spec for spec in table.get(resource_type) or [] if isinstance(spec, Mapping))
