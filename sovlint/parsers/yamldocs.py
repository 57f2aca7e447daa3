"""YAML and JSON documents (Kubernetes manifests and everything else) with line numbers.

``parse_yaml_stream`` reads a multi-document YAML stream into ``YamlDocument`` records, each
with the 1-based first and last line of its content. Problems are values, never exceptions:
a document that cannot be read becomes a ``ParseError`` and reading resumes at the next
``---`` marker, so the documents around it are still returned.

How the text is read:

* The stream is cut before each ``---`` marker. A piece with no anchor and no line or
  bracket count that could nest past ``MAX_DEPTH`` is read by libyaml (``CSafeLoader``'s
  parser and composer, the fast path). Any other piece, or every piece when libyaml is
  missing, is composed here from parser events, without recursion, so that the limits below
  are checked while it is read (libyaml's composer recurses in C and crashes the interpreter
  on very deep input). Values are built by PyYAML's safe constructor, so YAML 1.1 semantics
  are PyYAML's (``off`` is ``False``).
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
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from sovlint.model import LIMIT_EXCEEDED, ParseError

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
# A document marker, with the directives written above it.
_MARKER = re.compile(r"^(?:%[^\r\n]*\r?\n)*---(?=[ \t\r\n]|\Z)", re.M)
# Something that may be an anchor: `&` starting a token.
_ANCHOR = re.compile(r"(?:^|[ \t\[{,:])&[^ \t\r\n,\[\]{}&]", re.M)
# Indentation, block indicators and node properties at the start of a line.
_BLOCK_PREFIX = re.compile(r"^[ \t]*(?:(?:[-?:]|[!&][^ \t\r\n]*)[ \t]+)*", re.M)


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

    yaml_implicit_resolvers = {  # noqa: RUF012 - PyYAML's own class attribute
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


_add_constructor: Any = _Constructor.add_constructor
_add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_text)
_add_constructor("tag:yaml.org,2002:binary", _Constructor.construct_text)
_add_constructor(None, _Constructor.construct_untagged)


class _TabTolerantScanner(Reader, Scanner):
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
            line_break: Any = self.scan_line_break
            if line_break():
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
        result = super().scan_plain_spaces(indent, start_mark)
        return result or []

    def _after_content(self) -> bool:
        """Whether something other than blanks precedes the current position on its line."""
        position = self.pointer - 1
        while position >= 0 and self.buffer[position] in " \t":
            position -= 1
        return position >= 0 and self.buffer[position] not in _LINE_BREAKS


class _PureParser(_TabTolerantScanner, Parser):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)


_CParser: Any
try:
    import yaml.cyaml as _cyaml

    _CParser = getattr(_cyaml, "CParser", None)
except ImportError:  # PyYAML built without libyaml
    _CParser = None

_CLoader: Any = None
if _CParser is not None:

    class _CLoaderClass(_CParser, _Constructor, _Resolver):  # type: ignore[misc,valid-type,unused-ignore]
        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            _Constructor.__init__(self)
            _Resolver.__init__(self)

    _CLoader = _CLoaderClass


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


def _compose(parser: Any, resolver: _Resolver) -> Node:
    """Compose the document whose start event was consumed; leave its end event unread.

    Iterative, and checked as it goes: nesting depth, and the number of nodes aliases add
    once expanded (each alias counts the expanded size of its anchor's node). An alias to a
    collection that is still open (a recursive structure) is refused.
    """
    # Anchor -> (node, expanded size); size -1 while the node is still open.
    anchors: dict[str, tuple[Node, int]] = {}
    # Open collections: [node, anchor, expanded size so far, pending key, is a sequence].
    stack: list[list[Any]] = []
    expansion = 0
    get_event = parser.get_event
    resolve: Any = resolver.resolve
    scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
    sequence_start, mapping_start = yaml.SequenceStartEvent, yaml.MappingStartEvent

    while True:
        event = get_event()
        event_type = type(event)
        size = 1
        node: Node
        if event_type is scalar_event:
            tag = event.tag
            if tag is None or tag == "!":
                tag = resolve(ScalarNode, event.value, event.implicit)
            node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
            if event.anchor is not None:
                anchors[event.anchor] = (node, 1)
        elif event_type is sequence_start or event_type is mapping_start:
            if len(stack) >= MAX_DEPTH:
                raise _LimitError(f"{LIMIT_EXCEEDED}: nesting deeper than {MAX_DEPTH} levels; "
                                  "document refused", event.start_mark)
            is_sequence = event_type is sequence_start
            kind = SequenceNode if is_sequence else MappingNode
            tag = event.tag
            if tag is None or tag == "!":
                tag = resolve(kind, None, event.implicit)
            node = kind(tag, [], event.start_mark, None, event.flow_style)
            if event.anchor is not None:
                anchors[event.anchor] = (node, -1)
            stack.append([node, event.anchor, 1, None, is_sequence])
            continue
        elif event_type is alias_event:
            anchor = event.anchor
            if anchor not in anchors:
                raise yaml.composer.ComposerError(
                    None, None, f"found undefined alias {anchor!r}", event.start_mark)
            node, size = anchors[anchor]
            if size < 0:
                raise _LimitError(f"recursive alias *{anchor}: the anchor contains itself",
                                  event.start_mark)
            expansion += size
            if expansion > MAX_ALIAS_EXPANSION:
                raise _LimitError(
                    f"{LIMIT_EXCEEDED}: aliases expand to more than {MAX_ALIAS_EXPANSION} nodes "
                    "(an alias bomb?); document refused", event.start_mark)
        elif event_type is yaml.SequenceEndEvent or event_type is yaml.MappingEndEvent:
            node, anchor, size, _, _ = stack.pop()
            node.end_mark = event.end_mark
            if anchor is not None and anchors.get(anchor, (None, 0))[0] is node:
                anchors[anchor] = (node, size)
        else:  # pragma: no cover - the parser only emits node events inside a document
            raise yaml.composer.ComposerError(None, None, f"unexpected {event}", event.start_mark)

        if not stack:
            return node
        parent = stack[-1]
        parent[2] += size
        if parent[4]:
            parent[0].value.append(node)
        elif parent[3] is None:
            parent[3] = node
        else:
            parent[0].value.append((parent[3], node))
            parent[3] = None


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


def _chunks(text: str) -> Iterator[tuple[str, int]]:
    """The text cut before each ``---`` marker (and the directives above it), with the
    0-based line number each piece starts at.

    PyYAML ends any scalar at a ``---`` in column 0, so a piece never splits a document;
    reading pieces separately lets reading resume after a document that cannot be read.
    """
    bounds = [match.start() for match in _MARKER.finditer(text)]
    if not bounds or bounds[0] != 0:
        bounds.insert(0, 0)
    only_newlines = not any(char in text for char in "\r\x85\u2028\u2029")
    line = 0
    for position, begin in enumerate(bounds):
        end = bounds[position + 1] if position + 1 < len(bounds) else len(text)
        chunk = text[begin:end]
        yield chunk, line
        line += chunk.count("\n") if only_newlines else len(_BREAK.findall(chunk))


def _c_composable(chunk: str) -> bool:
    """Whether libyaml's (recursive, unguarded) composer is safe for this piece: no anchors,
    so no aliases to expand, and nesting that cannot exceed MAX_DEPTH.

    Nested block collections start at increasing columns, each within a line's prefix of
    indentation, block indicators and node properties; flow collections need a bracket each.
    """
    if "&" in chunk and _ANCHOR.search(chunk):
        return False
    if len(chunk) < MAX_DEPTH:
        return True
    brackets = chunk.count("[") + chunk.count("{")
    if brackets >= MAX_DEPTH:
        return False
    if brackets + max(map(len, chunk.splitlines())) + 2 <= MAX_DEPTH:
        return True  # the common case: no line is long enough to matter
    prefix = max(map(len, _BLOCK_PREFIX.findall(chunk)), default=0)
    return brackets + prefix + 2 <= MAX_DEPTH


# --- errors --------------------------------------------------------------------------------


def _yaml_error(exc: Exception, file: str, text: str, default_line: int,
                line_offset: int) -> ParseError:
    """The ParseError for an exception raised while reading a piece of the stream."""
    if isinstance(exc, _LimitError):
        mark = exc.mark
        return ParseError(file, int(mark.line) + 1 + line_offset, exc.message,
                          int(mark.column) + 1)
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "not well-formed"
        message = f"invalid YAML: {problem}"
        if "maximum nesting depth" in problem:  # the libyaml parser's own depth limit
            message = f"{LIMIT_EXCEEDED}: document nested too deeply to be read: {problem}"
        if exc.context and exc.problem:
            message += f" ({exc.context}"
            if exc.context_mark is not None and mark is not None and (
                    exc.context_mark.line != mark.line):
                message += f" started on line {int(exc.context_mark.line) + 1 + line_offset}"
            message += ")"
        if mark is None:
            return ParseError(file, default_line + 1 + line_offset, message)
        return ParseError(file, int(mark.line) + 1 + line_offset, message, int(mark.column) + 1)
    if isinstance(exc, yaml.reader.ReaderError):
        position = int(exc.position)
        if exc.encoding != "unicode":  # libyaml counts bytes of the UTF-8 text
            position = len(text.encode("utf-8")[:position].decode("utf-8", "ignore"))
        starts = _line_starts(text[:position])
        character = exc.character
        code = character if isinstance(character, int) else ord(str(character)[:1] or "\0")
        message = f"invalid YAML: unacceptable character #x{code:04x}: {exc.reason}"
        return ParseError(file, len(starts) + line_offset, message, position - starts[-1] + 1)
    if isinstance(exc, RecursionError):
        message = f"{LIMIT_EXCEEDED}: document nested too deeply to be read"
    else:
        detail = str(exc).strip().splitlines()
        message = f"document could not be read: {detail[0] if detail else type(exc).__name__}"
    return ParseError(file, default_line + 1 + line_offset, message)


# --- YAML ----------------------------------------------------------------------------------


def _read_chunk(chunk: str, offset: int, pure: bool, first_index: int,
                documents: list[YamlDocument]) -> tuple[int, Exception | None, int]:
    """Read the documents of one piece into ``documents``.

    Returns the index of the next document, the exception that stopped reading (if any)
    and the 0-based line (in the piece) of the document being read when it was raised.
    """
    index = first_index
    document_line = 0
    parser: Any = None
    try:
        if _CLoader is not None and not pure and _c_composable(chunk):
            parser = _CLoader(chunk)
            compose = None
        else:
            parser = _make_parser(chunk, pure)
            parser.get_event()  # stream start
            compose = _compose
            constructor = _Constructor()
            resolver = _Resolver()
        while True:
            if compose is None:
                if not parser.check_node():
                    break
                root = parser.get_node()
                document_line = int(root.start_mark.line)
                data = parser.construct_document(root)
            else:
                if parser.check_event(yaml.StreamEndEvent):
                    break
                document_line = int(parser.peek_event().start_mark.line)
                parser.get_event()  # document start
                root = compose(parser, resolver)
                parser.get_event()  # document end
                data = constructor.construct_document(root)
            index += 1
            if data is None:
                continue  # an empty document
            documents.append(YamlDocument(
                data=data,
                line=int(root.start_mark.line) + 1 + offset,
                end_line=_end_line(root, chunk, offset),
                index=index - 1,
                item_lines=_item_lines(root, data, chunk, offset),
            ))
        return index, None, document_line
    except Exception as exc:  # bad input is a value, never an exception
        return index + 1, exc, document_line
    finally:
        if parser is not None:
            parser.dispose()


def parse_yaml_stream(text: str, file: str, *, pure: bool = False) -> ParsedYaml:
    """Read every document of a YAML stream; ``pure`` forces the pure-Python parser."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\t" in text:
        text = _TRAILING_TABS.sub("", text)
    documents: list[YamlDocument] = []
    errors: list[ParseError] = []
    index = 0
    for chunk, offset in _chunks(text):
        index, exc, document_line = _read_chunk(chunk, offset, pure, index, documents)
        if exc is None:
            continue
        errors.append(_yaml_error(exc, file, chunk, document_line, offset))
        if len(errors) >= MAX_ERRORS:
            errors.append(ParseError(file, errors[-1].line,
                                     f"more than {MAX_ERRORS} errors; the rest is not read"))
            break
    return ParsedYaml(tuple(documents), tuple(errors))


# --- Kubernetes ----------------------------------------------------------------------------

# The pre-scan below: a line of a document at column 0, as a root block mapping holds its keys.
_TOP_LEVEL_KEY = re.compile(r"[A-Za-z0-9_][^:#\r\n]*:(?:[ \t]|$)")
_KIND_KEY = re.compile(r"kind[ \t]*:(?:[ \t]|$)")
_DOCUMENT_MARKER = re.compile(r"(?:---|\.\.\.)[ \t]*(?:#.*)?$")


def may_hold_manifest(text: str) -> bool:
    """Whether a YAML text may hold a Kubernetes object or ``*List``, from its lines alone
    (a pass over the text, no parse); False only when it certainly holds none.

    Both need a top-level ``kind`` key. Every document must open with a plain ``key:`` at
    column 0 (its root is then a block mapping whose keys all start at column 0), and no
    line at column 0 may be a ``kind`` key or start with anything that could hide one (a
    quoted, tagged, anchored, aliased, explicit or merge key, a flow collection). Any other
    text, including line breaks other than LF and CRLF, is left to the parser: True.
    """
    if "\x85" in text or "\u2028" in text or "\u2029" in text:
        return True
    opening = True  # the next content line opens a document
    for line in text.lstrip("\ufeff").split("\n"):
        line = line.rstrip("\r")
        if "\r" in line:
            return True
        if not line or line[0] == " ":
            if opening and line.strip() and not line.lstrip().startswith("#"):
                return True  # an indented root: its keys are not at column 0
            continue
        first = line[0]
        if first == "#":
            continue
        if first in "-." and _DOCUMENT_MARKER.match(line):
            opening = True
            continue
        if first == "%" and opening:
            continue  # a directive
        if first == "-" and line[1:2] in ("", " ") and not opening:
            continue  # an item of a sequence that is a top-level value
        if _KIND_KEY.match(line) or not _TOP_LEVEL_KEY.match(line):
            return True
        opening = False
    # A document a limit would refuse (nesting, aliases) stays SOV000 whatever it holds.
    return not all(_c_composable(chunk) for chunk, _ in _chunks(text))



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
        return ParsedYaml((), (ParseError(
            file, 1, f"{LIMIT_EXCEEDED}: JSON nested too deeply to be read"),))
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
