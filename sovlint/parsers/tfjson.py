"""Terraform JSON syntax (`*.tf.json`) -> the same blocks and expressions as HCL.

Lines come from composing the JSON with PyYAML (JSON is YAML), which keeps node positions.
Strings are templates, as in Terraform's JSON syntax.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from sovlint.model import LIMIT_EXCEEDED, ParseError
from sovlint.parsers.hcl import HclSyntaxError, parse_expression
from sovlint.terraform.syntax import (
    Attribute,
    Block,
    Body,
    ConfigFile,
    Expr,
    Literal,
    ObjectExpr,
    TupleExpr,
    Unsupported,
)

# How many labels each top-level block type takes.
_LABELS = {"resource": 2, "data": 2, "provider": 1, "variable": 1, "module": 1, "output": 1,
           "locals": 0, "terraform": 0}
_NESTED_LABELS = {"backend": 1, "dynamic": 1, "provisioner": 1}
# Keys whose object values are maps (attributes), not nested blocks.
_MAP_KEYS = {"tags", "tags_all", "labels", "default_tags_map", "variables", "environment",
             "parameters", "metadata", "annotations", "default", "providers", "value",
             "required_providers", "for_each", "triggers", "settings", "user_labels"}

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Deepest nesting read, as for YAML and JSON manifests (see sovlint/parsers/yamldocs.py).
MAX_DEPTH = 500


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _end_line(node: yaml.Node) -> int:
    end = node.end_mark
    # A mark at column 0 belongs to the line after the node.
    return int(end.line) + (1 if end.column else 0)


def _scalar(node: yaml.ScalarNode) -> Any:
    return yaml.load(yaml.serialize(node), Loader=_Loader)


def _expr(node: yaml.Node) -> Expr:
    line = _line(node)
    if isinstance(node, yaml.ScalarNode):
        value = _scalar(node)
        if isinstance(value, str) and ("${" in value or "%{" in value):
            try:
                return parse_expression(json.dumps(value), line)
            except HclSyntaxError as exc:
                return Unsupported(line, f"template: {exc.message}")
        return Literal(line, value)
    if isinstance(node, yaml.SequenceNode):
        return TupleExpr(line, tuple(_expr(item) for item in node.value))
    items = tuple((Literal(_line(key), _scalar(key)), _expr(value)) for key, value in node.value)
    return ObjectExpr(line, items)


def _body(node: yaml.Node) -> Body:
    attributes: dict[str, Attribute] = {}
    blocks: list[Block] = []
    if not isinstance(node, yaml.MappingNode):
        return Body()
    for key_node, value_node in node.value:
        key = str(_scalar(key_node)) if isinstance(key_node, yaml.ScalarNode) else ""
        if key == "//":  # JSON syntax comment
            continue
        if key in _NESTED_LABELS:
            blocks.extend(_blocks(key, value_node, _NESTED_LABELS[key]))
        elif key not in _MAP_KEYS and _is_block_value(value_node):
            blocks.extend(_blocks(key, value_node, 0))
        else:
            attributes[key] = Attribute(key, _expr(value_node), _line(key_node),
                                        _end_line(value_node))
    return Body(attributes, tuple(blocks))


def _is_block_value(node: yaml.Node) -> bool:
    if isinstance(node, yaml.MappingNode):
        return True
    return (
        isinstance(node, yaml.SequenceNode)
        and bool(node.value)
        and all(isinstance(item, yaml.MappingNode) for item in node.value)
    )


def _blocks(block_type: str, node: yaml.Node, labels: int, prefix: tuple[str, ...] = (),
            key_line: int | None = None) -> list[Block]:
    if labels == 0:
        if isinstance(node, yaml.SequenceNode):  # several blocks of one type and label
            return [Block(block_type, prefix, _body(body), _line(body), _end_line(body))
                    for body in node.value]
        return [Block(block_type, prefix, _body(node), key_line or _line(node), _end_line(node))]
    if not isinstance(node, yaml.MappingNode):
        return []
    result: list[Block] = []
    for key_node, value_node in node.value:
        label = str(_scalar(key_node))
        result.extend(_blocks(block_type, value_node, labels - 1, (*prefix, label),
                              _line(key_node)))
    return result


def _too_deep(data: Any) -> bool:
    """Whether the decoded JSON nests deeper than MAX_DEPTH (checked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def parse_tf_json(text: str, path: str) -> tuple[ConfigFile | None, ParseError | None]:
    """Parse a `.tf.json` file. Never raises for bad input."""
    try:
        data = json.loads(text)
    except RecursionError:
        return None, ParseError(path, 1, f"{LIMIT_EXCEEDED}: JSON nested too deeply to be read")
    except ValueError as exc:
        return None, ParseError(path, max(int(getattr(exc, "lineno", 1)), 1),
                                f"invalid JSON: {exc}")
    if not isinstance(data, dict):
        return None, ParseError(path, 1, "a .tf.json file must hold an object")
    # libyaml's composer and the conversion below recurse: refuse what would exhaust them.
    if text.count("[") + text.count("{") > MAX_DEPTH and _too_deep(data):
        return None, ParseError(path, 1, f"nesting deeper than {MAX_DEPTH} levels; "
                                "file refused")
    try:
        root = yaml.compose(text, Loader=_Loader)
    except (yaml.YAMLError, UnicodeError) as exc:  # UnicodeError: a lone surrogate
        return None, ParseError(path, 1, f"cannot read JSON positions: {exc}")
    if not isinstance(root, yaml.MappingNode):
        return None, ParseError(path, 1, "a .tf.json file must hold an object")
    blocks: list[Block] = []
    try:
        for key_node, value_node in root.value:
            block_type = str(_scalar(key_node))
            if block_type in _LABELS:
                blocks.extend(_blocks(block_type, value_node, _LABELS[block_type]))
    except RecursionError:
        return None, ParseError(path, 1, f"{LIMIT_EXCEEDED}: JSON nested too deeply to be read")
    return ConfigFile(path, tuple(blocks)), None
