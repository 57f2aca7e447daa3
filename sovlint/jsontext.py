"""JSON text of reports and of the policy input.

orjson writes the same bytes as ``json.dumps(..., indent=2, ensure_ascii=False)`` for the
documents sovlint makes, about ten times faster: the standard library's indenting encoder is
pure Python, and a 10,000-resource scan spent most of a second in it. A value orjson does not
take (an integer beyond 64 bits from a Terraform literal, a non-string key) falls back to the
standard library, so no document is refused.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def pretty(document: Any, *, sort_keys: bool = False) -> str:
    """Two-space indented JSON with a final newline, non-ASCII written as is."""
    option = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE
    if sort_keys:
        option |= orjson.OPT_SORT_KEYS
    try:
        return orjson.dumps(document, option=option).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(document, indent=2, sort_keys=sort_keys, ensure_ascii=False) + "\n"


def compact(document: Any, *, sort_keys: bool = False) -> str:
    """JSON on one line, for machines (the policy engine's input)."""
    try:
        return orjson.dumps(document, option=orjson.OPT_SORT_KEYS if sort_keys else 0).decode()
    except TypeError:
        return json.dumps(document, sort_keys=sort_keys, ensure_ascii=False,
                          separators=(",", ":"))
