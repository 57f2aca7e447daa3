"""Files that are not infrastructure input (SPEC §2): why a YAML or JSON file that does not
parse is skipped rather than reported as SOV000.

A file that does not parse is SOV000 only when it looks like what sovlint reads: a Kubernetes
manifest (top-level `apiVersion` and `kind`) or a Terraform plan (`format_version` with
`planned_values` or `resource_changes`). Anything else (editor settings with comments, JSON
Lines samples, cloud-init or Go templates) is skipped with its reason, so the gate neither
fails on what is not infrastructure nor passes on a manifest it could not read.
"""

from __future__ import annotations

import json
import re

_YAML_MANIFEST = (re.compile(r"^['\"]?apiVersion['\"]?\s*:", re.MULTILINE),
                  re.compile(r"^['\"]?kind['\"]?\s*:", re.MULTILINE))
_JSON_MANIFEST = (re.compile(r"\"apiVersion\"\s*:"), re.compile(r"\"kind\"\s*:"))
_JSON_PLAN = re.compile(r"\"format_version\"\s*:")
_JSON_PLAN_PARTS = re.compile(r"\"(planned_values|resource_changes)\"\s*:")
_GO_TEMPLATE = re.compile(r"\{\{-?\s*[.$A-Za-z/(]")
_TERRAFORM_TEMPLATE = re.compile(r"%\{-?\s*(for|if|endfor|endif|else)\b|\$\{[^}]*\}")
_JSON_COMMENT = re.compile(r"^\s*//|/\*|,\s*[}\]]", re.MULTILINE)

REASON_GO_TEMPLATE = "Go/Helm template"
REASON_TERRAFORM_TEMPLATE = "Terraform template, a templatefile() input"
REASON_JSONC = "JSON with comments or trailing commas, editor or devcontainer settings"
REASON_JSON_LINES = "JSON Lines"
REASON_NOT_MANIFEST = "neither a Kubernetes manifest nor a Terraform plan"
# Reasons for files skipped without a parse attempt, or for what a reference says of them.
SKIP_FILE_TYPE = "not an infrastructure file type"
SKIP_HELM_TEMPLATE = "Helm chart template (the chart is rendered, or reported)"
SKIP_REPLACED_BY_TOFU = "a .tf file a .tofu file of the same name replaces"
SKIP_TERRAFORM_FILE_INPUT = "read by a Terraform file() or templatefile() call"


def looks_like_input(text: str, is_json: bool) -> bool:
    """True when the text claims to be a manifest or a plan (then a parse error is SOV000)."""
    if is_json:
        if _JSON_PLAN.search(text) and _JSON_PLAN_PARTS.search(text):
            return True
        return all(pattern.search(text) for pattern in _JSON_MANIFEST)
    return all(pattern.search(text) for pattern in _YAML_MANIFEST)


def skip_reason(text: str, is_json: bool) -> str | None:
    """Why an unparseable file is not input; None when it looks like input (SOV000)."""
    if looks_like_input(text, is_json):
        return None
    # JSON first: devcontainer files hold `${localEnv:...}`, which is not a Terraform template.
    if is_json:
        if _is_json_lines(text):
            return REASON_JSON_LINES
        if _JSON_COMMENT.search(text):
            return REASON_JSONC
    if _GO_TEMPLATE.search(text):
        return REASON_GO_TEMPLATE
    if _TERRAFORM_TEMPLATE.search(text):
        return REASON_TERRAFORM_TEMPLATE
    return REASON_NOT_MANIFEST


def _is_json_lines(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return False
    try:
        for line in lines:
            json.loads(line)
    except ValueError:
        return False
    return True
