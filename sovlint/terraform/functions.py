"""Terraform built-in functions, for static evaluation.

Only pure functions: nothing that reads files outside the configuration, the clock or the
network. A function missing here makes its call Unknown (the evaluator says which).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sovlint.model import LIMIT_EXCEEDED as MODEL_LIMIT_EXCEEDED
from sovlint.terraform.values import Unknown, contains_unknown, merge_unknowns, to_json_safe


class FunctionError(Exception):
    """A call Terraform itself would reject (wrong types, bad index...)."""


@dataclass(frozen=True)
class Function:
    call: Callable[[list[Any]], Any]
    accepts_unknown: bool = False


def string_value(value: Any) -> str:
    """A primitive value as a string, as Terraform converts it; FunctionError otherwise."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    raise FunctionError(f"expected a string, got {type(value).__name__}")


def _list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    raise FunctionError(f"expected a list, got {type(value).__name__}")


def _map(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise FunctionError(f"expected a map, got {type(value).__name__}")


def _num(value: Any) -> int | float:
    if isinstance(value, bool):
        raise FunctionError("expected a number, got bool")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError as exc:
            raise FunctionError(f"cannot convert {value!r} to a number") from exc
        return int(number) if number.is_integer() else number
    raise FunctionError(f"expected a number, got {type(value).__name__}")


# Evaluation budget: no string sovlint builds is longer than this (a region, a name, a tag is a
# few dozen characters; `format("%1500000000s", "x")` or a local that doubles itself thirty
# times would take gigabytes). Beyond it the value is unknown, "evaluation limit exceeded".
MAX_STRING_CHARS = 1_000_000
LIMIT_EXCEEDED = MODEL_LIMIT_EXCEEDED


def check_string_size(value: Any) -> Any:
    """``value``, or a FunctionError when it is a string over `MAX_STRING_CHARS`."""
    if isinstance(value, str) and len(value) > MAX_STRING_CHARS:
        raise FunctionError(f"{LIMIT_EXCEEDED}: a string of {len(value)} characters, more "
                            f"than {MAX_STRING_CHARS}")
    return value


_FORMAT_RE = re.compile(r"%(%|[-+ #0]*\d*(?:\.\d+)?[sdfvqtbxXoeEgG])")


def _format(args: list[Any]) -> str:
    if not args:
        raise FunctionError("format needs a format string")
    spec = string_value(args[0])
    values = iter(args[1:])

    def repl(match: re.Match[str]) -> str:
        verb = match.group(1)
        if verb == "%":
            return "%"
        if any(int(width) > MAX_STRING_CHARS for width in re.findall(r"\d+", verb)):
            raise FunctionError(f"{LIMIT_EXCEEDED}: width or precision in %{verb} is more than "
                                f"{MAX_STRING_CHARS}")
        try:
            value = next(values)
        except StopIteration as exc:
            raise FunctionError("not enough arguments for format") from exc
        kind = verb[-1]
        if kind in "sv":
            text = _jsonencode(value) if isinstance(value, (list, dict)) else string_value(value)
            return ("%" + verb[:-1] + "s") % text
        if kind == "q":
            return json.dumps(string_value(value))
        if kind == "t":
            return "true" if value else "false"
        if kind in "dbxXo":
            number = int(_num(value))
            python_kind = {"b": "b", "d": "d", "x": "x", "X": "X", "o": "o"}[kind]
            return format(number, verb[:-1].replace("#", "") + python_kind)
        return ("%" + verb) % float(_num(value))

    return _FORMAT_RE.sub(repl, spec)


def _formatlist(args: list[Any]) -> list[str]:
    lists = [value for value in args[1:] if isinstance(value, list)]
    length = len(lists[0]) if lists else 1
    if any(len(value) != length for value in lists):
        raise FunctionError("formatlist lists differ in length")
    columns = [value if isinstance(value, list) else [value] * length for value in args[1:]]
    return [_format([args[0], *row]) for row in zip(*columns, strict=True)]


def _unify(values: list[Any]) -> list[Any]:
    """Primitives of mixed types as Terraform unifies them: all strings when one is a string."""
    present = [value for value in values if value is not None]
    if not any(isinstance(value, str) for value in present) or not all(
        isinstance(value, (str, int, float)) for value in present
    ):
        return values
    return [None if value is None else string_value(value) for value in values]


def _coalesce(args: list[Any]) -> Any:
    for index, value in enumerate(args):
        if isinstance(value, Unknown):
            return value
        if value is not None and value != "":
            return _unify(list(args))[index]
    raise FunctionError("no non-null, non-empty argument")


def _coalescelist(args: list[Any]) -> Any:
    for value in args:
        if _list(value):
            return value
    raise FunctionError("no non-empty list")


def _lookup(args: list[Any]) -> Any:
    mapping = args[0]
    key = args[1] if len(args) > 1 else None
    if isinstance(mapping, Unknown) or isinstance(key, Unknown):
        return mapping if isinstance(mapping, Unknown) else key
    mapping = _map(mapping)
    skey = string_value(key)
    if skey in mapping:
        return mapping[skey]
    if len(args) > 2:
        return args[2]
    raise FunctionError(f"no key {skey!r} and no default")


def _element(args: list[Any]) -> Any:
    items = _list(args[0])
    if not items:
        raise FunctionError("element of an empty list")
    index = int(_num(args[1]))
    if index < 0:
        raise FunctionError("element with a negative index")
    return items[index % len(items)]


def _flatten(value: Any) -> list[Any]:
    result: list[Any] = []
    for item in _list(value):
        if isinstance(item, list):
            result.extend(_flatten(item))
        else:
            result.append(item)
    return result


def _merge(args: list[Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for value in args:
        if value is None:
            continue
        result.update(_map(value))
    return result


def _length(value: Any) -> int:
    if isinstance(value, (list, dict, str)):
        return len(value)
    raise FunctionError(f"length of {type(value).__name__}")


def _distinct(items: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def _toset(value: Any) -> list[Any]:
    # Terraform orders a set of strings lexically and a set of numbers numerically.
    items = _distinct(_unify(_list(value)))
    if all(isinstance(item, (int, float)) and not isinstance(item, bool) for item in items):
        return sorted(items)
    return sorted(items, key=lambda item: (str(type(item)), str(item)))


def _tolist(value: Any) -> list[Any]:
    return _unify(_list(value))


def _tomap(value: Any) -> dict[str, Any]:
    mapping = _map(value)
    return dict(zip(mapping, _unify(list(mapping.values())), strict=True))


def _jsonencode(value: Any) -> str:
    # As Go's encoder: whole numbers without ".0", UTF-8 kept, HTML characters escaped.
    text = json.dumps(to_json_safe(value), separators=(",", ":"), sort_keys=True,
                      ensure_ascii=False)
    for char in "<>&\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def _tobool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return bool(value == "true")
    raise FunctionError(f"cannot convert {value!r} to bool")


def _tostring(value: Any) -> str | None:
    return None if value is None else string_value(value)


def _substr(args: list[Any]) -> str:
    text, offset, length = string_value(args[0]), int(_num(args[1])), int(_num(args[2]))
    if offset < 0:
        offset += len(text)
    return text[offset:] if length < 0 else text[offset : offset + length]


def _re2(pattern: str) -> Any:
    """A compiled RE2 pattern: Terraform's `regex`, `regexall` and `replace` use Go's regexp,
    which is RE2 (linear time: `(a+)+$` cannot backtrack for minutes), so Python's `re`, which
    backtracks, is neither safe nor faithful here."""
    import re2  # google-re2

    options = re2.Options()
    options.log_errors = False  # the error becomes the function's message, not stderr noise
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise FunctionError(f"invalid regex: {reason}") from None


def _regex(args: list[Any]) -> Any:
    pattern, text = string_value(args[0]), string_value(args[1])
    match = _re2(pattern).search(text)
    if match is None:
        raise FunctionError("pattern did not match")
    if match.groupdict():
        return match.groupdict()
    if match.groups():
        return list(match.groups())
    return match.group(0)


def _regexall(args: list[Any]) -> list[Any]:
    pattern, text = string_value(args[0]), string_value(args[1])
    return [m.groupdict() or list(m.groups()) or m.group(0)
            for m in _re2(pattern).finditer(text)]


def _replace(args: list[Any]) -> str:
    text, search, replacement = string_value(args[0]), string_value(args[1]), string_value(args[2])
    if len(search) > 1 and search.startswith("/") and search.endswith("/"):
        compiled = _re2(search[1:-1])
        # Go's `$1`, `${1}` and `${name}`; a literal backslash stays a backslash.
        template = re.sub(r"\$\{?(\w+)\}?", r"\\g<\1>", replacement.replace("\\", "\\\\"))
        return str(compiled.sub(template, text))
    return text.replace(search, replacement)


def _zipmap(args: list[Any]) -> dict[str, Any]:
    keys, values = _list(args[0]), _list(args[1])
    if len(keys) != len(values):
        raise FunctionError("zipmap lists differ in length")
    return {string_value(key): value for key, value in zip(keys, values, strict=True)}


def _split(args: list[Any]) -> list[str]:
    return string_value(args[1]).split(string_value(args[0]))


def _join(args: list[Any]) -> str:
    separator = string_value(args[0])
    items: list[Any] = []
    for value in args[1:]:
        items.extend(_list(value))
    return separator.join(string_value(item) for item in items)


def _one(value: Any) -> Any:
    items = _list(value)
    if len(items) > 1:
        raise FunctionError("one() of a list with several elements")
    return items[0] if items else None


def _index_of(args: list[Any]) -> int:
    items = _list(args[0])
    if args[1] not in items:
        raise FunctionError("value not in list")
    return items.index(args[1])


def _slice(args: list[Any]) -> list[Any]:
    return _list(args[0])[int(_num(args[1])) : int(_num(args[2]))]


def _range(args: list[Any]) -> list[int | float]:
    numbers = [_num(arg) for arg in args]
    start: int | float
    stop: int | float
    step: int | float
    if len(numbers) == 1:
        start, stop, step = 0, numbers[0], 1 if numbers[0] >= 0 else -1
    elif len(numbers) == 2:
        start, stop, step = numbers[0], numbers[1], 1 if numbers[1] >= numbers[0] else -1
    else:
        start, stop, step = numbers[0], numbers[1], numbers[2]
    if step == 0 or abs((stop - start) / step) > 1024:
        raise FunctionError("range too large")
    values: list[int | float] = []
    current = start
    while (step > 0 and current < stop) or (step < 0 and current > stop):
        values.append(current)
        current += step
    return values


def _one_arg(function: Callable[[Any], Any]) -> Callable[[list[Any]], Any]:
    def call(args: list[Any]) -> Any:
        if len(args) != 1:
            raise FunctionError(f"expected 1 argument, got {len(args)}")
        return function(args[0])

    return call


def _string_fn(function: Callable[[str], Any]) -> Callable[[list[Any]], Any]:
    return _one_arg(lambda value: function(string_value(value)))


def _shape_only(call: Callable[[list[Any]], Any]) -> Function:
    """A function whose result depends on the shape of its collections, not on the members:
    Terraform knows `length(list)`, `keys(map)`, `merge(...)` and `concat(...)` when members
    are unknown, so only an argument that is unknown as a whole makes the result unknown."""
    def checked(args: list[Any]) -> Any:
        unknown = merge_unknowns(args)
        return unknown if unknown is not None else call(args)

    return Function(checked, accepts_unknown=True)


def _contains(args: list[Any]) -> Any:
    if len(args) != 2:
        raise FunctionError(f"expected 2 arguments, got {len(args)}")
    items = _list(args[0])
    wanted = contains_unknown(args[1])
    if wanted is not None:
        return wanted
    if args[1] in [item for item in items if contains_unknown(item) is None]:
        return True
    # Not among the known members: an unknown member might still be it.
    unknown = merge_unknowns(contains_unknown(item) for item in items)
    return unknown if unknown is not None else False


FUNCTIONS: dict[str, Function] = {
    "format": Function(_format),
    "formatlist": Function(_formatlist),
    "join": Function(_join),
    "split": Function(_split),
    "lower": Function(_string_fn(str.lower)),
    "upper": Function(_string_fn(str.upper)),
    "title": Function(_string_fn(str.title)),
    "trimspace": Function(_string_fn(str.strip)),
    "chomp": Function(_string_fn(lambda s: s.rstrip("\r\n"))),
    "trim": Function(lambda args: string_value(args[0]).strip(string_value(args[1]))),
    "trimprefix": Function(lambda args: string_value(args[0]).removeprefix(string_value(args[1]))),
    "trimsuffix": Function(lambda args: string_value(args[0]).removesuffix(string_value(args[1]))),
    "startswith": Function(lambda args: string_value(args[0]).startswith(string_value(args[1]))),
    "endswith": Function(lambda args: string_value(args[0]).endswith(string_value(args[1]))),
    "strcontains": Function(lambda args: string_value(args[1]) in string_value(args[0])),
    "replace": Function(_replace),
    "substr": Function(_substr),
    "strrev": Function(_string_fn(lambda s: s[::-1])),
    "regex": Function(_regex),
    "regexall": Function(_regexall),
    "coalesce": Function(_coalesce, accepts_unknown=True),
    "coalescelist": Function(_coalescelist),
    "lookup": Function(_lookup, accepts_unknown=True),
    "merge": _shape_only(_merge),
    "concat": _shape_only(lambda args: [item for value in args for item in _list(value)]),
    "element": Function(_element),
    "flatten": Function(_one_arg(_flatten)),
    "keys": _shape_only(_one_arg(lambda value: sorted(_map(value)))),
    "values": _shape_only(_one_arg(lambda value: [_map(value)[k] for k in sorted(_map(value))])),
    "length": _shape_only(_one_arg(_length)),
    "contains": Function(_contains, accepts_unknown=True),
    "index": Function(_index_of),
    "distinct": Function(_one_arg(lambda value: _distinct(_list(value)))),
    "reverse": Function(_one_arg(lambda value: list(reversed(_list(value))))),
    "sort": Function(_one_arg(lambda value: sorted(string_value(item) for item in _list(value)))),
    "slice": Function(_slice),
    "range": Function(_range),
    "compact": Function(_one_arg(lambda value: [v for v in _list(value) if v not in ("", None)])),
    "one": Function(_one_arg(_one)),
    "tostring": Function(_one_arg(_tostring)),
    "tonumber": Function(_one_arg(lambda value: None if value is None else _num(value))),
    "tobool": Function(_one_arg(_tobool)),
    "tolist": Function(_one_arg(_tolist)),
    "toset": Function(_one_arg(_toset)),
    "tomap": Function(_one_arg(_tomap)),
    "zipmap": Function(_zipmap),
    "jsonencode": Function(_one_arg(_jsonencode)),
    "jsondecode": Function(_one_arg(lambda value: json.loads(string_value(value)))),
    "min": Function(lambda args: min(_num(arg) for arg in args)),
    "max": Function(lambda args: max(_num(arg) for arg in args)),
    "abs": Function(_one_arg(lambda value: abs(_num(value)))),
    "ceil": Function(_one_arg(lambda value: -int(-_num(value) // 1))),
    "floor": Function(_one_arg(lambda value: int(_num(value) // 1))),
    "sum": Function(_one_arg(lambda value: sum(_num(item) for item in _list(value)))),
    "setunion": Function(lambda args: _toset([item for value in args for item in _list(value)])),
    "setintersection": Function(
        lambda args: _toset([i for i in _list(args[0]) if all(i in _list(o) for o in args[1:])])
    ),
    "setsubtract": Function(lambda args: _toset([i for i in _list(args[0])
                                                   if i not in _list(args[1])])),
    "alltrue": Function(_one_arg(lambda value: all(item is True for item in _list(value)))),
    "anytrue": Function(_one_arg(lambda value: any(item is True for item in _list(value)))),
}
