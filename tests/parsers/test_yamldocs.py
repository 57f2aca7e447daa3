"""YAML/JSON documents with lines; valid YAML PyYAML rejects; hostile input refused."""

from __future__ import annotations

import time

from sovlint.parsers.yamldocs import (
    PURE_LOADER,
    kubernetes_objects,
    parse_json_document,
    parse_yaml_stream,
)

MULTI = """\
# patient portal
apiVersion: v1
kind: Namespace
metadata:
  name: care
---
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: care
"""


def test_multi_document_lines_and_empty_documents() -> None:
    parsed = parse_yaml_stream(MULTI, "m.yaml")
    assert parsed.errors == ()
    assert [(d.line, d.end_line) for d in parsed.documents] == [(2, 5), (8, 12)]


def test_list_is_flattened_with_item_lines() -> None:
    text = """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: a}
- apiVersion: v1
  kind: Secret
  metadata: {name: b}
"""
    objects = kubernetes_objects(parse_yaml_stream(text, "l.yaml"))
    assert [(o["kind"], d.line) for o, d in objects] == [("ConfigMap", 4), ("Secret", 7)]


def test_non_kubernetes_yaml_gives_no_objects() -> None:
    workflow = "name: ci\non:\n  push: {}\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
    parsed = parse_yaml_stream(workflow, ".github/workflows/ci.yaml")
    assert parsed.errors == ()
    assert kubernetes_objects(parsed) == []


def test_bare_equals_enum_in_a_crd_loads_as_string() -> None:
    crd = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: alertmanagerconfigs.monitoring.coreos.com
spec:
  versions:
  - name: v1alpha1
    schema:
      openAPIV3Schema:
        properties:
          matchType:
            enum:
            - =
            - '!='
            - =~
            - '!~'
            type: string
"""
    for loader in (None, PURE_LOADER):
        parsed = parse_yaml_stream(crd, "crd.yaml") if loader is None else parse_yaml_stream(
            crd, "crd.yaml", loader)
        assert parsed.errors == ()
        schema = parsed.documents[0].data["spec"]["versions"][0]["schema"]
        assert schema["openAPIV3Schema"]["properties"]["matchType"]["enum"][:3] == [
            "=", "!=", "=~"]


def test_trailing_tabs_accepted_by_both_loaders() -> None:
    text = "apiVersion: v1\t\nkind: ConfigMap\t\nmetadata:\n  name: a\t\n"
    for parsed in (parse_yaml_stream(text, "t.yaml"),
                   parse_yaml_stream(text, "t.yaml", PURE_LOADER)):
        assert parsed.errors == ()
        assert parsed.documents[0].data["metadata"]["name"] == "a"


def test_syntax_error_in_second_document_keeps_the_first() -> None:
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n"
            "apiVersion: v1\nkind: Secret\nmetadata: [unclosed\n---\napiVersion: v1\n")
    parsed = parse_yaml_stream(text, "bad.yaml")
    assert [d.line for d in parsed.documents] == [1]
    [error] = parsed.errors
    assert error.file == "bad.yaml"
    assert error.line == 8
    assert error.message.startswith("invalid YAML:")


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    start = time.perf_counter()
    parsed = parse_yaml_stream("\n".join(lines) + "\n", "bomb.yaml")
    assert time.perf_counter() - start < 5
    assert parsed.documents == ()
    assert "alias bomb" in parsed.errors[0].message


def test_deep_nesting_is_refused() -> None:
    text = "a: " + "[" * 2000 + "]" * 2000 + "\n"
    parsed = parse_yaml_stream(text, "deep.yaml")
    assert parsed.documents == ()
    assert "nesting" in parsed.errors[0].message


def test_bom_and_crlf() -> None:
    parsed = parse_yaml_stream("\ufeffapiVersion: v1\r\nkind: ConfigMap\r\n", "w.yaml")
    assert parsed.errors == ()
    assert parsed.documents[0].data == {"apiVersion": "v1", "kind": "ConfigMap"}


def test_json_list_items_have_lines() -> None:
    text = ('{\n  "apiVersion": "v1",\n  "kind": "List",\n  "items": [\n'
            '    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}\n  ]\n}\n')
    objects = kubernetes_objects(parse_json_document(text, "l.json"))
    assert [(o["kind"], d.line) for o, d in objects] == [("Pod", 5)]


def test_invalid_json_is_an_error_with_line() -> None:
    parsed = parse_json_document('{\n  "kind": "Pod",\n  oops\n}\n', "bad.json")
    assert parsed.errors[0].line == 3
