"""Terraform configuration syntax: blocks, attributes and expressions, with line numbers.

Parsers (HCL native syntax and JSON syntax) produce these records; the evaluator reads them.
They are independent of python-hcl2 so that another parser can produce the same records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Expr:
    line: int


@dataclass(frozen=True)
class Literal(Expr):
    value: Any  # str, int, float, bool or None


@dataclass(frozen=True)
class Template(Expr):
    """A string with interpolations: parts are str or Expr."""

    parts: tuple[str | Expr, ...]


@dataclass(frozen=True)
class Unsupported(Expr):
    """Syntax the evaluator does not model (template directives...): always unknown."""

    text: str


@dataclass(frozen=True)
class Name(Expr):
    name: str


@dataclass(frozen=True)
class GetAttr(Expr):
    obj: Expr
    name: str


@dataclass(frozen=True)
class Index(Expr):
    obj: Expr
    key: Expr


@dataclass(frozen=True)
class Splat(Expr):
    """`obj[*].a.b` or `obj.*.a`: applies `steps` (GetAttr/Index over a placeholder) to each."""

    obj: Expr
    steps: tuple[tuple[str, Any], ...]  # ("attr", name) | ("index", Expr)


@dataclass(frozen=True)
class Call(Expr):
    name: str
    args: tuple[Expr, ...]
    expand_last: bool = False


@dataclass(frozen=True)
class Conditional(Expr):
    condition: Expr
    if_true: Expr
    if_false: Expr


@dataclass(frozen=True)
class BinaryOp(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class UnaryOp(Expr):
    op: str
    operand: Expr


@dataclass(frozen=True)
class TupleExpr(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class ObjectExpr(Expr):
    items: tuple[tuple[Expr, Expr], ...]


@dataclass(frozen=True)
class ForExpr(Expr):
    key_var: str | None
    value_var: str
    collection: Expr
    key_expr: Expr | None  # set for object comprehensions
    value_expr: Expr
    condition: Expr | None
    grouping: bool = False


@dataclass(frozen=True)
class Attribute:
    name: str
    expr: Expr
    line: int
    end_line: int


@dataclass(frozen=True)
class Block:
    type: str
    labels: tuple[str, ...]
    body: Body
    line: int
    end_line: int


@dataclass(frozen=True)
class Body:
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: tuple[Block, ...] = ()

    def blocks_of(self, block_type: str) -> list[Block]:
        return [block for block in self.blocks if block.type == block_type]


@dataclass(frozen=True)
class ConfigFile:
    """One parsed `.tf` or `.tf.json` file."""

    path: str  # as reported, relative to the scan root
    blocks: tuple[Block, ...]


def reference_text(expr: Expr) -> str | None:
    """`var.region`, `aws_s3_bucket.dr.arn`, `local.x[0]`: a traversal written as text."""
    if isinstance(expr, Name):
        return expr.name
    if isinstance(expr, GetAttr):
        base = reference_text(expr.obj)
        return f"{base}.{expr.name}" if base is not None else None
    if isinstance(expr, Index):
        base = reference_text(expr.obj)
        if base is None:
            return None
        if isinstance(expr.key, Literal):
            key = expr.key.value
            return f'{base}["{key}"]' if isinstance(key, str) else f"{base}[{key}]"
        return f"{base}[...]"
    return None


# Reference roots that do not name a managed resource.
NOT_RESOURCES = frozenset({"var", "local", "module", "each", "count", "path", "terraform",
                           "self", "data", "output", "action", "ephemeral"})


def _traversal_root(expr: Expr) -> tuple[str, list[str]] | None:
    """`aws_s3_bucket.dr.arn` -> ("aws_s3_bucket", ["dr", "arn"])."""
    names: list[str] = []
    while isinstance(expr, (GetAttr, Index)):
        if isinstance(expr, GetAttr):
            names.append(expr.name)
        expr = expr.obj
    if isinstance(expr, Name):
        return expr.name, list(reversed(names))
    return None


def _traversal_roots(expr: Expr) -> list[tuple[str, list[str]]]:
    """Every traversal an expression makes, by its root name, in order of appearance."""
    found: list[tuple[str, list[str]]] = []
    stack: list[Any] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, (GetAttr, Index)):
            root = _traversal_root(node)
            if root is not None:
                found.append(root)
            if isinstance(node, Index):
                stack.append(node.key)
            if root is None:
                stack.append(node.obj)
            continue
        if isinstance(node, Expr):
            for value in vars(node).values():
                if isinstance(value, Expr):
                    stack.append(value)
                elif isinstance(value, tuple):
                    stack.extend(item for item in value if isinstance(item, (Expr, tuple)))
        elif isinstance(node, tuple):
            stack.extend(item for item in node if isinstance(item, (Expr, tuple)))
    return found


def resource_references(expr: Expr) -> list[str]:
    """Addresses (`type.name`) of the managed resources an expression refers to, in order."""
    found: list[str] = []
    for name, path in _traversal_roots(expr):
        if name not in NOT_RESOURCES and path:
            address = f"{name}.{path[0]}"
            if address not in found:
                found.append(address)
    return found


def variable_references(expr: Expr) -> list[str]:
    """Names of the input variables (`var.NAME`) an expression refers to, in order."""
    found: list[str] = []
    for name, path in _traversal_roots(expr):
        if name == "var" and path and path[0] not in found:
            found.append(path[0])
    return found


def calls_in_body(body: Body, names: frozenset[str]) -> list[Call]:
    """Every call of one of the named functions in a body and its nested blocks, in order
    of appearance (line, then position in the expression tree)."""
    found: list[Call] = []
    bodies = [body]
    while bodies:
        current = bodies.pop()
        stack: list[Any] = [attribute.expr for attribute in current.attributes.values()]
        while stack:
            node = stack.pop()
            if isinstance(node, Call) and node.name in names:
                found.append(node)
            if isinstance(node, Expr):
                for value in vars(node).values():
                    if isinstance(value, (Expr, tuple)):
                        stack.append(value)
            elif isinstance(node, tuple):
                stack.extend(item for item in node if isinstance(item, (Expr, tuple)))
        bodies.extend(block.body for block in current.blocks)
    return sorted(found, key=lambda call: call.line)
