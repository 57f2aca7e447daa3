"""Terraform HCL native syntax (`*.tf`, `*.tfvars`) -> blocks and expressions with lines.

python-hcl2 does the parsing; its Lark tree keeps positions, which we turn into our own
syntax records (sovlint.terraform.syntax) so that every block and attribute keeps its start and
end line and every expression can be evaluated later.

python-hcl2 is the reference. When tree-sitter-hcl is installed, files are first given to the
faster sovlint.parsers.hcl_treesitter, which produces the same records or declines the file
(syntax errors included) so that python-hcl2 reads it. SOVLINT_HCL_PARSER=hcl2 turns the fast
parser off.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from typing import Any

from sovlint.model import LIMIT_EXCEEDED, ParseError
from sovlint.terraform.syntax import (
    Attribute,
    BinaryOp,
    Block,
    Body,
    Call,
    Conditional,
    ConfigFile,
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
)

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)")


class HclSyntaxError(Exception):
    def __init__(self, line: int, column: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message


def _unescape(text: str) -> str:
    def repl(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, "\\" + code)

    return _ESCAPE_RE.sub(repl, text)


def _line(node: Any) -> int:
    meta = getattr(node, "meta", None)
    if meta is not None and not meta.empty:
        return int(meta.line)
    line = getattr(node, "line", None)
    return int(line) if line is not None else 0


def _end_line(node: Any) -> int:
    meta = getattr(node, "meta", None)
    if meta is not None and not meta.empty:
        return int(meta.end_line)
    return _line(node)


def _trees(node: Any) -> list[Any]:
    """Children that are subtrees, dropping comments and punctuation tokens."""
    return [
        child
        for child in node.children
        if hasattr(child, "data") and child.data != "new_line_or_comment"
    ]


def _token_text(node: Any) -> str:
    child = node.children[0]
    return str(child.value if hasattr(child, "value") else child)


def _name_of(node: Any) -> str:
    if node.data in ("identifier", "keyword", "literal_value"):
        return _token_text(node)
    if node.data == "string":
        text = _string_literal(node)
        if text is None:
            raise HclSyntaxError(_line(node), None, "a block label cannot hold an interpolation")
        return text
    raise HclSyntaxError(_line(node), None, f"unexpected {node.data} in a block header")


def _string_literal(node: Any) -> str | None:
    """The text of a string with no interpolation, else None."""
    parts = _template_parts(node)
    if all(isinstance(part, str) for part in parts):
        return "".join(part for part in parts if isinstance(part, str))
    return None


def _template_parts(node: Any) -> tuple[str | Expr, ...]:
    parts: list[str | Expr] = []
    for part in _trees(node):
        if part.data != "string_part":
            continue
        inner = part.children[0]
        if hasattr(inner, "data"):
            if inner.data == "interpolation":
                parts.append(_expr(_trees(inner)[0]))
            else:  # template directive (%{if}, %{for}): not modelled
                parts.append(Unsupported(_line(part), "template directive"))
            continue
        kind = getattr(inner, "type", "")
        text = str(inner)
        if kind == "ESCAPED_INTERPOLATION" or kind == "ESCAPED_DIRECTIVE":
            parts.append(text[1:])
        else:
            parts.append(_unescape(text))
    return tuple(parts)


def _make_template(line: int, parts: tuple[str | Expr, ...]) -> Expr:
    if not parts:
        return Literal(line, "")
    if len(parts) == 1 and isinstance(parts[0], str):
        return Literal(line, parts[0])
    if len(parts) == 1 and isinstance(parts[0], Expr):
        # "${expr}" alone is the expression's own value, not converted to a string.
        return parts[0]
    return Template(line, parts)


_HEREDOC_RE = re.compile(r"<<(-?)([A-Za-z][A-Za-z0-9._-]*)\r?\n(.*?)\r?\n?[ \t]*\2\r?\n?$", re.S)


def _heredoc(node: Any) -> Expr:
    return heredoc_value(str(node.children[0]), _line(node), parse_expression)


def heredoc_value(text: str, line: int, parse: Callable[[str, int], Expr]) -> Expr:
    """The value of a heredoc token (from `<<` to the line break after its closing marker).

    A body with interpolations or directives is read by `parse` as a quoted string.
    """
    match = _HEREDOC_RE.match(text)
    if match is None:
        return Unsupported(line, "heredoc")
    body = match.group(3)
    if body and not body.endswith("\n"):
        body += "\n"
    if match.group(1):  # <<- strips the common leading indentation
        lines = body.split("\n")
        indents = [len(row) - len(row.lstrip()) for row in lines if row.strip()]
        cut = min(indents) if indents else 0
        body = "\n".join(row[cut:] for row in lines)
    if "${" not in body and "%{" not in body:
        return Literal(line, body)
    try:
        return parse(json.dumps(body), line)
    except HclSyntaxError:
        return Unsupported(line, "heredoc template")


def _expr(node: Any) -> Expr:
    data = node.data
    line = _line(node)
    if data == "expr_term":
        subtrees = _trees(node)
        if len(subtrees) == 1:
            return _expr(subtrees[0])
        raise HclSyntaxError(line, None, "empty expression")
    if data == "int_lit":
        return Literal(line, int(_token_text(node)))
    if data == "float_lit":
        return Literal(line, float(_token_text(node)))
    if data == "literal_value":
        text = _token_text(node)
        return Literal(line, {"true": True, "false": False, "null": None}[text])
    if data == "string":
        return _make_template(line, _template_parts(node))
    if data in ("heredoc_template", "heredoc_template_trim"):
        return _heredoc(node)
    if data == "template_string":
        return Literal(line, _unescape(_token_text(node)[2:-2]))
    if data == "identifier":
        return Name(line, _token_text(node))
    if data == "tuple":
        return TupleExpr(line, tuple(_expr(child) for child in _trees(node)))
    if data == "object":
        items = []
        for elem in _trees(node):
            key_node, value_node = _trees(elem)
            key_inner = _trees(key_node)[0]
            key: Expr
            if key_inner.data == "keyword":
                key = Literal(line, _token_text(key_inner))
            else:
                key = _expr(key_inner)
                if isinstance(key, Name):  # bare identifiers are literal keys in HCL
                    key = Literal(key.line, key.name)
            items.append((key, _expr(value_node)))
        return ObjectExpr(line, tuple(items))
    if data == "function_call":
        subtrees = _trees(node)
        names = [_token_text(child) for child in subtrees if child.data == "identifier"]
        args_node = next((child for child in subtrees if child.data == "arguments"), None)
        args: tuple[Expr, ...] = ()
        expand = False
        if args_node is not None:
            args = tuple(_expr(child) for child in _trees(args_node))
            expand = any(getattr(tok, "type", "") == "ELLIPSIS" for tok in args_node.children)
        return Call(line, "::".join(names), args, expand)
    if data == "get_attr_expr_term":
        obj, attr = _trees(node)
        return GetAttr(line, _expr(obj), _name_of(_trees(attr)[0]))
    if data == "index_expr_term":
        obj, index = _trees(node)
        return _apply_index(_expr(obj), index)
    if data in ("attr_splat_expr_term", "full_splat_expr_term"):
        obj, splat = _trees(node)
        steps: list[tuple[str, Any]] = []
        for step in _trees(splat):
            if step.data == "get_attr":
                steps.append(("attr", _name_of(_trees(step)[0])))
            elif step.data == "short_index":
                steps.append(("index", Literal(line, int(_short_index(step)))))
            else:
                steps.append(("index", _expr(_trees(step)[0])))
        return Splat(line, _expr(obj), tuple(steps))
    if data == "conditional":
        condition, if_true, if_false = _trees(node)
        return Conditional(line, _expr(condition), _expr(if_true), _expr(if_false))
    if data == "binary_op":
        left, term = _trees(node)
        operator, right = _trees(term)
        # python-hcl2 glues a line break (and a comment) before the operator to its token:
        # `\n    ==`, `# note\n+`. Operators hold no whitespace: keep the last word.
        return BinaryOp(line, _token_text(operator).split()[-1], _expr(left), _expr(right))
    if data == "unary_op":
        op = str(node.children[0])
        return UnaryOp(line, op, _expr(_trees(node)[0]))
    if data in ("for_tuple_expr", "for_object_expr"):
        return _for_expr(node)
    if data == "interpolation":
        return _expr(_trees(node)[0])
    raise HclSyntaxError(line, None, f"unsupported expression {data}")


def _short_index(node: Any) -> str:
    return next(str(tok) for tok in node.children if getattr(tok, "type", "") == "INT_LITERAL")


def _apply_index(obj: Expr, index: Any) -> Expr:
    if index.data == "short_index":
        return Index(obj.line, obj, Literal(obj.line, int(_short_index(index))))
    return Index(obj.line, obj, _expr(_trees(index)[0]))


def _for_expr(node: Any) -> Expr:
    line = _line(node)
    subtrees = _trees(node)
    intro = subtrees[0]
    intro_trees = _trees(intro)
    names = [_token_text(child) for child in intro_trees if child.data == "identifier"]
    collection = _expr(intro_trees[-1])
    key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
    condition = None
    rest = subtrees[1:]
    if rest and rest[-1].data == "for_cond":
        condition = _expr(_trees(rest[-1])[0])
        rest = rest[:-1]
    if node.data == "for_object_expr":
        grouping = any(getattr(tok, "type", "") == "ELLIPSIS" for tok in node.children)
        return ForExpr(line, key_var, value_var, collection, _expr(rest[0]), _expr(rest[1]),
                       condition, grouping)
    return ForExpr(line, key_var, value_var, collection, None, _expr(rest[0]), condition)


def _body(node: Any) -> Body:
    attributes: dict[str, Attribute] = {}
    blocks: list[Block] = []
    for child in _trees(node):
        if child.data == "attribute":
            name_node, value_node = _trees(child)
            name = _name_of(name_node)
            attributes[name] = Attribute(name, _expr(value_node), _line(child), _end_line(child))
        elif child.data == "block":
            blocks.append(_block(child))
    return Body(attributes, tuple(blocks))


def _block(node: Any) -> Block:
    subtrees = _trees(node)
    header = [child for child in subtrees if child.data != "body"]
    body = next(child for child in subtrees if child.data == "body")
    names = [_name_of(child) for child in header]
    return Block(names[0], tuple(names[1:]), _body(body), _line(node), _end_line(node))


def _lark_error(exc: Exception) -> HclSyntaxError:
    line = int(getattr(exc, "line", 0) or 0)
    column = getattr(exc, "column", None)
    token = getattr(exc, "token", None)
    expected = getattr(exc, "expected", None) or getattr(exc, "allowed", None)
    if token is not None and getattr(token, "type", "") == "$END":
        message = "unexpected end of file (unclosed block, bracket or string?)"
    elif token is not None and not str(token).strip():
        message = "unexpected end of line (missing value?)"
    elif token is not None:
        message = f"unexpected {str(token).strip()[:40]!r}"
    elif hasattr(exc, "char"):
        message = f"unexpected character {exc.char!r}"
    else:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if expected and len(expected) <= 6:
        message += " (expected one of: " + ", ".join(sorted(str(e) for e in expected)) + ")"
    return HclSyntaxError(line, int(column) if column else None, message)


def _parse_tree(text: str) -> Any:
    import hcl2  # imported here: the Lark grammar costs start-up time

    if not text.endswith("\n"):
        text += "\n"
    try:
        return hcl2.parses_to_tree(text)
    except RecursionError as exc:
        raise HclSyntaxError(1, None, f"{LIMIT_EXCEEDED}: expression nested too deeply") from exc
    except Exception as exc:  # lark raises several unrelated exception classes
        raise _lark_error(exc) from exc


def parse_expression(text: str, line: int = 1) -> Expr:
    """Parse one expression (used for JSON-syntax strings and heredoc templates)."""
    tree = _parse_tree(f"x = {text}\n")
    body = _trees(tree)[0]
    attribute = _trees(body)[0]
    expr = _expr(_trees(attribute)[1])
    return _relocate(expr, line)


def _relocate(expr: Expr, line: int) -> Expr:
    # Expressions parsed out of context all sit on line 1; keep the caller's line instead.
    # Nested expressions keep line 1 offsets, which only matter for messages.
    return expr if expr.line == line else _with_line(expr, line)


def _with_line(expr: Expr, line: int) -> Expr:
    import dataclasses

    return dataclasses.replace(expr, line=line)


def parse_body_reference(text: str, path: str) -> tuple[Body | None, ParseError | None]:
    """The body of an HCL file as python-hcl2 reads it (the reference parser)."""
    try:
        tree = _parse_tree(text)
        return _body(_trees(tree)[0]), None
    except HclSyntaxError as exc:
        return None, ParseError(path, max(exc.line, 1), exc.message, exc.column)
    except RecursionError:
        return None, ParseError(path, 1, f"{LIMIT_EXCEEDED}: nested too deeply")


# Set to "hcl2" to parse with python-hcl2 only (the reference), e.g. to rule the fast parser out.
PARSER_VARIABLE = "SOVLINT_HCL_PARSER"


def _fast_body(text: str) -> Body | None:
    if os.environ.get(PARSER_VARIABLE, "").strip().lower() in ("hcl2", "python-hcl2"):
        return None
    from sovlint.parsers import hcl_treesitter  # loads tree-sitter lazily, if installed

    try:
        return hcl_treesitter.parse_body(text)
    except Exception:  # a converter bug must never cost a file: the reference reads it
        return None


def _parse_body(text: str, path: str) -> tuple[Body | None, ParseError | None]:
    body = _fast_body(text)
    if body is not None:
        return body, None
    body, error = parse_body_reference(text, path)
    if error is None:
        return body, None
    # Line breaks Terraform ignores (before `.attr` in parentheses, before a for-expression's
    # `=>`) are rejected by both parsers; joined, the file parses as Terraform reads it.
    from sovlint.parsers.hcl_newlines import join_ignored_newlines

    joined = join_ignored_newlines(text)
    if joined is None:
        return None, error
    body = _fast_body(joined)
    if body is not None:
        return body, None
    body, _ = parse_body_reference(joined, path)
    return (body, None) if body is not None else (None, error)


def parse_hcl(text: str, path: str) -> tuple[ConfigFile | None, ParseError | None]:
    """Parse a `.tf` file. Never raises for bad input: errors are returned."""
    body, error = _parse_body(text, path)
    if body is None:
        return None, error
    if body.attributes:
        first = next(iter(body.attributes.values()))
        return None, ParseError(
            path, first.line, f"unexpected attribute {first.name!r} outside of a block"
        )
    return ConfigFile(path, body.blocks), None


def parse_hcl_attributes(text: str, path: str) -> tuple[Body | None, ParseError | None]:
    """Parse a `.tfvars` file: top-level attributes only."""
    return _parse_body(text, path)
