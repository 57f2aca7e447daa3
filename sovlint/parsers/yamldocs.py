"""YAML and JSON documents (Kubernetes manifests and everything else) with line numbers.

``parse_yaml_stream`` reads a multi-document YAML stream into ``YamlDocument`` records, each
with the 1-based first and last line of its content. Problems are values, never exceptions:
a document that cannot be read becomes a ``ParseError`` and reading resumes at the next
``---`` marker, so the documents around it are still returned.

How the text is read:

* Events come from libyaml (``yaml.CSafeLoader``) when PyYAML was built with it, else from
  the pure-Python parser. Nodes are composed here, without recursion, so that the limits
  below are checked while the document is read (libyaml's own composer recurses in C and
  crashes the interpreter on very deep input). Values are then built by PyYAML's safe
  constructor, so YAML 1.1 semantics are PyYAML's (``off`` is ``False``).
* Valid YAML that PyYAML rejects is accepted: a bare ``=`` (YAML 1.1's "value" key, which
  PyYAML resolves to a tag it cannot construct) is the string ``"="``; trailing tabs are
  ignored and the pure parser accepts tabs between tokens as libyaml does; an anchor may be
  defined again (the later definition wins); an unknown tag (``!Ref``, ``!reference``)
  gives the plain value it is attached to.
* Values stay JSON-shaped, as Kubernetes reads YAML: timestamps stay the strings written
  and ``!!binary`` stays its base64 text.
* Limits: a document whose aliases expand to more than ``MAX_ALIAS_EXPANSION`` nodes (the
  "billion laughs" bomb), that nests deeper than ``MAX_DEPTH`` levels, or whose aliases are
  recursive is refused with a ``ParseError``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from sovlint.model import ParseError

MAX_DEPTH = 500
MAX_ALIAS_EXPANSION = 100_000
# After this many unreadable documents in one file the rest of the file is not read.
MAX_ERRORS = 100

_VALUE_TAG = "tag:yaml.org,2002:value"
_LINE_BREAKS = "\r\n\x85\u2028\u2029"
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
# Blanks ending a line that contain a tab: libyaml and the pure parser reject some of them.
_TRAILING_TABS = re.compile("[ \t]*\t[ \t]*(?=[\r\n\x85\u2028\u2029]|\\Z)")
_WHITESPACE = " \t" + _LINE_BREAKS


@dataclass(frozen=True)
class YamlDocument:
    """One non-empty document of a stream (or one item of a ``kind: List``)."""

    data: Any
    line: int  # 1-based first line of the document's content
    end_line: int  # 1-based last line of its content
    index: int  # position of the document in the file, 0-based, empty documents counted
    # For a ``*List`` document: (line, end_line) of each entry of ``items``, in order.
    item_lines: tuple[tuple[int, int], ...] = field(default=(), repr=False, compare=False)


@dataclass(frozen=True)
class ParsedYaml:
    documents: tuple[YamlDocument, ...]
    errors: tuple[ParseError, ...]


# --- loaders -------------------------------------------------------------------------------


class _Resolver(Resolver):
    """PyYAML's YAML 1.1 resolver without the ``=`` "value" key: ``=`` is a plain string."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _VALUE_TAG]
        for first, resolvers in Resolver.yaml_implicit_resolvers.items()
    }


class _Constructor(SafeConstructor):
    """The safe constructor, with JSON-shaped values and unknown tags read as plain values."""

    def construct_text(self, node: Node) -> Any:
        if isinstance(node, ScalarNode):
            return self.construct_scalar(node)
        return self.construct_untagged(node)

    def construct_untagged(self, node: Node) -> Any:
        if isinstance(node, ScalarNode):
            return self.construct_scalar(node)
        if isinstance(node, SequenceNode):
            return self.construct_yaml_seq(node)
        if isinstance(node, MappingNode):
            return self.construct_yaml_map(node)
        return None  # pragma: no cover - there are no other node kinds


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_text)
_Constructor.add_constructor("tag:yaml.org,2002:binary", _Constructor.construct_text)
_Constructor.add_constructor(None, _Constructor.construct_untagged)


class _TabTolerantScanner(Scanner):
    """The pure scanner, accepting tabs between tokens on a line as libyaml does."""

    buffer: str
    pointer: int

    def scan_to_next_token(self) -> None:
        if self.index == 0 and self.peek() == "\ufeff":
            self.forward()
        while True:
            char = self.peek()
            while char == " " or (char == "\t" and (self.flow_level or self._after_content())):
                self.forward()
                char = self.peek()
            if char == "#":
                while self.peek() not in "\0" + _LINE_BREAKS:
                    self.forward()
            if self.scan_line_break():
                if not self.flow_level:
                    self.allow_simple_key = True
            else:
                return

    def scan_plain_spaces(self, indent: int, start_mark: Any) -> list[str]:
        # A tab inside a plain scalar ("a: foo<TAB>bar") is part of it, as in libyaml.
        length = 0
        while self.peek(length) in " \t":
            length += 1
        if length and self.peek(length) not in "\0#" + _LINE_BREAKS:
            whitespace = self.prefix(length)
            self.forward(length)
            return [whitespace]
        result: list[str] = super().scan_plain_spaces(indent, start_mark)
        return result

    def _after_content(self) -> bool:
        """Whether something other than blanks precedes the current position on its line."""
        position = self.pointer - 1
        while position >= 0 and self.buffer[position] in " \t":
            position -= 1
        return position >= 0 and self.buffer[position] not in _LINE_BREAKS


class _PureParser(Reader, _TabTolerantScanner, Parser):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        _TabTolerantScanner.__init__(self)
        Parser.__init__(self)


try:
    from yaml.cyaml import CParser as _CParser
except ImportError:  # PyYAML built without libyaml
    _CParser = None  # type: ignore[assignment,misc,unused-ignore]


def _make_parser(text: str, pure: bool) -> Any:
    if _CParser is not None and not pure:
        return _CParser(text)
    return _PureParser(text)


# --- composition ---------------------------------------------------------------------------


class _LimitError(Exception):
    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


class _Frame:
    __slots__ = ("anchor", "key", "node", "size")

    def __init__(self, node: Node, anchor: str | None) -> None:
        self.node = node
        self.anchor = anchor
        self.size = 1
        self.key: Node | None = None


def _compose(parser: Any, resolver: _Resolver) -> Node:
    """Compose the document whose start event was consumed; leave its end event unread."""
    anchors: dict[str, tuple[Node, int]] = {}
    open_anchors: set[str] = set()
    stack: list[_Frame] = []
    expansion = 0
    root: Node | None = None

    while True:
        event = parser.get_event()
        size = 1
        node: Node
        if isinstance(event, yaml.ScalarEvent):
            tag = event.tag
            if tag is None or tag == "!":
                tag = resolver.resolve(ScalarNode, event.value, event.implicit)
            node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
            if event.anchor is not None:
                anchors[event.anchor] = (node, 1)
        elif isinstance(event, yaml.AliasEvent):
            anchor = event.anchor
            if anchor in open_anchors:
                raise _LimitError(f"recursive alias *{anchor}: the anchor contains itself",
                                  event.start_mark)
            if anchor not in anchors:
                raise yaml.composer.ComposerError(
                    None, None, f"found undefined alias {anchor!r}", event.start_mark)
            node, size = anchors[anchor]
            expansion += size
            if expansion > MAX_ALIAS_EXPANSION:
                raise _LimitError(
                    f"aliases expand to more than {MAX_ALIAS_EXPANSION} nodes "
                    "(an alias bomb?); document refused", event.start_mark)
        elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if len(stack) >= MAX_DEPTH:
                raise _LimitError(f"nesting deeper than {MAX_DEPTH} levels; document refused",
                                  event.start_mark)
            tag = event.tag
            sequence = isinstance(event, yaml.SequenceStartEvent)
            kind = SequenceNode if sequence else MappingNode
            if tag is None or tag == "!":
                tag = resolver.resolve(kind, None, event.implicit)
            node = kind(tag, [], event.start_mark, None, event.flow_style)
            if event.anchor is not None:
                open_anchors.add(event.anchor)
            stack.append(_Frame(node, event.anchor))
            continue
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            frame = stack.pop()
            node = frame.node
            node.end_mark = event.end_mark
            size = frame.size
            if frame.anchor is not None:
                open_anchors.discard(frame.anchor)
                anchors[frame.anchor] = (node, size)
        else:  # pragma: no cover - the parser only emits node events inside a document
            raise yaml.composer.ComposerError(None, None, f"unexpected {event}", event.start_mark)

        if not stack:
            root = node
            return root
        parent = stack[-1]
        parent.size += size
        if isinstance(parent.node, SequenceNode):
            parent.node.value.append(node)
        elif parent.key is None:
            parent.key = node
        else:
            parent.node.value.append((parent.key, node))
            parent.key = None


# --- lines ---------------------------------------------------------------------------------


def _end_line(node: Node, text: str, line_offset: int) -> int:
    """1-based last line of a node's content: trailing blank lines and comments excluded."""
    while isinstance(node, (MappingNode, SequenceNode)) and not node.flow_style and node.value:
        last = node.value[-1]
        child: Node = last[1] if isinstance(node, MappingNode) else last
        anchor_before = last[0] if isinstance(node, MappingNode) else node
        if child.start_mark.index < anchor_before.start_mark.index:
            # An alias: its node sits earlier in the text. Its key is close enough.
            node = last[0] if isinstance(node, MappingNode) else node
            break
        node = child
    mark = node.end_mark
    position = mark.index
    lines_back = 0
    # Step back over the blanks and line breaks a block scalar or collection ends with.
    start = node.start_mark.index
    while position > start and text[position - 1] in _WHITESPACE:
        char = text[position - 1]
        if char in _LINE_BREAKS and not (
            char == "\r" and position < len(text) and text[position] == "\n"
        ):
            lines_back += 1
        position -= 1
    return int(mark.line) - lines_back + 1 + line_offset


def _item_lines(root: Node, data: Any, text: str, line_offset: int) -> tuple[
        tuple[int, int], ...]:
    if not (isinstance(root, MappingNode) and _is_list(data)):
        return ()
    items: Node | None = None
    for key, value in root.value:
        if isinstance(key, ScalarNode) and key.value == "items":
            items = value
    if not isinstance(items, SequenceNode) or len(items.value) != len(data["items"]):
        return ()
    return tuple(
        (int(item.start_mark.line) + 1 + line_offset, _end_line(item, text, line_offset))
        for item in items.value
    )


def _line_starts(text: str) -> list[int]:
    return [0, *(match.end() for match in _BREAK.finditer(text))]


def _restart_line(text: str, starts: list[int], problem_line: int, at_marker: bool,
                  after: int) -> int | None:
    """First line after ``after`` where a new document can be read, from ``problem_line``.

    That is a ``---`` line (or the line following a ``...`` line); the problem line itself
    qualifies only when the problem is its ``---`` marker (an earlier document ran into it).
    """
    first = max(problem_line if at_marker else problem_line + 1, after + 1)
    for number in range(max(first - 1, 0), len(starts)):
        begin = starts[number]
        end = starts[number + 1] if number + 1 < len(starts) else len(text)
        line = text[begin:end]
        if not line.startswith(("---", "...")) or line[3:4] not in ("", " ", "\t", *_LINE_BREAKS):
            continue
        candidate = number if line.startswith("---") else number + 1
        if candidate >= first and candidate < len(starts):
            return candidate
    return None


# --- errors --------------------------------------------------------------------------------


def _yaml_error(exc: Exception, file: str, text: str, default_line: int,
                line_offset: int) -> tuple[ParseError, int | None, bool]:
    """The ParseError for an exception, the 0-based line (in the chunk) it points at, and
    whether it points at column 0."""
    if isinstance(exc, _LimitError):
        mark = exc.mark
        return (ParseError(file, int(mark.line) + 1 + line_offset, exc.message,
                           int(mark.column) + 1), int(mark.line), False)
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        message = f"invalid YAML: {problem}"
        if exc.context and exc.problem:
            message += f" ({exc.context}"
            if exc.context_mark is not None and mark is not None and (
                    exc.context_mark.line != mark.line):
                message += f" started on line {int(exc.context_mark.line) + 1 + line_offset}"
            message += ")"
        if mark is None:
            return ParseError(file, default_line + 1 + line_offset, message), None, False
        return (ParseError(file, int(mark.line) + 1 + line_offset, message,
                           int(mark.column) + 1), int(mark.line), int(mark.column) == 0)
    if isinstance(exc, yaml.reader.ReaderError):
        position = int(exc.position)
        line = len(_BREAK.findall(text, 0, position))
        column = position - (_line_starts(text[:position])[-1]) + 1
        character = exc.character
        code = character if isinstance(character, int) else ord(str(character)[:1] or "\0")
        message = f"invalid YAML: unacceptable character #x{code:04x}: {exc.reason}"
        return ParseError(file, line + 1 + line_offset, message, column), line, False
    if isinstance(exc, RecursionError):
        message = "document nested too deeply to be read"
    else:
        detail = str(exc).strip().splitlines()
        message = f"document could not be read: {detail[0] if detail else type(exc).__name__}"
    return ParseError(file, default_line + 1 + line_offset, message), default_line, False


# --- YAML ----------------------------------------------------------------------------------


def parse_yaml_stream(text: str, file: str, *, pure: bool = False) -> ParsedYaml:
    """Read every document of a YAML stream; ``pure`` forces the pure-Python parser."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\t" in text:
        text = _TRAILING_TABS.sub("", text)
    documents: list[YamlDocument] = []
    errors: list[ParseError] = []
    resolver = _Resolver()
    starts: list[int] | None = None
    chunk = text
    offset = 0  # line number of the chunk's first line in the file, 0-based
    index = 0

    while True:
        parser: Any = None
        constructor = _Constructor()
        document_line = 0
        try:
            parser = _make_parser(chunk, pure)
            parser.get_event()  # stream start
            while not parser.check_event(yaml.StreamEndEvent):
                document_line = int(parser.peek_event().start_mark.line)
                parser.get_event()  # document start
                root = _compose(parser, resolver)
                parser.get_event()  # document end
                data = constructor.construct_document(root)
                index += 1
                if data is None:
                    continue
                documents.append(YamlDocument(
                    data=data,
                    line=int(root.start_mark.line) + 1 + offset,
                    end_line=_end_line(root, chunk, offset),
                    index=index - 1,
                    item_lines=_item_lines(root, data, chunk, offset),
                ))
            return ParsedYaml(tuple(documents), tuple(errors))
        except Exception as exc:  # noqa: BLE001 - bad input is a value, never an exception
            error, problem_line, at_marker = _yaml_error(exc, file, chunk, document_line,
                                                         offset)
            errors.append(error)
            index += 1
        finally:
            if parser is not None:
                parser.dispose()
        if len(errors) >= MAX_ERRORS:
            errors.append(ParseError(file, errors[-1].line,
                                     f"more than {MAX_ERRORS} errors; the rest is not read"))
            return ParsedYaml(tuple(documents), tuple(errors))
        if starts is None:
            starts = _line_starts(text)
        problem = offset + (problem_line if problem_line is not None else document_line)
        restart = _restart_line(text, starts, problem, at_marker, offset)
        if restart is None:
            return ParsedYaml(tuple(documents), tuple(errors))
        chunk = text[starts[restart]:]
        offset = restart


# --- Kubernetes ----------------------------------------------------------------------------


def is_kubernetes_object(data: Any) -> bool:
    """A mapping with a non-empty string ``apiVersion`` and ``kind``."""
    if not isinstance(data, dict):
        return False
    api_version = data.get("apiVersion")
    kind = data.get("kind")
    return isinstance(api_version, str) and isinstance(kind, str) and bool(api_version and kind)


def _is_list(data: Any) -> bool:
    """``kind: List`` or a typed list (``ConfigMapList``) with an ``items`` sequence."""
    if not isinstance(data, dict):
        return False
    kind = data.get("kind")
    return isinstance(kind, str) and kind.endswith("List") and isinstance(data.get("items"), list)


def _flatten(document: YamlDocument, out: list[tuple[dict[str, Any], YamlDocument]],
             depth: int) -> None:
    data = document.data
    if _is_list(data) and depth < 8:
        items: list[Any] = data["items"]
        lines = document.item_lines if len(document.item_lines) == len(items) else ()
        for position, item in enumerate(items):
            line, end_line = lines[position] if lines else (document.line, document.end_line)
            _flatten(YamlDocument(item, line, end_line, document.index), out, depth + 1)
    elif is_kubernetes_object(data):
        out.append((data, document))


def kubernetes_objects(parsed: ParsedYaml) -> list[tuple[dict[str, Any], YamlDocument]]:
    """The Kubernetes objects of the documents, ``*List`` kinds flattened into their items.

    An item keeps its own lines when they are known, else the lines of its document.
    """
    out: list[tuple[dict[str, Any], YamlDocument]] = []
    for document in parsed.documents:
        _flatten(document, out, 0)
    return out


# --- JSON ----------------------------------------------------------------------------------


class _LineCounter:
    """Line numbers of increasing positions in a text, counted incrementally."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0
        self.line = 1

    def at(self, position: int) -> int:
        if position < self.position:
            self.position, self.line = 0, 1
        self.line += self.text.count("\n", self.position, position)
        self.position = position
        return self.line


def _skip_blanks(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _json_item_lines(text: str, counter: _LineCounter) -> tuple[tuple[int, int], ...]:
    """(line, end_line) of each entry of the top-level object's ``items`` array."""
    decoder = json.JSONDecoder()
    found: tuple[tuple[int, int], ...] = ()
    position = _skip_blanks(text, 0)
    if text[position:position + 1] != "{":
        return ()
    position += 1
    while True:
        position = _skip_blanks(text, position)
        if text[position:position + 1] != '"':
            return found
        key, position = decoder.raw_decode(text, position)
        position = _skip_blanks(text, position)
        position = _skip_blanks(text, position + 1)  # the colon
        if key == "items" and text[position:position + 1] == "[":
            lines: list[tuple[int, int]] = []
            position += 1
            while True:
                position = _skip_blanks(text, position)
                if text[position:position + 1] in ("]", ""):
                    position += 1
                    break
                begin = position
                _, position = decoder.raw_decode(text, position)
                lines.append((counter.at(begin), counter.at(position - 1)))
                position = _skip_blanks(text, position)
                if text[position:position + 1] == ",":
                    position += 1
            found = tuple(lines)
        else:
            _, position = decoder.raw_decode(text, position)
        position = _skip_blanks(text, position)
        if text[position:position + 1] != ",":
            return found
        position += 1


def _json_depth_exceeded(data: Any) -> bool:
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(value, dict):
            stack.extend((child, depth + 1) for child in value.values()
                         if isinstance(child, (dict, list)))
        elif isinstance(value, list):
            stack.extend((child, depth + 1) for child in value if isinstance(child, (dict, list)))
    return False


def parse_json_document(text: str, file: str) -> ParsedYaml:
    """Read a JSON file as one document (a ``kind: List`` is flattened by
    ``kubernetes_objects``). An empty file has no document."""
    if text.startswith("\ufeff"):
        text = text[1:]
    begin = _skip_blanks(text, 0)
    if begin == len(text):
        return ParsedYaml((), ())
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return ParsedYaml((), (ParseError(file, exc.lineno, f"invalid JSON: {exc.msg}",
                                          exc.colno),))
    except RecursionError:
        return ParsedYaml((), (ParseError(file, 1, "JSON nested too deeply to be read"),))
    except ValueError as exc:  # e.g. an integer longer than Python converts
        return ParsedYaml((), (ParseError(file, 1, f"invalid JSON: {exc}"),))
    if (text.count("[") + text.count("{") > MAX_DEPTH) and _json_depth_exceeded(data):
        return ParsedYaml((), (ParseError(
            file, 1, f"nesting deeper than {MAX_DEPTH} levels; document refused"),))
    end = len(text.rstrip(" \t\r\n")) - 1
    counter = _LineCounter(text)
    line = counter.at(begin)
    item_lines = _json_item_lines(text, counter) if _is_list(data) else ()
    document = YamlDocument(data, line, counter.at(end), 0, item_lines)
    return ParsedYaml((document,), ())
