"""Region values -> Location sets, with the catalogue (SPEC §4.1 "Locations are sets")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sovlint import catalog
from sovlint.model import Location, Region
from sovlint.terraform.values import Unknown


def location_of_region(entity: str | None, written: str, how: str) -> Location:
    """One region as written, looked up for a provider entity."""
    if entity is None:
        return Location(mode="unknown", written=written, how=how,
                        unresolved_reason=f"no known provider for region {written!r}")
    region = catalog.lookup_region(entity, written)
    if region is None:
        return Location(
            mode="unknown",
            written=written,
            how=how,
            unresolved_reason=f"region {written!r} is not in the catalogue for {entity}",
        )
    if region.id == "global":
        return Location(mode="global", regions=(region,), written=written, resolved=True, how=how)
    return Location(mode="single", regions=(region,), written=written, resolved=True, how=how)


def location_of_members(entity: str | None, written: Sequence[str], how: str) -> Location:
    """Several regions at once (Kubernetes `In` with several values)."""
    if len(written) == 1:
        return location_of_region(entity, written[0], how)
    regions: list[Region] = []
    for value in written:
        single = location_of_region(entity, value, how)
        if not single.resolved:
            return single
        regions.extend(single.regions)
    return Location(mode="multi", regions=tuple(_unique(regions)), written=",".join(written),
                    resolved=True, how=how)


def location_of_unknown(entity: str | None, value: Unknown, how: str) -> Location:
    """A region not known statically: candidates when they are known, else unknown."""
    reason = value.reason
    if value.candidates:
        regions: list[Region] = []
        for candidate in value.candidates:
            region = catalog.lookup_region(entity, str(candidate)) if entity else None
            if region is None:
                return Location(mode="unknown", how=how, unresolved_reason=reason)
            regions.append(region)
        return Location(mode="candidates", regions=tuple(_unique(regions)), how=how,
                        unresolved_reason=reason)
    if entity is not None:
        # A provider that operates only in allowed places needs no region to be judged: any
        # of its regions is a candidate (SPEC §4.1: "any Scaleway region").
        every = catalog.regions_of(entity)
        if every:
            return Location(mode="candidates", regions=tuple(every), how=how,
                            unresolved_reason=reason)
    return Location(mode="unknown", how=how, unresolved_reason=reason)


def location_of_value(entity: str | None, value: Any, how: str) -> Location | None:
    """A location from an evaluated attribute value; None when the value holds no region."""
    if isinstance(value, Unknown):
        return location_of_unknown(entity, value, how)
    if isinstance(value, str) and value.strip():
        return location_of_region(entity, value.strip(), how)
    return None


def _unique(regions: Sequence[Region]) -> list[Region]:
    seen: dict[str, Region] = {}
    for region in regions:
        seen.setdefault(region.id, region)
    return list(seen.values())
