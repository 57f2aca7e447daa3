"""Control characters from scanned files never reach a terminal raw.

A message quotes values from the scanned repository (a region, a resource name, a file name);
an attacker who puts `ESC [2K` or a carriage return there could rewrite what a reviewer sees in a
CI log. Every string of a result is escaped before a text report is built: C0/C1 controls
(except the newline our own messages use) and Unicode format characters (bidirectional
overrides, zero-width joiners) become visible `\\xNN` / `\\uNNNN` escapes.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from typing import Any, TypeVar

T = TypeVar("T")

_SUSPECT = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e"
                      r"\u2060-\u2069\ufeff]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_text(text: str) -> str:
    """``text`` with control and invisible format characters written as escapes."""
    if text.isprintable():
        return text  # the common case: nothing to look at
    escaped = _SUSPECT.sub(_visible, text)
    return "".join(char if char == "\n" or unicodedata.category(char) != "Cf"
                   else f"\\u{ord(char):04x}" for char in escaped)


def escape_strings(value: T) -> T:
    """A copy of ``value`` (dataclasses, tuples, lists, dicts, strings) with every string
    escaped by `escape_text`."""
    return _escape(value)  # type: ignore[no-any-return]


def _escape(value: Any) -> Any:
    if isinstance(value, str):
        return escape_text(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {field.name: _escape(getattr(value, field.name))
                   for field in dataclasses.fields(value) if field.init}
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        return tuple(_escape(item) for item in value)
    if isinstance(value, list):
        return [_escape(item) for item in value]
    if isinstance(value, dict):
        return {_escape(key): _escape(item) for key, item in value.items()}
    return value
