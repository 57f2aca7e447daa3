"""Write sovlint/catalog/data/types_<provider>.yaml from the Terraform provider schemas.

Not run at scan time. The schemas are read offline from the prebuilt CDK for Terraform provider
packages (npm `@cdktf/provider-aws`, `-azurerm`, `-google`, `-google-beta`, `-kubernetes`), which
are generated from `terraform providers schema -json`: each resource type has a directory under
`lib/` whose `index.js` names the Terraform type (`tfResourceType = "aws_s3_bucket"`) and whose
`index.d.ts` documents every top-level argument with a link ending in `#<argument>` and the
provider version. Get a package with `npm pack @cdktf/provider-aws` and run

    python tools/catalog_types.py cdktf-provider-aws-21.22.1.tgz [more .tgz ...]

For every resource type the table records its class and the rule that decided it
(sovlint.catalog.classify, the same code the scan uses), the argument that gives its location,
the arguments that name a parent it takes its location from, and documented default locations.
"""

from __future__ import annotations

import json
import re
import sys
import tarfile
from pathlib import Path
from typing import Any

import yaml

from sovlint.catalog import load_data
from sovlint.catalog.classify import DEFAULT_RULE, classify_type

DATA = Path(__file__).resolve().parent.parent / "sovlint" / "catalog" / "data"

_TYPE = re.compile(r'tfResourceType\s*=\s*"([a-z0-9_]+)"')
_CONFIG = re.compile(
    r"export interface \w+Config extends cdktf\.TerraformMetaArguments \{(.*?)\n\}", re.S)
_ARGUMENT = re.compile(r"/docs/resources/[a-z0-9_]+#([a-z0-9_]+) ")
_VERSION = re.compile(r"registry\.terraform\.io/providers/([\w-]+)/([\w-]+)/([0-9][\w.]*)/docs")


def read_package(path: Path) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(package facts, {resource type: its top-level arguments}) of one cdktf provider .tgz."""
    javascript: dict[str, str] = {}
    declarations: dict[str, str] = {}
    package: dict[str, Any] = {}
    with tarfile.open(path, "r:gz") as archive:
        for member in archive:
            parts = member.name.split("/")
            if member.name == "package/package.json":
                package = json.load(archive.extractfile(member))  # type: ignore[arg-type]
            elif (len(parts) == 4 and parts[1] == "lib" and not parts[2].startswith("data-")
                  and parts[3] in ("index.js", "index.d.ts")):
                handle = archive.extractfile(member)
                text = handle.read().decode("utf-8") if handle else ""
                (javascript if parts[3] == "index.js" else declarations)[parts[2]] = text
    types: dict[str, list[str]] = {}
    provider_version = ""
    for directory, text in javascript.items():
        found = _TYPE.search(text)
        if found is None or directory == "provider":
            continue
        declaration = declarations.get(directory, "")
        config = _CONFIG.search(declaration)
        arguments = sorted(set(_ARGUMENT.findall(config.group(1)))) if config else []
        types[found.group(1)] = arguments
        version = _VERSION.search(declaration)
        if version and not provider_version:
            provider_version = f"{version.group(1)}/{version.group(2)} {version.group(3)}"
    facts = {"package": package.get("name", path.name), "package_version": package.get("version"),
             "provider": provider_version}
    return facts, types


def _knowledge() -> dict[str, Any]:
    return load_data("resource_types.yaml")


def type_record(resource_type: str, arguments: list[str], provider: str) -> dict[str, Any]:
    """One table row: class, deciding rule, location argument, parent arguments, defaults."""
    knowledge = _knowledge()
    section = (knowledge.get("providers") or {}).get(provider) or {}
    classification = classify_type(resource_type)
    record: dict[str, Any] = {"class": classification.type_class, "rule": classification.rule}
    location = [name for name in section.get("location_attributes") or [] if name in arguments]
    if location:
        record["location"] = location[0]
    links = (knowledge.get("type_parent_attributes") or {}).get(resource_type)
    parents = links or [name for name in section.get("parent_attributes") or []
                        if name in arguments]
    if parents and not location:
        record["parents"] = parents
    default = (knowledge.get("default_locations") or {}).get(resource_type)
    if isinstance(default, dict):
        record["default_location"] = default.get("region")
    return record


def provider_of(package_name: str) -> str:
    return package_name.rsplit("provider-", 1)[-1]


def write_table(path: Path) -> tuple[str, int, int]:
    facts, types = read_package(path)
    provider = provider_of(str(facts["package"]))
    rows = {name: type_record(name, arguments, "google" if provider == "google-beta"
                              else provider)
            for name, arguments in sorted(types.items())}
    control = sum(1 for row in rows.values() if row["class"] == "control_plane")
    header = (f"# Generated by tools/catalog_types.py from {facts['package']} "
              f"{facts['package_version']} ({facts['provider']}). Do not edit by hand: change\n"
              "# classification.yaml or resource_types.yaml and run the tool again.\n")
    document = {"provider": provider, "schema": facts, "types": rows}
    out = DATA / f"types_{provider}.yaml"
    out.write_text(header + yaml.safe_dump(document, sort_keys=False, width=100),
                   encoding="utf-8")
    return provider, len(rows), control


DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules" / "README.md"
COVERAGE_START = "<!-- coverage: written by tools/catalog_types.py -->"
COVERAGE_END = "<!-- end of coverage -->"


def coverage_table() -> str:
    """Markdown table of every generated types_<provider>.yaml: how many schema types, how many
    control plane, and how many data-bearing by a rule or list versus the fail-closed default."""
    lines = ["| provider | schema | types | classified | control plane | data-bearing "
             "(by a rule or list) | data-bearing (default, fail closed) |",
             "|---|---|---|---|---|---|---|"]
    for table in sorted(DATA.glob("types_*.yaml"), key=lambda path: path.stem):
        document = yaml.safe_load(table.read_text(encoding="utf-8"))
        rows = document["types"].values()
        total = len(rows)
        control = sum(1 for row in rows if row["class"] == "control_plane")
        default = sum(1 for row in rows if row["rule"] == DEFAULT_RULE)
        classified = sum(1 for row in rows if row["class"] in ("control_plane", "data_bearing"))
        schema = document["schema"]
        lines.append(f"| {document['provider']} | {schema['provider']} "
                     f"({schema['package']} {schema['package_version']}) | {total} | "
                     f"{classified} ({100 * classified // total} %) | {control} | "
                     f"{total - control - default} | {default} |")
    return "\n".join(lines)


def write_coverage() -> None:
    text = DOCS.read_text(encoding="utf-8")
    start, end = text.index(COVERAGE_START), text.index(COVERAGE_END)
    DOCS.write_text(f"{text[:start]}{COVERAGE_START}\n{coverage_table()}\n{text[end:]}",
                    encoding="utf-8")


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    for name in argv:
        provider, total, control = write_table(Path(name))
        print(f"{provider}: {total} types, {control} control plane, {total - control} data-bearing")
    write_coverage()
    print(coverage_table())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
