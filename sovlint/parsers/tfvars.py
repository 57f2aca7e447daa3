"""Variable definition files: `*.tfvars` (HCL) and `*.tfvars.json`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sovlint.model import ParseError
from sovlint.parsers.hcl import parse_hcl_attributes
from sovlint.terraform.evaluator import MISSING, Scope, evaluate


def load_tfvars(path: Path, display: str) -> tuple[dict[str, Any], ParseError | None]:
    """Values of a variable definitions file; an unreadable file is an error, not a crash."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return {}, ParseError(display, 1, f"cannot read variable file: {exc}")
    if path.name.endswith(".json"):
        try:
            data = json.loads(text)
        except ValueError as exc:
            return {}, ParseError(display, getattr(exc, "lineno", 1), f"invalid JSON: {exc}")
        if not isinstance(data, dict):
            return {}, ParseError(display, 1, "a .tfvars.json file must hold an object")
        return data, None
    body, error = parse_hcl_attributes(text, display)
    if body is None:
        return {}, error
    scope = Scope(lambda name: MISSING)
    return {name: evaluate(attr.expr, scope) for name, attr in body.attributes.items()}, None
