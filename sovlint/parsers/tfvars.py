"""Variable definition files: `*.tfvars` (HCL) and `*.tfvars.json`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sovlint.discover import read_input_text
from sovlint.model import LIMIT_EXCEEDED, ParseError
from sovlint.parsers.hcl import parse_hcl_attributes
from sovlint.terraform.evaluator import MISSING, Scope, evaluate

# The largest variable file read, as for every other input file (sovlint.scan.MAX_FILE_BYTES).
MAX_FILE_BYTES = 20 * 1024 * 1024


def _read(path: Path, display: str) -> tuple[str | None, ParseError | None]:
    return read_input_text(path, display, MAX_FILE_BYTES, "variable file")


def load_tfvars(path: Path, display: str) -> tuple[dict[str, Any], ParseError | None]:
    """Values of a variable definitions file; an unreadable file is an error, not a crash."""
    text, error = _read(path, display)
    if text is None:
        return {}, error
    if path.name.endswith(".json"):
        try:
            data = json.loads(text)
        except RecursionError:
            return {}, ParseError(display, 1,
                                  f"{LIMIT_EXCEEDED}: JSON nested too deeply to be read")
        except ValueError as exc:
            return {}, ParseError(display, max(int(getattr(exc, "lineno", 1)), 1),
                                  f"invalid JSON: {exc}")
        if not isinstance(data, dict):
            return {}, ParseError(display, 1, "a .tfvars.json file must hold an object")
        return data, None
    body, error = parse_hcl_attributes(text, display)
    if body is None:
        return {}, error
    scope = Scope(lambda name: MISSING)
    values: dict[str, Any] = {}
    for name, attr in body.attributes.items():
        try:
            values[name] = evaluate(attr.expr, scope)
        except RecursionError:
            return {}, ParseError(display, attr.line,
                                  f"{LIMIT_EXCEEDED}: value of {name} nested too deeply")
    return values, None
