"""YAML and JSON documents with their lines (Kubernetes manifests, multi-document files).

PyYAML's C loader when available, else the pure one. Two kinds of valid YAML that PyYAML
rejects are read anyway: a bare `=` (YAML 1.1's "value" key, found in real CRDs) is the string
"=", and trailing tabs, which the pure loader refuses, are accepted. Alias bombs and deep
nesting are refused with an error before the document is built. Errors are values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from sovlint.model import ParseError

MAX_NODES = 200_000  # nodes of one document once aliases are expanded
MAX_DEPTH = 500

_BASE: Any = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
_TRAILING_BLANKS = re.compile(r"[ \t]+$", re.M)


def _without_value_resolver(loader: Any) -> Any:
    """A loader class whose resolver does not turn a bare `=` into the unusable value tag."""
    resolvers = {
        first: [(tag, regexp) for tag, regexp in entries if tag != "tag:yaml.org,2002:value"]
        for first, entries in loader.yaml_implicit_resolvers.items()
    }
    return type(f"Sovlint{loader.__name__}", (loader,), {"yaml_implicit_resolvers": resolvers})


FAST_LOADER: Any = _without_value_resolver(_BASE)
PURE_LOADER: Any = _without_value_resolver(yaml.SafeLoader)


@dataclass(frozen=True)
class YamlDocument:
    data: Any
    line: int  # 1-based first line of the document's content
    end_line: int
    index: int  # position in the file, 0-based
    item_lines: tuple[tuple[int, int], ...] = ()  # (line, end_line) of `items` entries


@dataclass(frozen=True)
class ParsedYaml:
    documents: tuple[YamlDocument, ...]
    errors: tuple[ParseError, ...]


class _Refused(Exception):
    pass


def _end_line(node: yaml.Node) -> int:
    mark = node.end_mark
    return int(mark.line) + (1 if mark.column else 0) or int(node.start_mark.line) + 1


def _check_size(root: yaml.Node) -> None:
    """Refuse a document whose aliases expand past MAX_NODES, or that nests past MAX_DEPTH."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, children_done = stack.pop()
        if depth > MAX_DEPTH:
            raise _Refused(f"nesting deeper than {MAX_DEPTH} levels")
        key = id(node)
        if key in sizes and not children_done:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [item for pair in node.value for item in pair]
        if not children_done:
            stack.append((node, depth, True))
            sizes.setdefault(key, -1)
            stack.extend((child, depth + 1, False) for child in children
                         if id(child) not in sizes)
            continue
        total = 1 + sum(max(sizes.get(id(child), 1), 1) for child in children)
        if total > MAX_NODES:
            raise _Refused(f"more than {MAX_NODES} nodes once aliases are expanded "
                           "(an alias bomb?)")
        sizes[key] = total


def _item_lines(node: yaml.Node) -> tuple[tuple[int, int], ...]:
    if not isinstance(node, yaml.MappingNode):
        return ()
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "items" and isinstance(
                value, yaml.SequenceNode):
            return tuple((int(item.start_mark.line) + 1, _end_line(item)) for item in value.value)
    return ()


def _error(file: str, exc: Exception, line_offset: int = 0) -> ParseError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    message = f"{context}: {problem}" if context else str(problem)
    line = int(mark.line) + 1 + line_offset if mark is not None else 1
    column = int(mark.column) + 1 if mark is not None else None
    return ParseError(file, line, f"invalid YAML: {message}", column)


def _documents(text: str, loader_class: Any) -> Iterator[tuple[yaml.Node, Any]]:
    loader = loader_class(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            _check_size(node)
            yield node, loader.construct_document(node)
    finally:
        loader.dispose()


def parse_yaml_stream(text: str, file: str, loader: Any = FAST_LOADER) -> ParsedYaml:
    """Every document of a YAML stream with its lines; an error stops at its document."""
    text = text.removeprefix("\ufeff")
    sources = [text]
    stripped = _TRAILING_BLANKS.sub("", text)
    if stripped != text:
        # The pure loader rejects trailing tabs the C loader accepts: retry without them
        # (line numbers do not change).
        sources.append(stripped)
    documents: list[YamlDocument] = []
    errors: list[ParseError] = []
    for source in sources:
        documents.clear()
        errors.clear()
        try:
            for index, (node, data) in enumerate(_documents(source, loader)):
                if data is None:
                    continue
                documents.append(YamlDocument(data, int(node.start_mark.line) + 1,
                                              _end_line(node), index, _item_lines(node)))
            break
        except _Refused as exc:
            errors.append(ParseError(file, _refused_line(documents), f"refused: {exc}"))
            break
        except RecursionError:
            errors.append(ParseError(file, _refused_line(documents), "refused: nesting too deep"))
            break
        except (yaml.YAMLError, ValueError, TypeError) as exc:
            errors.append(_error(file, exc))
    return ParsedYaml(tuple(documents), tuple(errors))


def _refused_line(documents: list[YamlDocument]) -> int:
    return documents[-1].end_line + 1 if documents else 1


def parse_json_document(text: str, file: str) -> ParsedYaml:
    """One JSON document (a manifest or a `kind: List`) with its lines."""
    text = text.removeprefix("\ufeff")
    try:
        data = json.loads(text)
    except RecursionError:
        return ParsedYaml((), (ParseError(file, 1, "refused: nesting too deep"),))
    except ValueError as exc:
        line = int(getattr(exc, "lineno", 1))
        column = getattr(exc, "colno", None)
        message = getattr(exc, "msg", str(exc))
        return ParsedYaml((), (ParseError(file, line, f"invalid JSON: {message}", column),))
    end_line = text.rstrip().count("\n") + 1
    line = 1
    item_lines: tuple[tuple[int, int], ...] = ()
    try:  # positions come from the YAML composer (JSON is YAML); best effort
        node = yaml.compose(text, Loader=FAST_LOADER)
        if node is not None:
            line, end_line, item_lines = (int(node.start_mark.line) + 1, _end_line(node),
                                          _item_lines(node))
    except (yaml.YAMLError, RecursionError):
        pass
    return ParsedYaml((YamlDocument(data, line, end_line, 0, item_lines),), ())


def is_kubernetes_object(data: Any) -> bool:
    """A mapping with string `apiVersion` and `kind`."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("apiVersion"), str)
        and isinstance(data.get("kind"), str)
    )


def kubernetes_objects(parsed: ParsedYaml) -> list[tuple[dict[str, Any], YamlDocument]]:
    """Kubernetes objects of the documents; `kind: List` (and `*List`) flattened to its items,
    each item with its own lines."""
    objects: list[tuple[dict[str, Any], YamlDocument]] = []
    for document in parsed.documents:
        data = document.data
        if not is_kubernetes_object(data):
            continue
        items = data.get("items")
        if str(data["kind"]).endswith("List") and isinstance(items, list):
            for position, item in enumerate(items):
                if not is_kubernetes_object(item):
                    continue
                if position < len(document.item_lines):
                    line, end = document.item_lines[position]
                    objects.append((item, YamlDocument(item, line, end, document.index)))
                else:
                    objects.append((item, document))
            continue
        objects.append((data, document))
    return objects
