"""`sovlint inventory`: where every resource lives and where its data flows.

The evidence a DPO attaches to a DPIA or an HDS audit: a table of stores (provider entity,
region, country, jurisdiction, scope), flows, and the container images workloads pull (registry,
its operator, jurisdiction and country), as text, JSON, CSV or Markdown, and a picture (Mermaid
or Graphviz DOT) of stores and registries grouped by country with cross-border flows
highlighted.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sovlint.jsontext import pretty
from sovlint.model import Location, Resource, root_qualified

FORMATS = ("text", "json", "csv", "markdown", "mermaid", "dot")
STORE_COLUMNS = ("address", "root", "type", "provider", "jurisdiction", "region", "country",
                 "in_scope", "why", "file", "line")
FLOW_COLUMNS = ("from", "from_country", "kind", "to", "to_region", "to_country", "cross_border",
                "attribute", "file", "line")
IMAGE_COLUMNS = ("resource", "container", "image", "registry", "operator", "jurisdiction",
                 "region", "country", "file", "line")


@dataclass(frozen=True)
class FlowRow:
    source: str
    source_countries: tuple[str, ...]
    kind: str
    target: str
    target_region: str
    target_countries: tuple[str, ...]
    attribute: str
    file: str
    line: int

    @property
    def cross_border(self) -> bool:
        return bool(set(self.target_countries) - set(self.source_countries)) or not (
            self.target_countries)


def _region(location: Location) -> str:
    if location.mode == "global":
        return "global"
    if location.mode == "candidates":
        return "one of " + ", ".join(region.id for region in location.regions)
    return location.region_id or location.written or "unknown"


def _country(location: Location) -> str:
    if location.mode == "global":
        return "global"
    return "/".join(location.countries) or "unknown"


def _node_name(resources: Sequence[Resource]) -> Callable[[Resource, str], str]:
    """How diagrams and tables name a resource (or a flow end of it): prefixed with its root
    module when the scan has several, so that one module deployed by two roots is two nodes,
    each in the country where that copy is (SPEC §3)."""
    several = len({r.root for r in resources if r.root is not None}) > 1

    def name(resource: Resource, address: str) -> str:
        return root_qualified(resource.root, address, with_root=several)
    return name


def store_rows(resources: Sequence[Resource]) -> list[dict[str, Any]]:
    """One row per resource that holds data (control-plane types are left out), per root."""
    return [
        {
            "address": r.address, "root": r.root, "type": r.type, "provider": r.provider.id,
            "jurisdiction": r.provider.jurisdiction, "region": _region(r.location),
            "country": _country(r.location), "in_scope": r.scope.in_scope, "why": r.scope.why,
            "file": r.source.file, "line": r.source.line,
        }
        for r in resources
        if r.data_bearing
    ]


def flow_rows(resources: Sequence[Resource]) -> list[FlowRow]:
    name = _node_name(resources)
    rows: list[FlowRow] = []
    for resource in resources:
        for flow in resource.flows:
            rows.append(FlowRow(
                source=name(resource, flow.source_resource or resource.address),
                source_countries=flow.source.countries,
                kind=flow.kind,
                target=(name(resource, flow.target_resource) if flow.target_resource
                        else f"{flow.kind} in {_region(flow.target)}"),
                target_region=_region(flow.target),
                target_countries=flow.target.countries,
                attribute=flow.attribute,
                file=resource.source.file,
                line=flow.line,
            ))
    return rows


def image_rows(resources: Sequence[Resource]) -> list[dict[str, Any]]:
    """One row per container image a workload runs, with the registry that serves it."""
    name = _node_name(resources)
    return [
        {
            "resource": name(r, r.address), "container": image.container, "image": image.image,
            "registry": image.registry, "operator": image.operator_name or image.operator,
            "jurisdiction": image.jurisdiction, "region": image.region or "unknown",
            "country": "/".join(image.countries) or "unknown", "file": r.source.file,
            "line": r.source.line,
        }
        for r in resources
        for image in r.images
    ]


def _flow_dict(row: FlowRow) -> dict[str, Any]:
    return {"from": row.source, "from_country": "/".join(row.source_countries) or "unknown",
            "kind": row.kind, "to": row.target, "to_region": row.target_region,
            "to_country": "/".join(row.target_countries) or "unknown",
            "cross_border": row.cross_border, "attribute": row.attribute, "file": row.file,
            "line": row.line}


def _table(rows: list[dict[str, Any]], columns: Sequence[str]) -> list[str]:
    cells = [[str(row[c]) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
              for r in cells]
    return lines


def render_text(resources: Sequence[Resource]) -> str:
    stores = store_rows(resources)
    flows = [_flow_dict(f) for f in flow_rows(resources)]
    columns = STORE_COLUMNS[:9] if any(row["root"] is not None for row in stores) else (
        STORE_COLUMNS[:1] + STORE_COLUMNS[2:9])
    lines = [f"Stores ({len(stores)})", *_table(stores, columns), ""]
    lines += [f"Flows ({len(flows)})"]
    lines += _table(flows, FLOW_COLUMNS[:7]) if flows else ["(none)"]
    images = image_rows(resources)
    if images:
        lines += ["", f"Container images ({len(images)})", *_table(images, IMAGE_COLUMNS[:8])]
    return "\n".join(lines) + "\n"


def render_json(resources: Sequence[Resource]) -> str:
    document = {"stores": store_rows(resources),
                "flows": [_flow_dict(f) for f in flow_rows(resources)],
                "images": image_rows(resources)}
    return pretty(document)


def render_csv(resources: Sequence[Resource]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["record", *STORE_COLUMNS])
    for row in store_rows(resources):
        writer.writerow(["store", *(row[c] for c in STORE_COLUMNS)])
    writer.writerow(["record", *FLOW_COLUMNS])
    for flow in flow_rows(resources):
        data = _flow_dict(flow)
        writer.writerow(["flow", *(data[c] for c in FLOW_COLUMNS)])
    images = image_rows(resources)
    if images:
        writer.writerow(["record", *IMAGE_COLUMNS])
        for row in images:
            writer.writerow(["image", *(row[c] for c in IMAGE_COLUMNS)])
    return buffer.getvalue()


def _markdown_table(rows: list[dict[str, Any]], columns: Sequence[str]) -> list[str]:
    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row[c]) for c in columns) + " |" for row in rows]
    return lines


def render_markdown(resources: Sequence[Resource]) -> str:
    flows = [_flow_dict(f) for f in flow_rows(resources)]
    lines = ["# Data inventory", "", "## Stores", ""]
    lines += _markdown_table(store_rows(resources), STORE_COLUMNS)
    lines += ["", "## Flows", ""]
    lines += _markdown_table(flows, FLOW_COLUMNS) if flows else ["No flows."]
    images = image_rows(resources)
    if images:
        lines += ["", "## Container images", "", *_markdown_table(images, IMAGE_COLUMNS)]
    lines += ["", "## Diagram", "", "```mermaid", render_mermaid(resources).rstrip(), "```"]
    return "\n".join(lines) + "\n"


def _node_id(name: str, ids: dict[str, str]) -> str:
    if name not in ids:
        ids[name] = f"n{len(ids)}"
    return ids[name]


@dataclass(frozen=True)
class _Pull:
    """A workload pulling an image from a registry (a diagram edge)."""

    registry: str  # node name: "registry docker.io (Docker, Inc., US)"
    workload: str
    foreign: bool  # the registry's operator is under non-EU jurisdiction


def _registry_node(row: dict[str, Any]) -> str:
    return f"registry {row['registry']} ({row['operator']}, {row['country']})"


def _pulls(resources: Sequence[Resource]) -> list[_Pull]:
    seen: dict[tuple[str, str], _Pull] = {}
    for row in image_rows(resources):
        node = _registry_node(row)
        seen.setdefault((node, str(row["resource"])), _Pull(
            node, str(row["resource"]), row["jurisdiction"] == "non-eu"))
    return list(seen.values())


def _groups(resources: Sequence[Resource]) -> tuple[dict[str, list[str]], list[FlowRow]]:
    """Country -> node names (stores, flow ends and registries), and the flows."""
    groups: dict[str, list[str]] = {}
    node = _node_name(resources)
    for r in resources:
        if r.data_bearing:
            groups.setdefault(_country(r.location), []).append(node(r, r.address))
    flows = flow_rows(resources)
    placed = {name for names in groups.values() for name in names}
    ends = [(name, "/".join(countries) or "unknown") for flow in flows
            for name, countries in ((flow.source, flow.source_countries),
                                    (flow.target, flow.target_countries))]
    ends += [(_registry_node(row), str(row["country"])) for row in image_rows(resources)]
    for name, country in ends:
        if name not in placed:
            groups.setdefault(country, []).append(name)
            placed.add(name)
    return groups, flows


def _label(text: str) -> str:
    return re.sub(r'["\\]', "'", text)


def render_mermaid(resources: Sequence[Resource]) -> str:
    groups, flows = _groups(resources)
    ids: dict[str, str] = {}
    lines = ["flowchart LR"]
    for number, (country, names) in enumerate(sorted(groups.items())):
        lines.append(f'  subgraph c{number}["{_label(country)}"]')
        lines += [f'    {_node_id(name, ids)}["{_label(name)}"]' for name in sorted(names)]
        lines.append("  end")
    crossing: list[int] = []
    for position, flow in enumerate(flows):
        arrow = "==>" if flow.cross_border else "-->"
        lines.append(f"  {_node_id(flow.source, ids)} {arrow}|{_label(flow.kind)}| "
                     f"{_node_id(flow.target, ids)}")
        if flow.cross_border:
            crossing.append(position)
    for position, pull in enumerate(_pulls(resources), start=len(flows)):
        lines.append(f"  {_node_id(pull.registry, ids)} -.->|image| {_node_id(pull.workload, ids)}")
        if pull.foreign:
            crossing.append(position)
    if crossing:
        lines.append(f"  linkStyle {','.join(map(str, crossing))} stroke:#d00,stroke-width:3px")
    return "\n".join(lines) + "\n"


def render_dot(resources: Sequence[Resource]) -> str:
    groups, flows = _groups(resources)
    ids: dict[str, str] = {}
    lines = ["digraph sovlint {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    for number, (country, names) in enumerate(sorted(groups.items())):
        lines.append(f"  subgraph cluster_{number} {{")
        lines.append(f'    label="{_label(country)}";')
        lines += [f'    {_node_id(name, ids)} [label="{_label(name)}"];' for name in sorted(names)]
        lines.append("  }")
    for flow in flows:
        style = ', color="#dd0000", penwidth=3' if flow.cross_border else ""
        lines.append(f'  {_node_id(flow.source, ids)} -> {_node_id(flow.target, ids)} '
                     f'[label="{_label(flow.kind)}"{style}];')
    for pull in _pulls(resources):
        style = ', color="#dd0000"' if pull.foreign else ""
        lines.append(f'  {_node_id(pull.registry, ids)} -> {_node_id(pull.workload, ids)} '
                     f'[label="image", style=dashed{style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[Sequence[Resource]], str]] = {
    "text": render_text, "json": render_json, "csv": render_csv, "markdown": render_markdown,
    "mermaid": render_mermaid, "dot": render_dot,
}
