"""Variable type constraints, applied as Terraform applies them to defaults and to given values.

A constraint (`string`, `list(number)`, `object({ name = string, tier = optional(string,
"std") })`, ...) is read from the variable's `type` expression into a small tree; `convert`
turns a value into that type: primitives convert (`"1"` to 1, 2 to `"2"`, `"true"` to true),
collections convert member by member, object attributes missing or null take their
`optional()` default at any depth and attributes the type does not name are dropped.
A value that cannot be converted gives a `TypeConversionError` with the path that failed.
Unknown values stay unknown; the members around them are still converted.

Rules as documented at https://developer.hashicorp.com/terraform/language/expressions/types
(conversion of primitive types) and .../language/expressions/type-constraints (optional
object type attributes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sovlint.terraform.syntax import Call, Expr, Literal, Name, ObjectExpr, TupleExpr
from sovlint.terraform.values import LazyObject, Unknown

_PRIMITIVES = ("string", "number", "bool", "any")
_COLLECTIONS = ("list", "set", "map")


@dataclass(frozen=True)
class Type:
    kind: str  # string number bool any list set map tuple object
    element: Type | None = None  # list, set, map
    members: tuple[Type, ...] = ()  # tuple
    # object: (name, type, optional, default) per attribute
    attributes: tuple[tuple[str, Type, bool, Any], ...] = ()


class TypeConversionError(Exception):
    pass


class TypeSyntaxError(Exception):
    pass


def _key_name(expr: Expr) -> str:
    if isinstance(expr, Name):
        return expr.name
    if isinstance(expr, Literal) and isinstance(expr.value, str):
        return expr.value
    raise TypeSyntaxError("an object type's attribute names must be names")


def parse_type(expr: Expr, evaluate_default: Any = None) -> Type:
    """The type a `type = ...` expression names; TypeSyntaxError when it names none.
    `evaluate_default(expr)` evaluates optional() defaults (constants)."""
    if isinstance(expr, Name) and expr.name in _PRIMITIVES:
        return Type(expr.name)
    if isinstance(expr, Call):
        name = expr.name
        if name in _COLLECTIONS and len(expr.args) == 1:
            return Type(name, element=parse_type(expr.args[0], evaluate_default))
        if name == "tuple" and len(expr.args) == 1 and isinstance(expr.args[0], TupleExpr):
            return Type("tuple", members=tuple(parse_type(item, evaluate_default)
                                               for item in expr.args[0].items))
        if name == "object" and len(expr.args) == 1 and isinstance(expr.args[0], ObjectExpr):
            attributes = []
            for key, value in expr.args[0].items:
                optional, default = False, None
                if isinstance(value, Call) and value.name == "optional":
                    if not 1 <= len(value.args) <= 2:
                        raise TypeSyntaxError("optional() takes a type and an optional default")
                    optional = True
                    if len(value.args) == 2:
                        if evaluate_default is None:
                            raise TypeSyntaxError("optional() default cannot be evaluated")
                        default = evaluate_default(value.args[1])
                    value = value.args[0]
                attributes.append((_key_name(key), parse_type(value, evaluate_default),
                                   optional, default))
            return Type("object", attributes=tuple(attributes))
        raise TypeSyntaxError(f"{name}(...) is not a type constraint")
    raise TypeSyntaxError("not a type constraint")


def _number_text(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def _to_number(text: str, path: str) -> int | float:
    try:
        number = float(text)
    except ValueError:
        raise TypeConversionError(f"{path}: a number is required, got {text!r}") from None
    if math.isnan(number) or math.isinf(number):
        raise TypeConversionError(f"{path}: a number is required, got {text!r}")
    stripped = text.strip()
    if number.is_integer() and "." not in stripped and "e" not in stripped.lower():
        return int(stripped)
    return int(number) if number.is_integer() else number


def _primitive(value: Any, kind: str, path: str) -> Any:
    if kind == "string":
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return _number_text(value)
        raise TypeConversionError(f"{path}: a string is required")
    if kind == "number":
        if isinstance(value, bool):
            raise TypeConversionError(f"{path}: a number is required, got a bool")
        if isinstance(value, (int, float)):
            return value
        if isinstance(value, str):
            return _to_number(value, path)
        raise TypeConversionError(f"{path}: a number is required")
    # bool
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise TypeConversionError(f"{path}: a bool is required")


def _set_order(items: list[Any]) -> list[Any]:
    unique: list[Any] = []
    for item in items:
        if item not in unique:
            unique.append(item)
    if any(isinstance(item, Unknown) for item in unique):
        return unique
    if all(isinstance(item, (int, float)) and not isinstance(item, bool) for item in unique):
        return sorted(unique)
    if all(isinstance(item, str) for item in unique):
        return sorted(unique)
    return unique


def convert(value: Any, type_: Type, path: str = "value") -> Any:
    """`value` converted to `type_` (see the module's docstring)."""
    if value is None or isinstance(value, (Unknown, LazyObject)) or type_.kind == "any":
        return value
    kind = type_.kind
    if kind in ("string", "number", "bool"):
        return _primitive(value, kind, path)
    if kind in ("list", "set", "tuple"):
        if not isinstance(value, list):
            raise TypeConversionError(f"{path}: a {kind} is required")
        if kind == "tuple":
            if len(value) != len(type_.members):
                raise TypeConversionError(
                    f"{path}: a tuple of {len(type_.members)} elements is required")
            return [convert(item, member, f"{path}[{i}]")
                    for i, (item, member) in enumerate(zip(value, type_.members, strict=True))]
        assert type_.element is not None
        items = [convert(item, type_.element, f"{path}[{i}]") for i, item in enumerate(value)]
        if kind == "set":
            if any(item is None for item in items):
                raise TypeConversionError(f"{path}: a set cannot hold null")
            return _set_order(items)
        return items
    if not isinstance(value, dict):
        raise TypeConversionError(f"{path}: {'a map' if kind == 'map' else 'an object'} "
                                  "is required")
    if kind == "map":
        assert type_.element is not None
        return {key: convert(item, type_.element, f"{path}[{key!r}]")
                for key, item in value.items()}
    result: dict[str, Any] = {}
    for name, attribute_type, optional, default in type_.attributes:
        item = value.get(name)
        if name not in value and not optional:
            raise TypeConversionError(f"{path}: attribute {name!r} is required")
        if item is None and optional and default is not None:
            item = default
        result[name] = convert(item, attribute_type, f"{path}.{name}")
    return result
