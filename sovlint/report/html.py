"""`--format html`: audit evidence in one self-contained, offline HTML file.

For an auditor, DPO or certifier (HDS, SecNumCloud) rather than a developer: the verdict, the
configuration in force (what was trusted, what was out of scope, what could not be read), a
residency picture by country and provider entity, every finding and suppression, and the
provenance that ties the report to the code it judged (tool and catalogue versions, policy
bundle hash, scanned commit, a SHA-256 per input file). Docs: docs/reports.md.

Built with Jinja2 and autoescaping: every string from the scanned repository (resource names,
messages, file names) is HTML-escaped. The page loads nothing: CSS inline, no script, no font,
no image, no link to a network address; it opens from a file:// URL or a CI artifact. With no
time given (`--no-timestamp`, or SOURCE_DATE_EPOCH for a reproducible time) the same input
gives the same bytes.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import platform
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import jinja2

from sovlint import __version__
from sovlint.config import PROFILES, Config
from sovlint.inventory import (
    EDGE_LEGEND,
    Diagram,
    DiagramNode,
    allowed_countries,
    build_diagram,
    country_standing,
    country_title,
    flow_rows,
    image_rows,
    store_rows,
)
from sovlint.model import SEVERITIES, Finding, ScanResult, severity_rank
from sovlint.report import sorted_diagnostics
from sovlint.report.text import FIX_HINTS

Mode = Literal["scan", "inventory"]
_READ_CHUNK = 1 << 20
_GIT_FILE_LIMIT = 4096  # HEAD, a ref, a gitdir pointer: a few bytes; a bigger one is not git's
_PACKED_REFS_LIMIT = 8 << 20
_OBJECT_ID = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_NOT_READ = re.compile(r"not available locally|outside the scanned tree|not rendered|"
                       r"were not read|kustomize", re.IGNORECASE)


@dataclass(frozen=True)
class Evidence:
    """What the report needs besides the scan result: the configuration in force, the paths
    given, and the time (None: omitted, for byte-identical reports)."""

    config: Config = field(default_factory=Config)
    paths: tuple[str, ...] = ()  # as given on the command line; none: no input file is hashed
    generated_at: datetime.datetime | None = None
    var_files: tuple[str, ...] = ()
    baseline: str | None = None


def report_time(no_timestamp: bool, environ: dict[str, str] | None = None) -> (
        datetime.datetime | None):
    """The time a report states: None with --no-timestamp; SOURCE_DATE_EPOCH when set (the
    reproducible-builds convention), else now, in UTC, to the second."""
    if no_timestamp:
        return None
    environ = dict(os.environ) if environ is None else environ
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc)
    return datetime.datetime.now(tz=datetime.timezone.utc).replace(microsecond=0)


def render(result: ScanResult, *, color: bool = False, evidence: Evidence | None = None,
           mode: Mode = "scan") -> str:
    """The HTML report of ``result`` (``color`` is accepted for a uniform signature). Without
    ``evidence`` the report states the built-in configuration, no time, and hashes the files
    under the scan's first directory."""
    del color
    if evidence is None:
        evidence = Evidence(paths=(result.scan_root,) if result.scan_root else ())
    template = _environment().get_template("report.html.j2")
    return template.render(**_context(result, evidence, mode))


def render_evidence(result: ScanResult, config: Config, paths: Sequence[str], *,
                    mode: Mode = "scan", no_timestamp: bool = False,
                    var_files: Sequence[str] = (), baseline: str | None = None) -> str:
    """The report `sovlint scan|inventory --format html` writes: ``config`` is the configuration
    the scan ran with and ``paths`` the paths it was given (their files are hashed again)."""
    evidence = Evidence(config=config, paths=tuple(paths),
                        generated_at=report_time(no_timestamp), var_files=tuple(var_files),
                        baseline=baseline)
    return render(result, evidence=evidence, mode=mode)


@cache
def _environment() -> jinja2.Environment:
    # Templates are package data (sovlint/report/templates), read through importlib so that
    # an installed wheel finds them as a source checkout does.
    return jinja2.Environment(
        loader=jinja2.PackageLoader("sovlint.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _context(result: ScanResult, evidence: Evidence, mode: Mode) -> dict[str, Any]:
    config = evidence.config
    try:
        allowed = allowed_countries(config.allow_countries)
    except ValueError:  # the configuration was validated; a bare Evidence may hold anything
        allowed = allowed_countries()
    diagram = build_diagram(result.resources, allowed)
    findings = sorted(result.findings, key=Finding.sort_key)
    active = [f for f in findings if not f.suppressed]
    several = result.several_roots
    return {
        "mode": mode,
        "version": __version__,
        "passed": result.passed,
        "fail_on": result.fail_on,
        "profile": result.profile,
        "summary": {
            "files": result.files, "resources": len(result.resources),
            "stores": sum(1 for r in result.resources if r.data_bearing),
            "findings": len(active), "suppressed": len(findings) - len(active),
            "errors": len(result.errors), "skipped": result.skipped_files,
            "excluded": result.excluded_files,
        },
        "rule_counts": _rule_counts(active),
        "severities": list(reversed(SEVERITIES)),
        "configuration": _configuration(config, result, allowed),
        "not_read": _not_read(result),
        "legend": [{"edge_class": c, "text": t} for c, t in EDGE_LEGEND.items()],
        "picture": residency_picture(diagram),
        "countries": _country_sections(result, diagram),
        "flows": _flow_groups(result, allowed),
        "images": image_rows(result.resources),
        "findings": [_finding_row(f, several) for f in active],
        "suppressed": [_finding_row(f, several) for f in findings if f.suppressed],
        "errors": sorted(result.errors, key=lambda e: (e.file, e.line, e.message)),
        "diagnostics": sorted_diagnostics(result.diagnostics),
        "provenance": _provenance(evidence, mode),
    }


def _rule_counts(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    by_rule: dict[str, dict[str, Any]] = {}
    for finding in findings:
        row = by_rule.setdefault(finding.rule_id, {
            "rule_id": finding.rule_id, "rule_name": finding.rule_name, "total": 0,
            **{severity: 0 for severity in SEVERITIES}})
        row[finding.severity] += 1
        row["total"] += 1
    return [by_rule[rule_id] for rule_id in sorted(by_rule)]


def _finding_row(finding: Finding, several_roots: bool) -> dict[str, Any]:
    suppression = finding.suppression
    return {
        "rule_id": finding.rule_id, "rule_name": finding.rule_name,
        "severity": finding.severity, "file": finding.file, "line": finding.line,
        "root": finding.root if several_roots or finding.root not in (None, ".") else None,
        "resource": finding.resource, "message": finding.message,
        "fix": FIX_HINTS.get(finding.rule_id, ""),
        "suppression": suppression,
    }


# --- configuration in force ------------------------------------------------------------------


def _configuration(config: Config, result: ScanResult, allowed: frozenset[str]) -> (
        dict[str, Any]):
    from sovlint import catalog

    trusted = []
    for entity in config.allow_providers:
        provider = catalog.get_provider(entity)
        trusted.append({
            "id": entity, "name": provider.name if provider else "not in the catalogue",
            "hq": provider.hq_country if provider else "", "jurisdiction":
            provider.jurisdiction if provider else "unknown",
            "notes": list(provider.law_notes) if provider else [],
        })
    rules = []
    for rule_id, setting in sorted(config.rules.items()):
        rules.append({"id": rule_id, "enabled": setting.enabled,
                      "severity": setting.severity or "default",
                      "ignorable": setting.ignorable})
    cluster = config.kubernetes_cluster
    return {
        "source": config.source or "none (built-in defaults)",
        "trusted_file": config.trusted,
        "profile_rules": sorted(PROFILES.get(result.profile, ())),
        "allow_groups": list(config.allow_countries),
        "allowed": [(code, catalog.country_name(code)) for code in sorted(allowed)
                    if code != "EU"],
        "trusted": trusted,
        "registries": list(config.allow_registries),
        "scope_tags": {key: list(values) for key, values in sorted(config.scope_tags.items())},
        "scope_paths": list(config.scope_paths),
        "exclude": list(config.exclude),
        "rules": rules,
        "fail_on": config.fail_on,
        "policies": list(config.policies),
        "opa_url": config.opa_url,
        "refused": [f"{key}: {why}" for key, why in config.refused],
        "cluster": ", ".join(f"{k}={v}" for k, v in (("provider", cluster.provider),
                                                    ("region", cluster.region),
                                                    ("terraform", cluster.terraform)) if v),
        "control_plane_types": list(config.control_plane_types),
        "data_bearing_types": list(config.data_bearing_types),
    }


def _not_read(result: ScanResult) -> list[dict[str, Any]]:
    """Remote modules, charts and overlays sovlint could not read: what the verdict does not
    cover (each is also a SOV004 finding or a diagnostic)."""
    rows = [{"file": d.file, "line": d.line, "message": d.message}
            for d in sorted_diagnostics(result.diagnostics) if _NOT_READ.search(d.message)]
    rows += [{"file": r.source.file, "line": r.source.line,
              "message": f"{r.address}: {r.location.unresolved_reason or 'not rendered'}"}
             for r in result.resources if r.type == "HelmChart"]
    return rows


# --- residency -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Box:
    key: str
    title: str
    standing: str
    x: int
    y: int
    width: int
    height: int
    lines: tuple[tuple[str, str], ...]  # (text, css class)


_BOX_WIDTH, _BOX_GAP, _LINE, _BAND_GAP, _MAX_LINES = 230, 30, 16, 120, 8


def residency_picture(diagram: Diagram) -> dict[str, Any]:
    """An inline SVG of the stores by country (boxes; provider entities and counts inside) in
    two bands, the allowed countries above the border and the rest below, and the flows
    between countries aggregated (one arrow per pair and kind of flow, with a count): flows
    that leave the allowed countries cross the border line in red, copies between allowed
    countries arc above it in muted blue-grey. Readable whatever the number of stores."""
    stores = [n for n in diagram.nodes if n.kind != "registry"]
    by_country: dict[str, list[DiagramNode]] = {}
    for node in stores:
        by_country.setdefault(node.country, []).append(node)
    upper = sorted(c for c in by_country if country_standing(c, diagram.allowed) == "allowed")
    lower = sorted((c for c in by_country if c not in upper),
                   key=lambda c: (country_standing(c, diagram.allowed) == "unplaced", c))
    band_height = max([_box_height(by_country[c]) for c in by_country] or [60])
    top = 70  # room for the arcs of flows inside the allowed area
    boxes: dict[str, _Box] = {}
    for band, countries in ((0, upper), (1, lower)):
        y = top + band * (band_height + _BAND_GAP)
        for index, country in enumerate(countries):
            members = by_country[country]
            boxes[country] = _Box(
                country, country_title(country, diagram.allowed),
                country_standing(country, diagram.allowed),
                _BOX_GAP + index * (_BOX_WIDTH + _BOX_GAP), y, _BOX_WIDTH,
                _box_height(members), _box_lines(members))
    columns = max(len(upper), len(lower), 1)
    width = _BOX_GAP + columns * (_BOX_WIDTH + _BOX_GAP)
    border_y = top + band_height + _BAND_GAP // 2
    height = top + 2 * band_height + _BAND_GAP + 60
    country_of = {n.name: n.country for n in diagram.nodes}
    pairs: Counter[tuple[str, str, str]] = Counter()
    kinds: dict[tuple[str, str, str], set[str]] = {}
    for edge in diagram.edges:
        if edge.edge_class in ("image", "foreign-image", "local"):
            continue
        key = (country_of[edge.source], country_of[edge.target], edge.edge_class)
        if key[0] == key[1] or key[0] not in boxes or key[1] not in boxes:
            continue
        pairs[key] += 1
        kinds.setdefault(key, set()).add(edge.label)
    arrows = [_arrow(boxes[source], boxes[target], edge_class, count,
                     sorted(kinds[(source, target, edge_class)]), number)
              for number, ((source, target, edge_class), count) in enumerate(sorted(
                  pairs.items()))]
    return {"width": width, "height": height, "border_y": border_y,
            "boxes": [boxes[c] for c in upper + lower], "arrows": arrows,
            "has_lower": bool(lower)}


def _box_lines(members: Sequence[DiagramNode]) -> tuple[tuple[str, str], ...]:
    counts = Counter((n.provider_title) for n in members)
    lines: list[tuple[str, str]] = [(f"{len(members)} store{'s' * (len(members) != 1)}",
                                     "count")]
    for title, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        if len(lines) == _MAX_LINES:
            lines.append((f"+ {len(counts) - _MAX_LINES + 1} more providers", "more"))
            break
        name, _, law = title.rpartition(", ")
        lines.append((f"{count} · {_shorten(name, 30)}", "provider"))
        lines.append((f"    {law}", "law-" + ("foreign" if law == "non-EU law" else "eu")))
    return tuple(lines)


def _box_height(members: Sequence[DiagramNode]) -> int:
    return 34 + _LINE * len(_box_lines(members))


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _arrow(source: _Box, target: _Box, edge_class: str, count: int, kinds: list[str],
           number: int) -> dict[str, Any]:
    # Arrows start and end at slightly different points per pair so that they do not overlap.
    offset = (number % 5 - 2) * 12
    sx, tx = source.x + source.width // 2 + offset, target.x + target.width // 2 + offset
    if source.y == target.y:  # same band: an arc above (allowed) or below (outside) the boxes
        above = source.y < 100
        sy = source.y if above else source.y + source.height
        ty = target.y if above else target.y + target.height
        lift = 40 + 8 * (number % 4)
        cy = sy - lift if above else max(sy, ty) + lift
        path = f"M{sx},{sy} C{sx},{cy} {tx},{cy} {tx},{ty}"
        label_x, label_y = (sx + tx) // 2, cy + (10 if above else -4)
    else:
        down = source.y < target.y
        sy = source.y + source.height if down else source.y
        ty = target.y if down else target.y + target.height
        middle = (sy + ty) // 2
        path = f"M{sx},{sy} C{sx},{middle} {tx},{middle} {tx},{ty}"
        # The label sits by the arrow's head, beside the target box: arrows from one country
        # converge at their source, so labels at their middles would print over each other.
        label_x = tx + 6
        label_y = ty - 8 - 14 * (number % 3) if down else ty + 16 + 14 * (number % 3)
    width = 3 + min(count, 20) // 4 if edge_class == "cross-border" else 1.5
    return {"path": path, "edge_class": edge_class, "width": width,
            "label": f"{count} × {', '.join(kinds)}", "label_x": label_x, "label_y": label_y,
            "title": f"{source.key} → {target.key}: {count} flow{'s' * (count != 1)} "
                     f"({', '.join(kinds)})"}


def _country_sections(result: ScanResult, diagram: Diagram) -> list[dict[str, Any]]:
    """Per country: per provider entity, the stores collapsed by type and region (identical
    instances are one row with a count; the addresses are behind a <details>)."""
    rows = store_rows(result.resources)
    by_country: dict[str, dict[tuple[str, str], dict[tuple[str, str], list[str]]]] = {}
    titles = {}
    for resource, row in zip([r for r in result.resources if r.data_bearing], rows,
                             strict=True):
        provider = (resource.provider.id, resource.provider.name)
        titles[provider] = resource.provider.jurisdiction
        groups = by_country.setdefault(str(row["country"]), {}).setdefault(provider, {})
        where = f"{row['root']}: {row['address']}" if row["root"] else str(row["address"])
        groups.setdefault((str(row["type"]), str(row["region"])), []).append(
            f"{where} ({row['file']}:{row['line']})")
    order = {"allowed": 0, "outside": 1, "unplaced": 2}
    sections = []
    for country in sorted(by_country, key=lambda c: (
            order[country_standing(c, diagram.allowed)], c)):
        providers: list[dict[str, Any]] = []
        for (entity, name), groups in sorted(by_country[country].items()):
            providers.append({
                "id": entity, "name": name, "jurisdiction": titles[(entity, name)],
                "count": sum(len(v) for v in groups.values()),
                "types": [{"type": t, "region": region, "count": len(members),
                           "members": sorted(members)}
                          for (t, region), members in sorted(groups.items())],
            })
        sections.append({"country": country, "title": country_title(country, diagram.allowed),
                         "standing": country_standing(country, diagram.allowed),
                         "count": sum(p["count"] for p in providers),
                         "providers": providers})
    return sections


def _flow_groups(result: ScanResult, allowed: frozenset[str]) -> list[dict[str, Any]]:
    from sovlint.inventory import flow_class

    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in flow_rows(result.resources):
        edge_class = flow_class(row.source_countries, row.target_countries, allowed)
        key = ("/".join(row.source_countries) or "unknown",
               "/".join(row.target_countries) or "unknown", edge_class)
        groups.setdefault(key, []).append({
            "source": row.source, "kind": row.kind, "target": row.target,
            "region": row.target_region, "attribute": row.attribute, "file": row.file,
            "line": row.line})
    order = {"cross-border": 0, "inside": 1, "local": 2}
    return [{"source": s, "target": t, "edge_class": c, "flows": flows}
            for (s, t, c), flows in sorted(groups.items(),
                                           key=lambda item: (order[item[0][2]], item[0]))]


# --- provenance ------------------------------------------------------------------------------


def _provenance(evidence: Evidence, mode: Mode) -> dict[str, Any]:
    from sovlint.discover import discover, unsafe_to_read
    from sovlint.engine.rego import policy_files
    from sovlint.resources import builtin_policies_dir
    from sovlint.scan import display_root_for

    config = evidence.config
    paths = [p for p in evidence.paths if p != "-"]
    root = display_root_for(evidence.paths)
    discovery = discover(paths, config.exclude, Path(config.base_dir)) if paths else None
    inputs = []
    candidates = [f.path for f in discovery.files if f.kind != "other"] if discovery else []
    candidates += [Path(v).absolute() for v in evidence.var_files]
    for path in sorted(set(candidates), key=lambda p: _shown(p, root)):
        problem = unsafe_to_read(path)
        inputs.append({"file": _shown(path, root),
                       "sha256": problem or _file_digest(path)})
    builtin = policy_files([builtin_policies_dir()])  # the files the engine loads
    commit = git_commit(root if not paths else Path(paths[0]).absolute())
    return {
        "version": __version__,
        "python": platform.python_version(),
        "catalogue": _catalogue(),
        "policy_bundle": _bundle_digest(builtin, builtin_policies_dir()),
        "policy_files": len(builtin),
        "custom_policies": [{"entry": entry, "sha256": _custom_policy_digest(entry)}
                            for entry in config.policies],
        "commit": commit,
        "inputs": inputs,
        "stdin": "-" in evidence.paths,
        "baseline": ({"file": evidence.baseline, "sha256": _file_digest(Path(evidence.baseline))}
                     if evidence.baseline else None),
        "generated_at": (evidence.generated_at.strftime("%Y-%m-%d %H:%M:%S UTC")
                         if evidence.generated_at else None),
        "command": " ".join(["sovlint", mode, *evidence.paths]),
    }


def _custom_policy_digest(entry: str) -> str:
    """SHA-256 of an extra policy entry: a file, or a directory's Rego (tests excluded) and
    Python files; a module named with `python:` is found on the Python path, not hashed."""
    if entry.startswith("python:"):
        return "a Python module by name: not hashed"
    location = Path(entry)
    if location.is_file():
        return _bundle_digest([location], location.parent)
    if location.is_dir():
        files = [p for p in location.rglob("*")
                 if p.suffix == ".py" or (p.suffix == ".rego"
                                          and not p.name.endswith("_test.rego"))]
        return _bundle_digest(files, location)
    return "not found"


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return os.path.relpath(path, root).replace(os.sep, "/")


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_READ_CHUNK):
                digest.update(chunk)
    except OSError as exc:
        return f"not read: {exc.strerror or type(exc).__name__}"
    return digest.hexdigest()


def _bundle_digest(files: Iterable[Path], base: Path) -> str:
    """SHA-256 over the files' paths (relative to ``base``) and contents, in path order."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: _shown(p, base)):
        if not path.is_file():
            continue
        digest.update(_shown(path, base).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


@cache
def _catalogue() -> dict[str, Any]:
    """The catalogue's identity: a SHA-256 over its data files, the provider schema versions
    the type tables were generated from, and the newest date its sources cite."""
    data = resources.files("sovlint.catalog").joinpath("data")
    digest = hashlib.sha256()
    schemas: list[str] = []
    newest = ""
    for name in sorted(entry.name for entry in data.iterdir() if entry.name.endswith(".yaml")):
        text = data.joinpath(name).read_bytes()
        digest.update(name.encode() + b"\0" + text + b"\0")
        match = re.search(rb"^  provider: (.+)$", text[:2000], re.MULTILINE)
        if name.startswith("types_") and match:
            schemas.append(match.group(1).decode().strip())
        dates = re.findall(rb"\b20\d\d-[01]\d-[0-3]\d\b", text)
        newest = max([newest, *(d.decode() for d in dates)])
    from sovlint.catalog import catalogue_identity

    return {"sha256": digest.hexdigest(), "date": catalogue_identity().date, "schemas": schemas,
            "newest_source": newest or None}


def git_commit(start: Path) -> dict[str, str] | None:
    """The commit checked out where ``start`` is, read from the `.git` files without running
    git (the scanned repository is untrusted input: its git config could run commands).
    Reads only HEAD, one ref and packed-refs, each size-limited, and returns only a
    well-formed object id; None outside a checkout or when it cannot be told."""
    directory = start if start.is_dir() else start.parent
    for candidate in [directory, *directory.parents]:
        dot_git = candidate / ".git"
        if dot_git.exists():
            return _read_head(dot_git)
    return None


def _small_text(path: Path, limit: int = _GIT_FILE_LIMIT) -> str | None:
    try:
        if not path.is_file() or path.stat().st_size > limit:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _read_head(dot_git: Path) -> dict[str, str] | None:
    git_dir = dot_git
    if dot_git.is_file():  # a worktree or submodule: "gitdir: PATH"
        pointer = _small_text(dot_git)
        if pointer is None or not pointer.startswith("gitdir:"):
            return None
        git_dir = (dot_git.parent / pointer[len("gitdir:"):].strip()).resolve()
    head = _small_text(git_dir / "HEAD")
    if head is None:
        return None
    head = head.strip()
    if _OBJECT_ID.match(head):
        return {"commit": head, "ref": "detached HEAD"}
    if not head.startswith("ref: refs/"):
        return None
    ref = head[len("ref: "):].strip()
    if ".." in ref.split("/"):
        return None
    common = git_dir
    pointer = _small_text(git_dir / "commondir")
    if pointer is not None:
        common = (git_dir / pointer.strip()).resolve()
    for place in dict.fromkeys([git_dir, common]):
        value = _small_text(place / ref)
        if value is not None and _OBJECT_ID.match(value.strip()):
            return {"commit": value.strip(), "ref": ref}
    packed = _small_text(common / "packed-refs", _PACKED_REFS_LIMIT) or ""
    for line in packed.splitlines():
        object_id, _, name = line.partition(" ")
        if name.strip() == ref and _OBJECT_ID.match(object_id):
            return {"commit": object_id, "ref": ref}
    return None


def severity_order(severity: str) -> int:
    """Highest first, for the template."""
    return -severity_rank(severity)
