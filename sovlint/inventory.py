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
from typing import Any, Literal

from sovlint.jsontext import pretty
from sovlint.model import Flow, Location, Resource, root_qualified

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
    root: str | None = None

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
    return [_flow_row(name, resource, flow) for resource in resources for flow in resource.flows]


def _flow_row(name: Callable[[Resource, str], str], resource: Resource, flow: Flow) -> FlowRow:
    return FlowRow(
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
        root=resource.root,
    )


def image_rows(resources: Sequence[Resource]) -> list[dict[str, Any]]:
    """One row per container image a workload runs, with the registry that serves it."""
    name = _node_name(resources)
    return [
        {
            "resource": name(r, r.address), "container": image.container, "image": image.image,
            "registry": image.registry, "operator": image.operator_name or image.operator,
            "jurisdiction": image.jurisdiction, "region": image.region or "unknown",
            "country": "/".join(image.countries) or "unknown", "file": r.source.file,
            "line": r.source.line, "root": r.root,
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


def render_text(resources: Sequence[Resource],
                allowed: frozenset[str] | None = None) -> str:
    del allowed
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


def render_json(resources: Sequence[Resource],
                allowed: frozenset[str] | None = None) -> str:
    del allowed
    document = {"stores": store_rows(resources),
                "flows": [_flow_dict(f) for f in flow_rows(resources)],
                "images": image_rows(resources)}
    return pretty(document)


CSV_COLUMNS = ("kind", "root", "resource", "type", "provider", "jurisdiction", "region",
               "country", "in_scope", "why", "flow", "to", "to_region", "to_country",
               "cross_border", "attribute", "container", "image", "registry", "file", "line")
"""One tidy table: a row per store, flow and container image, told apart by `kind`; a column
that does not apply to a kind is empty (docs/reports.md)."""


def _unqualified(name: str, root: str | None) -> str:
    prefix = f"{root}: "
    return name[len(prefix):] if root is not None and name.startswith(prefix) else name


def csv_rows(resources: Sequence[Resource]) -> list[dict[str, Any]]:
    """The rows of the CSV inventory, in CSV_COLUMNS."""
    rows: list[dict[str, Any]] = []
    for store in store_rows(resources):
        rows.append({"kind": "store", "resource": store["address"], **store})
    for flow in flow_rows(resources):
        rows.append({
            "kind": "flow", "root": flow.root, "resource": _unqualified(flow.source, flow.root),
            "country": "/".join(flow.source_countries) or "unknown", "flow": flow.kind,
            "to": _unqualified(flow.target, flow.root), "to_region": flow.target_region,
            "to_country": "/".join(flow.target_countries) or "unknown",
            "cross_border": flow.cross_border, "attribute": flow.attribute, "file": flow.file,
            "line": flow.line})
    for image in image_rows(resources):
        rows.append({
            "kind": "image", "root": image["root"],
            "resource": _unqualified(str(image["resource"]), image["root"]),
            "provider": image["operator"], "jurisdiction": image["jurisdiction"],
            "region": image["region"], "country": image["country"],
            "container": image["container"], "image": image["image"],
            "registry": image["registry"], "file": image["file"], "line": image["line"]})
    return rows


def render_csv(resources: Sequence[Resource], allowed: frozenset[str] | None = None) -> str:
    """The inventory as one tidy CSV table (``allowed`` is accepted for a uniform signature)."""
    del allowed
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in csv_rows(resources):
        writer.writerow(["" if row.get(c) is None else row[c] for c in CSV_COLUMNS])
    return buffer.getvalue()


def _markdown_table(rows: list[dict[str, Any]], columns: Sequence[str]) -> list[str]:
    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row[c]) for c in columns) + " |" for row in rows]
    return lines


def render_markdown(resources: Sequence[Resource],
                    allowed: frozenset[str] | None = None) -> str:
    flows = [_flow_dict(f) for f in flow_rows(resources)]
    lines = ["# Data inventory", "", "## Stores", ""]
    lines += _markdown_table(store_rows(resources), STORE_COLUMNS)
    lines += ["", "## Flows", ""]
    lines += _markdown_table(flows, FLOW_COLUMNS) if flows else ["No flows."]
    images = image_rows(resources)
    if images:
        lines += ["", "## Container images", "", *_markdown_table(images, IMAGE_COLUMNS)]
    lines += ["", "## Diagram", "", "```mermaid", render_mermaid(resources, allowed).rstrip(),
              "```"]
    return "\n".join(lines) + "\n"


def _registry_node(row: dict[str, Any]) -> str:
    return f"registry {row['registry']} ({row['operator']}, {row['country']})"


# --- diagrams -------------------------------------------------------------------------------

FlowClass = Literal["cross-border", "inside", "local"]
EdgeClass = Literal["cross-border", "inside", "local", "image", "foreign-image"]
DEFAULT_ALLOWED = ("EU", "EEA")

# How each kind of edge is drawn, and what the legend says about it. Only data leaving the
# allowed countries is in alarm red; copies between allowed countries and copies that stay in
# one country are muted, so that the few flows that matter stand out.
EDGE_LEGEND: dict[EdgeClass, str] = {
    "cross-border": "data leaves the allowed countries (or goes where sovlint cannot tell)",
    "inside": "copy to another allowed country",
    "local": "copy inside one country",
    "image": "image pulled from a registry under EU law",
    "foreign-image": "image pulled from a registry outside the allowed countries or under "
                     "non-EU law",
}
_EDGE_COLOR: dict[EdgeClass, str] = {
    "cross-border": "#c00000", "inside": "#5b7a99", "local": "#a8a8a8", "image": "#a8a8a8",
    "foreign-image": "#c00000",
}
_CLUSTER_FILL = {"allowed": "#eaf5ea", "outside": "#fbe9e9", "unplaced": "#f2f2f2"}
_CLUSTER_STROKE = {"allowed": "#4f8f4f", "outside": "#c00000", "unplaced": "#8a8a8a"}


def allowed_countries(groups: Sequence[str] = DEFAULT_ALLOWED) -> frozenset[str]:
    """ISO codes of `allow.countries` (groups expanded); with "EU" itself (a location spread
    over EU member states) when every member state is allowed."""
    from sovlint.catalog import expand_countries

    codes = expand_countries(groups)
    if expand_countries(["EU"]) <= codes:
        codes |= {"EU"}
    return codes


def flow_class(source_countries: Sequence[str], target_countries: Sequence[str],
               allowed: frozenset[str]) -> FlowClass:
    """`local` when the copy stays in the source's countries, `inside` when it goes to another
    allowed country, else `cross-border` (an unknown target is cross-border: fail closed)."""
    targets = set(target_countries)
    if targets and targets <= set(source_countries):
        return "local"
    if targets and targets <= allowed and set(source_countries) <= allowed:
        return "inside"
    return "cross-border"


def country_standing(country: str, allowed: frozenset[str]) -> str:
    """`allowed`, `outside` or `unplaced` (unknown or global) for a diagram cluster, whose
    name is one ISO code or several joined by '/'."""
    if country in ("unknown", "global"):
        return "unplaced"
    return "allowed" if set(country.split("/")) <= allowed else "outside"


def country_title(country: str, allowed: frozenset[str]) -> str:
    """`FR France (allowed)`, `US United States (outside the allowed countries)`."""
    from sovlint.catalog import country_name

    standing = country_standing(country, allowed)
    if standing == "unplaced":
        return ("global (no fixed region)" if country == "global"
                else "unknown location (fail-closed)")
    codes = country.split("/")
    note = "allowed" if standing == "allowed" else "outside the allowed countries"
    if len(codes) > 4:  # a multi-region over many countries: the codes, not the names
        return f"{len(codes)} countries: {', '.join(codes)} ({note})"
    names = ", ".join(country_name(code) for code in codes)
    return f"{country} {names} ({note})"


@dataclass(frozen=True)
class DiagramNode:
    """One resource of one root (or a flow end, or a registry) in its country and provider."""

    name: str  # root-qualified address, flow end or registry
    root: str | None
    address: str
    country: str  # one ISO code, several joined by '/', "unknown" or "global"
    provider: str  # provider entity id or registry operator: the inner cluster
    provider_title: str
    kind: Literal["store", "flow-end", "registry"]


@dataclass(frozen=True)
class DiagramEdge:
    source: str  # node names
    target: str
    label: str
    edge_class: EdgeClass


@dataclass(frozen=True)
class Diagram:
    """Nodes clustered by country then provider, and the flows and image pulls between them;
    shared by the Mermaid, DOT and HTML pictures."""

    nodes: tuple[DiagramNode, ...]
    edges: tuple[DiagramEdge, ...]
    allowed: frozenset[str]

    def clusters(self) -> list[tuple[str, list[tuple[str, list[DiagramNode]]]]]:
        """(country, [(provider, nodes)]) in a stable order: allowed countries first."""
        grouped: dict[str, dict[str, list[DiagramNode]]] = {}
        for node in self.nodes:
            grouped.setdefault(node.country, {}).setdefault(node.provider, []).append(node)
        order = {"allowed": 0, "outside": 1, "unplaced": 2}
        countries = sorted(grouped, key=lambda c: (order[country_standing(c, self.allowed)], c))
        return [(country, sorted(grouped[country].items())) for country in countries]


def _provider_title(resource: Resource) -> str:
    provider = resource.provider
    law = {"eu": "EU law", "non-eu": "non-EU law"}.get(provider.jurisdiction,
                                                       "jurisdiction unknown")
    return f"{provider.name} ({provider.id}), {law}"


def build_diagram(resources: Sequence[Resource],
                  allowed: frozenset[str] | None = None) -> Diagram:
    """The picture of a scan: one node per (root, resource) that holds data, in the country
    where that copy is (SPEC §3), plus flow ends and registries."""
    allowed = allowed if allowed is not None else allowed_countries()
    name = _node_name(resources)
    nodes: dict[str, DiagramNode] = {}
    by_name = {name(r, r.address): r for r in resources}

    def place(label: str, resource: Resource, location: Location,
              kind: Literal["store", "flow-end"]) -> None:
        if label not in nodes:
            owner = by_name.get(label, resource)
            address = owner.address if label in by_name else label
            nodes[label] = DiagramNode(label, owner.root, address, _country(location),
                                       owner.provider.id, _provider_title(owner), kind)

    for r in resources:
        if r.data_bearing:
            place(name(r, r.address), r, r.location, "store")
    edges: list[DiagramEdge] = []
    for r in resources:
        for flow in r.flows:
            row = _flow_row(name, r, flow)
            source = by_name.get(row.source, r)
            place(row.source, source, source.location if row.source in by_name
                  else flow.source, "flow-end")
            target = by_name.get(row.target)
            place(row.target, target or r, target.location if target is not None
                  else flow.target, "flow-end")
            edges.append(DiagramEdge(row.source, row.target, row.kind, flow_class(
                row.source_countries, row.target_countries, allowed)))
    pulls: dict[tuple[str, str], DiagramEdge] = {}
    for image in image_rows(resources):
        registry = _registry_node(image)
        if registry not in nodes:
            law = {"eu": "EU law", "non-eu": "non-EU law"}.get(image["jurisdiction"],
                                                               "jurisdiction unknown")
            nodes[registry] = DiagramNode(
                registry, None, registry, str(image["country"]),
                f"registry {image['operator']}", f"{image['operator']} (registry), {law}",
                "registry")
        foreign = image["jurisdiction"] != "eu" or not (
            set(str(image["country"]).split("/")) <= allowed)
        pulls.setdefault((registry, str(image["resource"])), DiagramEdge(
            registry, str(image["resource"]), "image",
            "foreign-image" if foreign else "image"))
    edges.extend(pulls.values())
    ordered = sorted(nodes.values(), key=lambda n: (n.country, n.provider, n.name))
    return Diagram(tuple(ordered), tuple(edges), allowed)


def _ids(diagram: Diagram) -> dict[str, str]:
    ids: dict[str, str] = {}
    for _country_code, providers in diagram.clusters():
        for _provider, members in providers:
            for node in members:
                ids[node.name] = f"n{len(ids)}"
    return ids


def _mermaid_text(text: str) -> str:
    """Text inside a quoted Mermaid label: entity codes for what would end the label or be
    read as markup (the scanned repository chooses resource names)."""
    return (text.replace("#", "#35;").replace('"', "#quot;").replace("<", "#lt;")
            .replace(">", "#gt;").replace("\\", "#92;"))


def _mermaid_label(node: DiagramNode) -> str:
    return "<br/>".join(_mermaid_text(part) for part in _two_lines(node, "\n").split("\n"))


def render_mermaid(resources: Sequence[Resource],
                   allowed: frozenset[str] | None = None) -> str:
    diagram = build_diagram(resources, allowed)
    ids = _ids(diagram)
    lines = ["flowchart LR"]
    styles: list[str] = []
    for number, (country, providers) in enumerate(diagram.clusters()):
        standing = country_standing(country, diagram.allowed)
        title = _mermaid_text(country_title(country, diagram.allowed))
        lines.append(f'  subgraph c{number}["{title}"]')
        styles.append(f"  style c{number} fill:{_CLUSTER_FILL[standing]},"
                      f"stroke:{_CLUSTER_STROKE[standing]}")
        for inner, (_provider, members) in enumerate(providers):
            provider_title = _mermaid_text(members[0].provider_title)
            lines.append(f'    subgraph c{number}p{inner}["{provider_title}"]')
            lines += [f'      {ids[node.name]}["{_mermaid_label(node)}"]' for node in members]
            lines.append("    end")
            styles.append(f"  style c{number}p{inner} fill:#ffffff,stroke:#999999")
        lines.append("  end")
    link_styles: dict[EdgeClass, list[int]] = {}
    for position, edge in enumerate(diagram.edges):
        arrow = {"cross-border": "==>", "image": "-.->", "foreign-image": "-.->"}.get(
            edge.edge_class, "-->")
        lines.append(f"  {ids[edge.source]} {arrow}|{_mermaid_text(edge.label)}| "
                     f"{ids[edge.target]}")
        link_styles.setdefault(edge.edge_class, []).append(position)
    legend = "<br/>".join(f"{_EDGE_NAME[c]}: {_mermaid_text(EDGE_LEGEND[c])}"
                          for c in EDGE_LEGEND)
    lines.append(f'  legend["Legend<br/>{legend}"]')
    lines += styles
    lines.append("  style legend fill:#ffffff,stroke:#999999")
    for edge_class, positions in link_styles.items():
        width = "3px" if edge_class == "cross-border" else "1px"
        lines.append(f"  linkStyle {','.join(map(str, positions))} "
                     f"stroke:{_EDGE_COLOR[edge_class]},stroke-width:{width}")
    return "\n".join(lines) + "\n"


_EDGE_NAME: dict[EdgeClass, str] = {
    "cross-border": "red bold arrow", "inside": "blue-grey arrow", "local": "light grey arrow",
    "image": "grey dotted arrow", "foreign-image": "red dotted arrow",
}


LABEL_LIMIT = 80  # a flow end "replication in one of <29 regions>" would be a page wide


def _two_lines(node: DiagramNode, newline: str) -> str:
    """A node's label: the address, and under it the root it was evaluated for."""
    def short(text: str) -> str:
        return text if len(text) <= LABEL_LIMIT else text[:LABEL_LIMIT - 1] + "…"

    if node.root is not None and node.name != node.address:
        return f"{short(node.address)}{newline}{short(node.root)}"
    return short(node.name)


def _dot_text(text: str) -> str:
    """Text inside a quoted DOT string: no quote or backslash can end it."""
    return re.sub(r'["\\]', "'", text)


def _dot_label(node: DiagramNode) -> str:
    return "\\n".join(_dot_text(part) for part in _two_lines(node, "\n").split("\n"))


def _dot_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


GRID_ROWS = 8


def _dot_grid(diagram: Diagram, ids: dict[str, str]) -> list[str]:
    """Invisible edges that lay the nodes of each provider cluster out in columns of
    GRID_ROWS, instead of one column as tall as the cluster: fixtures/flows goes from
    5,600 x 12,500 px to 12,100 x 6,600 px at 96 dpi, a landscape page."""
    lines: list[str] = []
    for _country_code, providers in diagram.clusters():
        for _provider, members in providers:
            alone = [ids[node.name] for node in members]
            lines += [f"  {alone[i]} -> {alone[i + GRID_ROWS]} [style=invis];"
                      for i in range(len(alone) - GRID_ROWS)]
    return lines


def render_dot(resources: Sequence[Resource], allowed: frozenset[str] | None = None) -> str:
    diagram = build_diagram(resources, allowed)
    ids = _ids(diagram)
    lines = ["digraph sovlint {", "  rankdir=LR;", "  newrank=true;", "  compound=true;",
             "  nodesep=0.15;", "  ranksep=0.9;",
             '  graph [fontname="Helvetica", fontsize=12, style="rounded,filled"];',
             '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", '
             'fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=9];']
    for number, (country, providers) in enumerate(diagram.clusters()):
        standing = country_standing(country, diagram.allowed)
        lines.append(f"  subgraph cluster_{number} {{")
        lines.append(f'    label="{_dot_text(country_title(country, diagram.allowed))}";')
        lines.append(f'    fillcolor="{_CLUSTER_FILL[standing]}"; '
                     f'color="{_CLUSTER_STROKE[standing]}";')
        for inner, (_provider, members) in enumerate(providers):
            lines.append(f"    subgraph cluster_{number}_{inner} {{")
            lines.append(f'      label="{_dot_text(members[0].provider_title)}";')
            lines.append('      fillcolor="#ffffff"; color="#999999";')
            lines += [f'      {ids[node.name]} [label="{_dot_label(node)}"];' for node in members]
            lines.append("    }")
        lines.append("  }")
    lines += _dot_grid(diagram, ids)
    for edge in diagram.edges:
        color = _EDGE_COLOR[edge.edge_class]
        attributes = [f'label="{_dot_text(edge.label)}"', f'color="{color}"',
                      f'fontcolor="{color}"']
        if edge.edge_class == "cross-border":
            attributes.append("penwidth=3")
        if edge.edge_class in ("image", "foreign-image"):
            attributes.append("style=dashed")
        lines.append(f"  {ids[edge.source]} -> {ids[edge.target]} [{', '.join(attributes)}];")
    rows = "".join(f'<tr><td align="left"><font color="{_EDGE_COLOR[c]}">{_EDGE_NAME[c]}'
                   f"</font></td><td align=\"left\">{_dot_html(EDGE_LEGEND[c])}</td></tr>"
                   for c in EDGE_LEGEND)
    lines.append('  legend [shape=plaintext, style="", label=<<table border="0" '
                 'cellborder="0" cellspacing="2"><tr><td colspan="2" align="left">'
                 f"<b>Legend</b></td></tr>{rows}</table>>];")
    lines.append("}")
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[Sequence[Resource], frozenset[str] | None], str]] = {
    "text": render_text, "json": render_json, "csv": render_csv, "markdown": render_markdown,
    "mermaid": render_mermaid, "dot": render_dot,
}
