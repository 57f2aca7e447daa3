"""The configuration file for people and editors: the JSON Schema shipped with the package
(`sovlint config --schema`) and the commented starter file `sovlint init` writes.

sovlint validates configurations itself (`sovlint.config`, exit 2 on a bad key or value); the
schema describes the same keys for the YAML language server
(`# yaml-language-server: $schema=...`) and for CI checks. A test keeps the two in agreement on
the starter file and on every fixture's configuration."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

SCHEMA_FILE = "config.schema.json"

STARTER = """\
# sovlint configuration: every key is in docs/configuration.md. Editors that run the YAML
# language server validate this file against the schema `sovlint config --schema` prints
# (save it, e.g. as .sovlint.schema.json, and point the line below at it):
# yaml-language-server: $schema=.sovlint.schema.json

# sovereign (all rules) or residency (location rules only, provider jurisdiction ignored)
profile: sovereign

allow:
  # where data may be: the groups EU, EEA, ADEQUACY, or ISO 3166-1 alpha-2 codes
  countries: [EU, EEA]
  # provider entity ids trusted despite their jurisdiction, after an assessment (sovlint rules)
  providers: []

scope:
  # only resources with these tags or labels are checked; empty = every resource
  tags: {}
  # e.g. {data-classification: [health, phi]}
  paths: []

# per rule: off, or {severity: low|medium|high|critical, ignorable: false}
rules: {}

# lowest severity that makes the exit code 1
fail_on: low

# gitignore-style globs never scanned, relative to this file
exclude: []

kubernetes:
  # where workloads that pin no region run, e.g. {provider: ovh, region: GRA}
  cluster: {}
"""


def schema() -> dict[str, Any]:
    """The JSON Schema of `.sovlint.yaml` (draft 2020-12)."""
    text = resources.files("sovlint").joinpath("schemas").joinpath(SCHEMA_FILE).read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document
