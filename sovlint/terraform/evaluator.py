"""Evaluates Terraform expressions statically.

`evaluate(expr, scope)` returns a plain value or an `Unknown`. Names are looked up through a
`Scope`, which the module loader builds (variables, locals, resources, modules, each/count).
Anything that cannot be evaluated becomes an Unknown that says why; nothing is guessed.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from sovlint.terraform.functions import (
    FUNCTIONS,
    LIMIT_EXCEEDED,
    MAX_STRING_CHARS,
    FunctionError,
    check_string_size,
    string_value,
)
from sovlint.terraform.syntax import (
    BinaryOp,
    Call,
    Conditional,
    Expr,
    ForExpr,
    GetAttr,
    Index,
    Literal,
    Name,
    ObjectExpr,
    Splat,
    Template,
    TupleExpr,
    UnaryOp,
    Unsupported,
    reference_text,
)
from sovlint.terraform.values import LazyObject, Unknown, contains_unknown, merge_unknowns

# Resolves a root name (`var`, `local`, `aws_s3_bucket`, `module`, `each`...) to a value.
RootResolver = Callable[[str], Any]

MAX_DEPTH = 200
# Elements the `for` expressions of one expression may visit, nested ones included: three
# nested `for` over range(1000) would build 10^9 values (minutes and gigabytes).
MAX_FOR_ELEMENTS = 200_000


class _ForBudget(threading.local):
    left = MAX_FOR_ELEMENTS


_for_budget = _ForBudget()

# Time budget of one root module (`terraform.root_timeout`): checked for each top-level
# expression and each `for` expression (by its elements: where the work of a root is, the
# other expressions being bounded by the size of the files), the clock read once every
# `_CLOCK_EVERY` of them, so that a small module never pays for it.
_CLOCK_EVERY = 1000


class EvaluationDeadline(BaseException):
    """The root module being evaluated is past its time budget. A BaseException, so that no
    `except Exception` on the way (a function's error, an Unknown fallback) swallows it: it
    ends the root's evaluation and nothing else."""


class _Deadline(threading.local):
    at: float | None = None  # time.monotonic() value; None: no budget
    countdown = _CLOCK_EVERY


_deadline = _Deadline()


@contextlib.contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Within the block, evaluating expressions raises `EvaluationDeadline` once ``seconds``
    have passed (checked every `_CLOCK_EVERY` expressions)."""
    saved = _deadline.at, _deadline.countdown
    _deadline.at = None if seconds is None else time.monotonic() + seconds
    _deadline.countdown = _CLOCK_EVERY
    try:
        yield
    finally:
        _deadline.at, _deadline.countdown = saved


def check_deadline(work: int = 1) -> None:
    """Raises `EvaluationDeadline` when the budget of `time_budget` is spent. ``work`` counts
    the expressions about to be evaluated (a top-level expression: 1, a `for` expression: its
    elements); the clock is read once every `_CLOCK_EVERY` of them."""
    if _deadline.at is None:
        return
    _deadline.countdown -= work
    if _deadline.countdown > 0:
        return
    _deadline.countdown = _CLOCK_EVERY
    if time.monotonic() > _deadline.at:
        raise EvaluationDeadline


class Scope:
    """Names visible to an expression: a root resolver plus local (for/each) bindings."""

    def __init__(self, resolve_root: RootResolver, bindings: Mapping[str, Any] | None = None):
        self._resolve_root = resolve_root
        self._bindings = dict(bindings or {})

    def lookup(self, name: str) -> Any:
        if name in self._bindings:
            return self._bindings[name]
        return self._resolve_root(name)

    def child(self, bindings: Mapping[str, Any]) -> Scope:
        merged = dict(self._bindings)
        merged.update(bindings)
        return Scope(self._resolve_root, merged)


class _Missing:
    pass


MISSING = _Missing()


def evaluate(expr: Expr, scope: Scope, depth: int = 0) -> Any:
    """The value of an expression, or an Unknown."""
    if depth == 0:  # a top-level expression: its own budget of `for` elements
        check_deadline()
        saved = _for_budget.left
        _for_budget.left = MAX_FOR_ELEMENTS
        try:
            return _evaluate_bounded(expr, scope, depth)
        finally:
            _for_budget.left = saved
    return _evaluate_bounded(expr, scope, depth)


def _evaluate_bounded(expr: Expr, scope: Scope, depth: int) -> Any:
    if depth > MAX_DEPTH:
        return Unknown(f"{LIMIT_EXCEEDED}: expression nested too deeply")
    try:
        return _evaluate(expr, scope, depth + 1)
    except RecursionError:
        return Unknown(f"{LIMIT_EXCEEDED}: expression nested too deeply")


def _evaluate(expr: Expr, scope: Scope, depth: int) -> Any:
    if isinstance(expr, Literal):
        return expr.value
    if isinstance(expr, Template):
        return _template(expr, scope, depth)
    if isinstance(expr, Name):
        value = scope.lookup(expr.name)
        if isinstance(value, _Missing):
            return Unknown(f"{expr.name} is not defined")
        return value
    if isinstance(expr, GetAttr):
        return _get_attr(evaluate(expr.obj, scope, depth), expr.name, expr, scope)
    if isinstance(expr, Index):
        return _index(evaluate(expr.obj, scope, depth), evaluate(expr.key, scope, depth), expr)
    if isinstance(expr, Splat):
        return _splat(expr, scope, depth)
    if isinstance(expr, TupleExpr):
        return [evaluate(item, scope, depth) for item in expr.items]
    if isinstance(expr, ObjectExpr):
        result: dict[str, Any] = {}
        for key_expr, value_expr in expr.items:
            key = evaluate(key_expr, scope, depth)
            if isinstance(key, Unknown):
                return key
            result[_to_key(key)] = evaluate(value_expr, scope, depth)
        return result
    if isinstance(expr, Conditional):
        condition = evaluate(expr.condition, scope, depth)
        if isinstance(condition, Unknown):
            return _unknown_conditional(condition, expr, scope, depth)
        condition = _as_bool(condition)
        if not isinstance(condition, bool):
            return Unknown(f"condition is not a bool: {condition!r}")
        return evaluate(expr.if_true if condition else expr.if_false, scope, depth)
    if isinstance(expr, BinaryOp):
        return _binary(expr, scope, depth)
    if isinstance(expr, UnaryOp):
        operand = evaluate(expr.operand, scope, depth)
        if isinstance(operand, Unknown):
            return operand
        if expr.op == "!" and isinstance(_as_bool(operand), bool):
            return not _as_bool(operand)
        if expr.op == "-" and isinstance(operand, (int, float)) and not isinstance(operand, bool):
            return -operand
        return Unknown(f"cannot apply {expr.op} to {operand!r}")
    if isinstance(expr, Call):
        return _call(expr, scope, depth)
    if isinstance(expr, ForExpr):
        return _for(expr, scope, depth)
    if isinstance(expr, Unsupported):
        return Unknown(f"{expr.text} is not evaluated statically")
    return Unknown(f"unsupported expression {type(expr).__name__}")


def _unknown_conditional(condition: Unknown, expr: Conditional, scope: Scope, depth: int) -> Any:
    # Both branches agree: the condition does not matter. Else the result is one of both.
    if_true = evaluate(expr.if_true, scope, depth)
    if_false = evaluate(expr.if_false, scope, depth)
    if not isinstance(if_true, Unknown) and if_true == if_false:
        return if_true
    candidates: list[Any] = []
    for branch in (if_true, if_false):
        if isinstance(branch, Unknown):
            if branch.candidates is None:
                return Unknown(condition.reason, condition.refs | branch.refs)
            candidates.extend(branch.candidates)
        elif isinstance(branch, (str, int, float, bool)):
            candidates.append(branch)
        else:
            return Unknown(condition.reason, condition.refs)
    return Unknown(condition.reason, condition.refs, tuple(dict.fromkeys(candidates)))


def _to_key(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def to_string(value: Any) -> str | Unknown:
    """A value as Terraform converts it inside a string template."""
    if isinstance(value, Unknown):
        return value
    if value is None:
        return Unknown("null value in a string template")
    try:
        return string_value(value)
    except FunctionError:
        return Unknown(f"cannot convert {type(value).__name__} to a string")


def _template(expr: Template, scope: Scope, depth: int) -> Any:
    pieces: list[str] = []
    unknowns: list[Unknown] = []
    size = 0
    for part in expr.parts:
        if isinstance(part, str):
            pieces.append(part)
            continue
        text = to_string(evaluate(part, scope, depth))
        if isinstance(text, Unknown):
            unknowns.append(text)
        else:
            pieces.append(text)
            size += len(text)
            if size > MAX_STRING_CHARS:
                return Unknown(f"{LIMIT_EXCEEDED}: a string template of more than "
                               f"{MAX_STRING_CHARS} characters")
    merged = merge_unknowns(unknowns)
    return merged if merged is not None else "".join(pieces)


def _describe(expr: Expr) -> str:
    return reference_text(expr) or "value"


def _get_attr(obj: Any, name: str, expr: Expr, scope: Scope) -> Any:
    if isinstance(obj, Unknown):
        return obj
    if isinstance(obj, LazyObject):
        return obj.attr(name)
    if isinstance(obj, dict):
        if name in obj:
            return obj[name]
        return Unknown(f"{_describe(expr)} is not defined")
    if isinstance(obj, list):
        return Unknown(f"{_describe(expr)}: attribute of a list (missing index or splat)")
    return Unknown(f"{_describe(expr)} is not defined")


def _index(obj: Any, key: Any, expr: Expr) -> Any:
    unknown = merge_unknowns([obj, key])
    if unknown is not None:
        return unknown
    if isinstance(obj, LazyObject):
        return obj.attr(_to_key(key))
    if isinstance(obj, dict):
        skey = _to_key(key)
        if skey in obj:
            return obj[skey]
        return Unknown(f"{_describe(expr)}: no key {skey!r}")
    if isinstance(obj, list):
        if isinstance(key, str) and key.lstrip("-").isdigit():
            key = int(key)
        if isinstance(key, (int, float)) and not isinstance(key, bool) and int(key) == key:
            position = int(key)
            if 0 <= position < len(obj):
                return obj[position]
        return Unknown(f"{_describe(expr)}: index {key!r} out of range")
    return Unknown(f"{_describe(expr)}: cannot index {type(obj).__name__}")


def _splat(expr: Splat, scope: Scope, depth: int) -> Any:
    collection = evaluate(expr.obj, scope, depth)
    if isinstance(collection, Unknown):
        return collection
    if collection is None:
        return []
    if isinstance(collection, dict) and not isinstance(collection, LazyObject):
        items: list[Any] = [collection]
    elif isinstance(collection, list):
        items = collection
    else:
        items = [collection]
    results = []
    for item in items:
        value = item
        for kind, step in expr.steps:
            if kind == "attr":
                value = _get_attr(value, step, expr, scope)
            else:
                value = _index(value, evaluate(step, scope, depth), expr)
        results.append(value)
    return results


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def _binary(expr: BinaryOp, scope: Scope, depth: int) -> Any:
    left = evaluate(expr.left, scope, depth)
    op = expr.op
    # && and || short-circuit on a known left side, as Terraform's result does not depend on
    # the other side then.
    if op == "&&" and left is False:
        return False
    if op == "||" and left is True:
        return True
    right = evaluate(expr.right, scope, depth)
    unknown = merge_unknowns([left, right])
    if unknown is not None:
        return unknown
    if op == "==":
        return _equal(left, right)
    if op == "!=":
        return not _equal(left, right)
    if op in ("&&", "||"):
        left, right = _as_bool(left), _as_bool(right)
        if isinstance(left, bool) and isinstance(right, bool):
            return (left and right) if op == "&&" else (left or right)
        return Unknown(f"{op} needs bools")
    a, b = _number(left), _number(right)
    if a is None or b is None:
        return Unknown(f"{op} needs numbers, got {left!r} and {right!r}")
    if op in _COMPARISONS:
        return _COMPARISONS[op](a, b)
    if op == "+":
        return _tidy(a + b)
    if op == "-":
        return _tidy(a - b)
    if op == "*":
        return _tidy(a * b)
    if op in ("/", "%"):
        if b == 0:
            return Unknown("division by zero")
        return _tidy(a / b) if op == "/" else _tidy(a - b * int(a / b))
    return Unknown(f"unsupported operator {op}")


def _tidy(number: float) -> int | float:
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return _tidy(float(value))
        except ValueError:
            return None
    return None


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    return bool(left == right)


def _call(expr: Call, scope: Scope, depth: int) -> Any:
    name = expr.name.removeprefix("provider::terraform::")
    if name in ("try", "can"):
        return _try_can(name, expr, scope, depth)
    function = FUNCTIONS.get(name)
    args = [evaluate(arg, scope, depth) for arg in expr.args]
    if expr.expand_last and args:
        last = args.pop()
        if isinstance(last, Unknown):
            return last
        if not isinstance(last, list):
            return Unknown(f"{name}(...): expansion of a non-list")
        args.extend(last)
    if function is None:
        return Unknown(f"function {name}() is not evaluated statically")
    if not function.accepts_unknown:
        unknowns = [contains_unknown(arg) for arg in args]
        if any(unknown is not None for unknown in unknowns):
            return merge_unknowns(unknowns)
    try:
        return check_string_size(function.call(args))
    except FunctionError as exc:
        return Unknown(f"{name}(): {exc}")
    except (TypeError, ValueError, KeyError, IndexError, OverflowError, RecursionError) as exc:
        return Unknown(f"{name}(): {type(exc).__name__}: {exc}")


def _try_can(name: str, expr: Call, scope: Scope, depth: int) -> Any:
    for arg in expr.args:
        value = evaluate(arg, scope, depth)
        unknown = contains_unknown(value)
        if unknown is None:
            return True if name == "can" else value
        # An error we can explain ("not defined", "no key") makes try() go on to the next
        # argument; a value only known after apply keeps the whole call unknown.
        if not _is_error(unknown):
            return unknown
    if name == "can":
        return False
    return Unknown("try(): no argument could be evaluated")


def _as_bool(value: Any) -> Any:
    """Where Terraform wants a bool it converts the strings "true" and "false" (a variable of
    type string with `default = true` is "true"); anything else is left for the caller."""
    if value == "true" or value == "false":
        return value == "true"
    return value


def _is_error(unknown: Unknown) -> bool:
    return any(
        marker in unknown.reason
        for marker in (
            "is not defined", "no key", "out of range", "cannot index", "(): ",
            "attribute of a list", "needs numbers", "needs bools", "cannot apply",
            "is not a bool", "in a string template", "cannot convert", "duplicate key",
            "expansion of a non-list", "not a collection",
        )
    )


def _for(expr: ForExpr, scope: Scope, depth: int) -> Any:
    collection = evaluate(expr.collection, scope, depth)
    if isinstance(collection, Unknown):
        return collection
    if isinstance(collection, LazyObject):
        collection = collection.to_dict()
    pairs: list[tuple[Any, Any]]
    if isinstance(collection, dict):
        pairs = sorted(collection.items())
    elif isinstance(collection, list):
        pairs = list(enumerate(collection))
    else:
        return Unknown("for expression over a value that is not a collection")
    if len(pairs) > _for_budget.left:
        _for_budget.left = 0
        return Unknown(f"{LIMIT_EXCEEDED}: for expressions over more than {MAX_FOR_ELEMENTS:,} "
                       "elements in one expression")
    _for_budget.left -= len(pairs)
    check_deadline(len(pairs))
    tuple_result: list[Any] = []
    object_result: dict[str, Any] = {}
    for key, value in pairs:
        bindings = {expr.value_var: value}
        if expr.key_var is not None:
            bindings[expr.key_var] = key
        inner = scope.child(bindings)
        if expr.condition is not None:
            keep = evaluate(expr.condition, inner, depth)
            if isinstance(keep, Unknown):
                return keep
            if keep is not True:
                continue
        item = evaluate(expr.value_expr, inner, depth)
        if expr.key_expr is None:
            tuple_result.append(item)
            continue
        out_key = evaluate(expr.key_expr, inner, depth)
        if isinstance(out_key, Unknown):
            return out_key
        skey = _to_key(out_key)
        if expr.grouping:
            object_result.setdefault(skey, []).append(item)
        elif skey in object_result:
            return Unknown(f"for expression: duplicate key {skey!r}")
        else:
            object_result[skey] = item
    return object_result if expr.key_expr is not None else tuple_result
