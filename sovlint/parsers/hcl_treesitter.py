"""Fast HCL native syntax parser: tree-sitter-hcl's concrete tree -> our syntax records.

python-hcl2 (sovlint.parsers.hcl) is the reference. This module reproduces its records exactly
(same values, same line and end line numbers, including its quirks) for the syntax it can
convert with certainty, and declines everything else: a file with a tree-sitter ERROR or MISSING
node, a construct python-hcl2 would reject or read differently (a line break where its grammar
allows none, a hex number, a non-ASCII identifier...), or any node this module does not know.
A declined file is parsed by python-hcl2, which also words every syntax error.

`python -m sovlint.parsers.hcl_treesitter --compare DIR` runs both parsers over the `.tf`,
`.tfvars` and `.hcl` files under DIR and reports identical, declined and differing files.
"""

from __future__ import annotations

import gc
import re
from itertools import pairwise
from typing import Any

from sovlint.parsers import hcl as reference
from sovlint.terraform.syntax import (
    Attribute,
    BinaryOp,
    Block,
    Body,
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
    TupleExpr,
    UnaryOp,
    Unsupported,
)


class Decline(Exception):
    """The tree holds something not converted with certainty: use the reference parser."""


_PARSER: Any = None
_COMMENTS: Any = None  # a query for every comment node
_UNAVAILABLE = False


def _parser() -> Any:
    global _PARSER, _COMMENTS, _UNAVAILABLE
    if _PARSER is None and not _UNAVAILABLE:
        try:
            import tree_sitter
            import tree_sitter_hcl

            language = tree_sitter.Language(tree_sitter_hcl.language())
            _COMMENTS = tree_sitter.QueryCursor(tree_sitter.Query(language, "(comment) @c"))
            _PARSER = tree_sitter.Parser(language)
        except Exception:  # not installed, or a binding/grammar ABI mismatch
            _UNAVAILABLE = True
    return _PARSER


def available() -> bool:
    """Whether tree-sitter and its HCL grammar load in this interpreter."""
    return _parser() is not None


# Whitespace tree-sitter skips but python-hcl2's lexer rejects (it ignores only space, tab, CR).
_FOREIGN_SPACE = re.compile("[\f\v\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f"
                            "\u205f\u3000\ufeff]")
# python-hcl2's NL_OR_COMMENT terminal and its ignored characters, over the bytes of a gap.
_GAP_TOKEN = re.compile(rb"[ \t\r]+|(\n[ \t]*|#[^\n]*\n|//[^\n]*\n|/\*[\s\S]*?\*/)")
# python-hcl2's terminals inside a quoted string (STRING_CHARS and the two escaped openers).
_STRING_TOKEN = re.compile(
    rb"(?P<esc>\$\$\{[^}]*\}|%%\{[^}]*\})"
    rb"|(?:(?!\$\$\{)(?!\$\{)(?!%%\{)(?!%\{)[^\"\\]|\\.|\$(?!\$?\{)|%(?!%?\{))+"
)
# python-hcl2's heredoc terminals (the token runs to the newline after the closing marker).
_HEREDOC_TOKEN = {
    b"<<": re.compile(rb"<<(?P<h>[a-zA-Z][a-zA-Z0-9._-]*)\r?\n(?:(?:.|\n)*?\r?\n)??\s*(?P=h)\r?\n"),
    b"<<-": re.compile(
        rb"<<-(?P<h>[a-zA-Z][a-zA-Z0-9._-]*)\r?\n(?:(?:.|\n)*?\r?\n)??\s*(?P=h)\r?\n"),
}
_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_-]*")
_NUMBER = re.compile(rb"[0-9]+(?:\.[0-9]+(?:[eE][-+]?[0-9]+)?)?")
_LEGACY_INDEX = re.compile(rb"\.([0-9]+)")
# Words python-hcl2 lexes as keywords where an object key may start.
_KEYWORDS = frozenset({"in", "for", "if", "for_each", "else", "endif", "endfor"})
_BINARY_OPS = frozenset({"*", "/", "%", "+", "-", ">", ">=", "<", "<=", "==", "!=", "&&", "||"})
_POSTFIX = frozenset({"get_attr", "index", "splat"})


def _line(node: Any) -> int:
    return int(node.start_point[0]) + 1


class _Converter:
    def __init__(self, src: bytes, eof_line: int, commented: set[int]) -> None:
        self.src = src
        self.eof_line = eof_line
        self.commented = commented  # ids of the nodes with a comment among their children
        # tree-sitter end byte of a heredoc -> end byte of python-hcl2's heredoc token, which
        # also takes the line break after the closing marker.
        self.heredoc_ends: dict[int, int] = {}

    def _kids(self, node: Any) -> list[Any]:
        """Children, without comments (tree-sitter keeps them between any two tokens)."""
        if self.commented and node.id in self.commented:
            return [child for child in node.children if child.type != "comment"]
        return node.children  # type: ignore[no-any-return]

    # -- gaps between tokens ------------------------------------------------------------

    def _gap(self, start: int, end: int) -> list[bytes]:
        """python-hcl2's newline-or-comment tokens between two byte offsets."""
        start = self.heredoc_ends.get(start, start)
        if start >= end:
            return []
        gap = self.src[start:end]
        if not gap.strip(b" \t\r"):
            return []
        tokens: list[bytes] = []
        pos = 0
        while pos < len(gap):
            match = _GAP_TOKEN.match(gap, pos)
            if match is None:
                raise Decline("unexpected text between tokens")
            if match.group(1) is not None:
                tokens.append(match.group(1))
            pos = match.end()
        return tokens

    def _no_break(self, before: Any, after: Any) -> None:
        """python-hcl2's grammar allows no line break or comment between these two."""
        if before.end_byte != after.start_byte and self._gap(before.end_byte, after.start_byte):
            raise Decline("line break where python-hcl2 allows none")

    def _name(self, node: Any) -> str:
        if node.type != "identifier":
            raise Decline(node.type)
        text = node.text.decode()
        if not text.isascii() or "::" in text:
            raise Decline("identifier python-hcl2 does not lex")
        return str(text)

    # -- body ---------------------------------------------------------------------------

    def body(self, node: Any, next_line: int, next_start: int | None) -> Body:
        attributes: dict[str, Attribute] = {}
        blocks: list[Block] = []
        items = self._kids(node)
        for position, item in enumerate(items):
            if position + 1 < len(items):
                following: tuple[int, int | None] = (_line(items[position + 1]),
                                                     items[position + 1].start_byte)
            else:
                following = (next_line, next_start)
            if item.type == "attribute":
                attribute = self._attribute(item, *following)
                attributes[attribute.name] = attribute
            elif item.type == "block":
                blocks.append(self._block(item))
            else:
                raise Decline(item.type)
        return Body(attributes, tuple(blocks))

    def _attribute(self, node: Any, next_line: int, next_start: int | None) -> Attribute:
        name_node, equals, value = self._kids(node)
        if equals.type != "=" or value.type != "expression":
            raise Decline("attribute")
        name = self._name(name_node)
        self._no_break(name_node, equals)
        self._no_break(equals, value)
        expr = self.expression(value)
        end = value.end_byte
        if self._binary_tail(value) and (
                next_start is None or self._gap(end, next_start)):
            # python-hcl2's binary operation takes the line breaks and comments after it.
            end_line = next_line
        elif end in self.heredoc_ends:
            end_line = int(value.end_point[0]) + 2
        else:
            end_line = int(value.end_point[0]) + 1
        return Attribute(name, expr, _line(node), end_line)

    def _binary_tail(self, node: Any) -> bool:
        while True:
            kids = self._kids(node)
            if len(kids) != 1:
                return False
            if kids[0].type == "conditional":
                node = self._kids(kids[0])[-1]
                continue
            return bool(kids[0].type == "operation"
                        and kids[0].children[0].type == "binary_operation")

    def _block(self, node: Any) -> Block:
        kids = self._kids(node)
        if len(kids) < 3 or kids[-1].type != "block_end":
            raise Decline("block")
        header: list[str] = []
        position = 0
        while kids[position].type in ("identifier", "string_lit"):
            if position:
                self._no_break(kids[position - 1], kids[position])
            if kids[position].type == "identifier":
                header.append(self._name(kids[position]))
            else:
                header.append(self._label(kids[position]))
            position += 1
        if not header or kids[position].type != "block_start":
            raise Decline("block header")
        end = kids[-1]
        rest = kids[position + 1:-1]
        if not rest:
            body = Body({}, ())
        elif len(rest) == 1 and rest[0].type == "body":
            body = self.body(rest[0], _line(end), end.start_byte)
        else:
            raise Decline("block body")
        return Block(header[0], tuple(header[1:]), body, _line(node), _line(end))

    def _label(self, node: Any) -> str:
        parts = self._template_parts(node)
        if not all(isinstance(part, str) for part in parts):
            raise Decline("label with an interpolation")
        return "".join(part for part in parts if isinstance(part, str))

    # -- expressions --------------------------------------------------------------------

    def expression(self, node: Any) -> Expr:
        if node.type != "expression":
            raise Decline(node.type)
        kids = self._kids(node)
        if len(kids) == 1 and kids[0].type == "conditional":
            return self._conditional(kids[0])
        return self._term(kids)

    def _term(self, pieces: list[Any]) -> Expr:
        """An inlined expression term: a primary (or a parenthesised expression) + postfixes."""
        if not pieces:
            raise Decline("empty term")
        first = pieces[0]
        if first.type == "(":
            if len(pieces) < 3 or pieces[2].type != ")":
                raise Decline("parentheses")
            expr = self.expression(pieces[1])
            position = 3
        else:
            expr = self._primary(first)
            position = 1
        line = _line(first)
        previous = pieces[position - 1]
        for piece in pieces[position:]:
            self._no_break(previous, piece)
            kind = piece.type
            if kind == "get_attr":
                expr = GetAttr(line, expr, self._get_attr(piece))
            elif kind == "index":
                expr = self._index(expr, piece)
            elif kind == "splat":
                expr = self._splat(expr, piece, line)
            else:
                raise Decline(kind)
            previous = piece
        return expr

    def _get_attr(self, node: Any) -> str:
        dot, name = self._kids(node)
        self._no_break(dot, name)
        return self._name(name)

    def _index(self, obj: Expr, node: Any) -> Expr:
        inner = node.children[0]  # wrappers of one node hold no comment
        if inner.type == "legacy_index":
            return Index(obj.line, obj, Literal(obj.line, self._legacy_index(inner)))
        return Index(obj.line, obj, self._new_index(inner))

    def _legacy_index(self, node: Any) -> int:
        match = _LEGACY_INDEX.fullmatch(node.text)
        if match is None:
            raise Decline("legacy index")
        return int(match.group(1))

    def _new_index(self, node: Any) -> Expr:
        kids = self._kids(node)
        if node.type != "new_index" or len(kids) != 3:
            raise Decline(node.type)
        return self.expression(kids[1])

    def _splat(self, obj: Expr, node: Any, line: int) -> Expr:
        inner = node.children[0]
        kids = self._kids(inner)
        steps: list[tuple[str, Any]] = []
        for previous, step in pairwise(kids):
            self._no_break(previous, step)
            if step.type == "get_attr":
                steps.append(("attr", self._get_attr(step)))
            elif step.type == "index":
                index = step.children[0]
                if index.type == "legacy_index":
                    steps.append(("index", Literal(line, self._legacy_index(index))))
                else:
                    steps.append(("index", self._new_index(index)))
            else:
                raise Decline(step.type)
        return Splat(line, obj, tuple(steps))

    def _primary(self, node: Any) -> Expr:
        kind = node.type
        if kind == "variable_expr":
            return Name(_line(node), self._name(node.children[0]))
        if kind == "literal_value":
            return self._literal(node.children[0])
        if kind in ("template_expr", "collection_value", "for_expr", "operation"):
            return self._compound(node.children[0])
        if kind == "function_call":
            return self._call(node)
        raise Decline(kind)

    def _literal(self, node: Any) -> Expr:
        kind = node.type
        line = _line(node)
        if kind == "numeric_lit":
            text = node.text
            if _NUMBER.fullmatch(text) is None:
                raise Decline("number python-hcl2 does not lex")
            return Literal(line, float(text) if b"." in text else int(text))
        if kind == "bool_lit":
            return Literal(line, node.text == b"true")
        if kind == "null_lit":
            return Literal(line, None)
        if kind == "string_lit":
            return reference._make_template(line, self._template_parts(node))
        raise Decline(kind)

    def _compound(self, node: Any) -> Expr:
        kind = node.type
        if kind == "quoted_template":
            return reference._make_template(_line(node), self._template_parts(node))
        if kind == "heredoc_template":
            return self._heredoc(node)
        if kind == "tuple":
            return self._tuple(node)
        if kind == "object":
            return self._object(node)
        if kind == "for_tuple_expr":
            return self._for_tuple(node)
        if kind == "for_object_expr":
            return self._for_object(node)
        if kind == "binary_operation":
            return self._binary(node)
        if kind == "unary_operation":
            return self._unary(node)
        raise Decline(kind)

    def _binary(self, node: Any) -> Expr:
        kids = self._kids(node)
        split = next((i for i, kid in enumerate(kids) if kid.type in _BINARY_OPS), None)
        if split is None or split == 0 or split == len(kids) - 1:
            raise Decline("binary operation")
        operator = kids[split]
        left = self._term(kids[:split])
        op = str(operator.type)
        breaks = self._gap(kids[split - 1].end_byte, operator.start_byte)
        if breaks and (len(breaks) > 1 or op == "-"):
            # python-hcl2 reads only one line break before an operator (and none before `-`).
            raise Decline("line break before an operator")
        right = self._term(kids[split + 1:])
        return BinaryOp(_line(node), op, left, right)

    def _unary(self, node: Any) -> Expr:
        kids = self._kids(node)
        operator = kids[0]
        if operator.type not in ("-", "!") or len(kids) < 2:
            raise Decline("unary operation")
        self._no_break(operator, kids[1])
        if len(kids) == 2 and kids[1].type == "operation":
            raise Decline("unary operator applied to an operation")
        return UnaryOp(_line(operator), str(operator.type), self._term(kids[1:]))

    def _conditional(self, node: Any) -> Expr:
        pairs, otherwise = self._conditional_chain(node)
        result = self.expression(otherwise)
        for condition, if_true in reversed(pairs):
            result = Conditional(_line(condition), self.expression(condition),
                                 self.expression(if_true), result)
        return result

    def _conditional_chain(self, node: Any) -> tuple[list[tuple[Any, Any]], Any]:
        """tree-sitter reads `a ? b : c ? d : e` as `(a ? b : c) ? d : e`; python-hcl2 as
        `a ? b : (c ? d : e)`. Returns the (condition, if-true) pairs and the final else."""
        kids = self._kids(node)
        if len(kids) != 5 or kids[1].type != "?" or kids[3].type != ":":
            raise Decline("conditional")
        condition, question, if_true, _, if_false = kids
        if len(self._gap(condition.end_byte, question.start_byte)) > 1:
            raise Decline("line breaks before ?")
        inner = self._kids(condition)
        if len(inner) == 1 and inner[0].type == "conditional":
            pairs, last = self._conditional_chain(inner[0])
            return [*pairs, (last, if_true)], if_false
        return [(condition, if_true)], if_false

    def _tuple(self, node: Any) -> Expr:
        kids = self._kids(node)
        items = tuple(self.expression(kid) for kid in kids[1:-1] if kid.type != ",")
        return TupleExpr(_line(node), items)

    def _object(self, node: Any) -> Expr:
        line = _line(node)
        items: list[tuple[Expr, Expr]] = []
        for elem in self._kids(node)[1:-1]:
            if elem.type == ",":
                continue
            if elem.type != "object_elem":
                raise Decline(elem.type)
            key_node, separator, value_node = self._kids(elem)
            self._no_break(key_node, separator)
            self._no_break(separator, value_node)
            items.append((self._object_key(key_node, line), self.expression(value_node)))
        return ObjectExpr(line, tuple(items))

    def _object_key(self, node: Any, object_line: int) -> Expr:
        first = node
        while first.child_count:
            first = first.children[0]
        bare = self._bare_name(node)
        if first.type == "identifier" and first.text.decode() in _KEYWORDS:
            # python-hcl2 lexes a keyword here and keeps it as a key on the object's line.
            if bare is None:
                raise Decline("keyword at the start of an object key")
            return Literal(object_line, bare)
        key = self.expression(node)
        if isinstance(key, Name):  # bare identifiers are literal keys in HCL
            return Literal(key.line, key.name)
        return key

    def _bare_name(self, node: Any) -> str | None:
        kids = self._kids(node)
        if len(kids) == 1 and kids[0].type == "variable_expr":
            return self._name(kids[0].children[0])
        return None

    def _call(self, node: Any) -> Expr:
        kids = self._kids(node)
        if len(kids) < 3 or kids[1].type != "(" or kids[-1].type != ")":
            raise Decline("function call")
        parts = kids[0].text.decode().split("::")
        if len(parts) not in (1, 3) or not all(_NAME.fullmatch(part) for part in parts):
            raise Decline("function name")
        self._no_break(kids[0], kids[1])
        args: list[Expr] = []
        expand = False
        if len(kids) == 4:
            arguments = self._kids(kids[2])
            for position, arg in enumerate(arguments):
                if arg.type == "expression":
                    args.append(self.expression(arg))
                    continue
                if arg.type == "ellipsis":
                    expand = True
                elif arg.type != ",":
                    raise Decline(arg.type)
                if position == len(arguments) - 1:  # a trailing `,` or `...`
                    self._no_break(arguments[position - 1], arg)
        elif len(kids) != 3:
            raise Decline("function call")
        return Call(_line(node), "::".join(parts), tuple(args), expand)

    def _for_intro(self, node: Any) -> tuple[str | None, str, Expr]:
        kids = self._kids(node)
        names: list[str] = []
        position = 1
        while kids[position].type in ("identifier", ","):
            if kids[position].type == ",":
                self._no_break(kids[position - 1], kids[position])
                self._no_break(kids[position], kids[position + 1])
            else:
                names.append(self._name(kids[position]))
            position += 1
        if kids[0].type != "for" or kids[position].type != "in" or len(names) not in (1, 2):
            raise Decline("for")
        collection = self.expression(kids[position + 1])
        if kids[position + 2].type != ":":
            raise Decline("for")
        key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        return key_var, value_var, collection

    def _for_cond(self, node: Any) -> Expr:
        keyword, condition = self._kids(node)
        if keyword.type != "if":
            raise Decline("for condition")
        return self.expression(condition)

    def _for_tuple(self, node: Any) -> Expr:
        kids = self._kids(node)
        key_var, value_var, collection = self._for_intro(kids[1])
        value = self.expression(kids[2])
        condition = self._for_cond(kids[3]) if kids[3].type == "for_cond" else None
        return ForExpr(_line(node), key_var, value_var, collection, None, value, condition)

    def _for_object(self, node: Any) -> Expr:
        kids = self._kids(node)
        key_var, value_var, collection = self._for_intro(kids[1])
        if kids[3].type != "=>":
            raise Decline("for object")
        self._no_break(kids[2], kids[3])
        key = self.expression(kids[2])
        value = self.expression(kids[4])
        grouping = any(kid.type == "ellipsis" for kid in kids)
        condition = self._for_cond(kids[-2]) if kids[-2].type == "for_cond" else None
        return ForExpr(_line(node), key_var, value_var, collection, key, value, condition,
                       grouping)

    # -- templates ----------------------------------------------------------------------

    def _template_parts(self, node: Any) -> tuple[str | Expr, ...]:
        kids = node.children
        if kids[0].type != "quoted_template_start" or kids[-1].type != "quoted_template_end":
            raise Decline("string")
        parts: list[str | Expr] = []
        position = kids[0].end_byte
        for kid in kids[1:-1]:
            kind = kid.type
            if kind == "template_literal":
                continue
            position = self._template_item(kid, position, parts)
        self._literal_text(position, kids[-1].start_byte, parts)
        return tuple(parts)

    def _template_item(self, node: Any, position: int, parts: list[str | Expr]) -> int:
        """Appends the literal text before `node` and `node` itself; returns where it ends."""
        kind = node.type
        if kind == "template_literal":
            return position
        if kind in ("template_directive", "template_if", "template_for"):
            for kid in node.children:
                position = self._template_item(kid, position, parts)
            return position
        self._literal_text(position, node.start_byte, parts)
        kids = node.children
        if any(kid.type == "comment" for kid in kids):
            raise Decline("comment inside a template")
        for before, after in pairwise(kids):
            self._no_break(before, after)
        if kind == "template_interpolation":
            if len(kids) != 3 or kids[1].type != "expression":
                raise Decline("interpolation")  # strip markers or no expression
            parts.append(self.expression(kids[1]))
        elif kind in ("template_if_intro", "template_for_start"):
            if kind == "template_for_start":
                for kid in kids:
                    if kid.type == "identifier":
                        self._name(kid)
            for kid in kids:
                if kid.type == "expression":
                    self.expression(kid)  # python-hcl2 parses it; the result is not kept
            parts.append(Unsupported(_line(node), "template directive"))
        elif kind in ("template_else_intro", "template_if_end", "template_for_end"):
            parts.append(Unsupported(_line(node), "template directive"))
        else:
            raise Decline(kind)
        return int(node.end_byte)

    def _literal_text(self, start: int, end: int, parts: list[str | Expr]) -> None:
        src = self.src
        while start < end:
            match = _STRING_TOKEN.match(src, start)
            if match is None or match.end() > end:
                raise Decline("string text python-hcl2 lexes differently")
            text = src[start:match.end()].decode()
            parts.append(text[1:] if match.group("esc") else reference._unescape(text))
            start = match.end()

    def _heredoc(self, node: Any) -> Expr:
        opener = node.children[0].text
        pattern = _HEREDOC_TOKEN.get(opener)
        match = pattern.match(self.src, node.start_byte) if pattern is not None else None
        if match is None or match.end() - node.end_byte not in (1, 2):
            raise Decline("heredoc")
        self.heredoc_ends[node.end_byte] = match.end()
        text = match.group(0).decode()
        return reference.heredoc_value(text, _line(node), _template_expression)


def _convert_file(text: str) -> tuple[_Converter, Any] | None:
    if _FOREIGN_SPACE.search(text):
        return None
    parser = _parser()
    if parser is None:
        return None
    if not text.endswith("\n"):
        text += "\n"
    try:
        src = text.encode("utf-8")
    except UnicodeEncodeError:
        return None
    root = parser.parse(src).root_node
    if root.has_error:
        return None
    commented = {comment.parent.id for comment in _COMMENTS.captures(root).get("c", ())}
    # python-hcl2 parses the text plus one more line break: its last line.
    return _Converter(src, text.count("\n") + 2, commented), root


def parse_body(text: str) -> Body | None:
    """The body of an HCL file, or None when the reference parser must read it."""
    converted = _convert_file(text)
    if converted is None:
        return None
    converter, root = converted
    kids = converter._kids(root)
    collecting = gc.isenabled()
    gc.disable()  # the walk allocates many small objects; cyclic collection only slows it
    try:
        if not kids:
            return Body({}, ())
        if len(kids) != 1 or kids[0].type != "body":
            return None
        return converter.body(kids[0], converter.eof_line, None)
    except (Decline, RecursionError):
        return None
    finally:
        if collecting:
            gc.enable()


def _template_expression(text: str, line: int) -> Expr:
    """A heredoc's template, parsed like the reference does (as a quoted string)."""
    body = parse_body(f"x = {text}\n")
    if body is None or list(body.attributes) != ["x"] or body.blocks:
        return reference.parse_expression(text, line)
    return reference._relocate(body.attributes["x"].expr, line)


# -- differential comparison ------------------------------------------------------------------

_SUFFIXES = (".tf", ".tfvars", ".hcl")


def compare_text(text: str) -> str:
    """'identical', 'declined' or 'different': this parser against the reference."""
    fast = parse_body(text)
    if fast is None:
        return "declined"
    expected, _ = reference.parse_body_reference(text, "compare")
    return "identical" if fast == expected else "different"


def _compare(directory: str) -> int:
    import time
    from pathlib import Path

    files = sorted(path for path in Path(directory).rglob("*")
                   if path.is_file() and path.name.endswith(_SUFFIXES))
    counts = {"identical": 0, "declined": 0, "different": 0}
    fast_time = reference_time = 0.0
    size = 0
    for path in files:
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        size += len(text.encode())
        start = time.perf_counter()
        fast = parse_body(text)
        middle = time.perf_counter()
        expected, error = reference.parse_body_reference(text, str(path))
        end = time.perf_counter()
        fast_time += middle - start
        reference_time += end - middle
        if fast is None:
            outcome = "declined"
            print(f"declined  {path}" + (f"  ({error.message})" if error else ""))
        elif fast == expected:
            outcome = "identical"
        else:
            outcome = "different"
            print(f"DIFFERENT {path}")
        counts[outcome] += 1
    total = sum(counts.values())
    print(f"{total} files, {size / 1e6:.2f} MB: {counts['identical']} identical, "
          f"{counts['declined']} declined (parsed by python-hcl2), "
          f"{counts['different']} different")
    if fast_time and reference_time:
        print(f"tree-sitter {size / 1e6 / fast_time:.2f} MB/s, "
              f"python-hcl2 {size / 1e6 / reference_time:.2f} MB/s")
    return 1 if counts["different"] else 0


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m sovlint.parsers.hcl_treesitter")
    parser.add_argument("--compare", metavar="DIR", required=True,
                        help="parse every .tf/.tfvars/.hcl file under DIR with both parsers")
    args = parser.parse_args(argv)
    if not available():
        print("tree-sitter or tree-sitter-hcl is not installed")
        return 2
    return _compare(args.compare)


if __name__ == "__main__":
    raise SystemExit(main())
