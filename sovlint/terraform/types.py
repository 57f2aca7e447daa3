"""Terraform type constraints of variables: `optional()` attributes and their defaults.

A variable declared `object({ lock = optional(string, "Microsoft.Authorization/locks@...") })`
with the value `{}` has `lock` set to its default; a missing optional attribute without a
default is null. Other conversions leave the value as it is.
https://developer.hashicorp.com/terraform/language/expressions/type-constraints#optional-object-type-attributes
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sovlint.terraform.syntax import Call, Expr, Literal, Name, ObjectExpr, Template


def _key(expr: Expr) -> str | None:
    if isinstance(expr, Name):
        return expr.name
    if isinstance(expr, Literal) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, Template) and all(isinstance(part, str) for part in expr.parts):
        return "".join(str(part) for part in expr.parts)
    return None


def apply_type(type_expr: Expr, value: Any, evaluate: Callable[[Expr], Any]) -> Any:
    """``value`` converted to the type constraint ``type_expr`` as far as defaults go."""
    if not isinstance(type_expr, Call) or not type_expr.args:
        return value
    inner = type_expr.args[0]
    if type_expr.name == "object" and isinstance(inner, ObjectExpr) and isinstance(value, dict):
        result = dict(value)
        for key_expr, attribute_type in inner.items:
            key = _key(key_expr)
            if key is None:
                continue
            if isinstance(attribute_type, Call) and attribute_type.name == "optional":
                if result.get(key) is None:
                    result[key] = (evaluate(attribute_type.args[1])
                                   if len(attribute_type.args) > 1 else None)
                if attribute_type.args and result[key] is not None:
                    result[key] = apply_type(attribute_type.args[0], result[key], evaluate)
            elif key in result:
                result[key] = apply_type(attribute_type, result[key], evaluate)
        return result
    if type_expr.name == "map" and isinstance(value, dict):
        return {key: apply_type(inner, item, evaluate) for key, item in value.items()}
    if type_expr.name in ("list", "set") and isinstance(value, list):
        return [apply_type(inner, item, evaluate) for item in value]
    return value
