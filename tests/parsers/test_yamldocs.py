"""YAML/JSON documents with lines: multi-document streams, Kubernetes lists, valid YAML that
PyYAML rejects, errors as values, hostile input refused."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from sovlint.parsers import yamldocs
from sovlint.parsers.yamldocs import (
    ParsedYaml,
    is_kubernetes_object,
    kubernetes_objects,
    parse_json_document,
    parse_yaml_stream,
)

BOTH_PARSERS = pytest.mark.parametrize("pure", [False, True], ids=["libyaml", "pure"])

MULTI = """\
# patient portal
apiVersion: v1
kind: Namespace
metadata:
  name: care
# end of the namespace

---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: care
spec:
  template:
    spec:
      containers:
      - name: api
        args:
        - |
          line one
          line two

---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: care}
"""

CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: alertmanagerconfigs.monitoring.coreos.com
spec:
  group: monitoring.coreos.com
  names:
    kind: AlertmanagerConfig
    plural: alertmanagerconfigs
  scope: Namespaced
  versions:
  - name: v1alpha1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              route:
                type: object
                properties:
                  matchers:
                    type: array
                    items:
                      type: object
                      properties:
                        matchType:
                          description: Match operation available with AlertManager >= v0.22.0
                          enum:
                          - =
                          - '!='
                          - =~
                          - '!~'
                          type: string
                        name:
                          type: string
"""


def _enum(parsed: ParsedYaml) -> object:
    spec = parsed.documents[0].data["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    route = spec["properties"]["spec"]["properties"]["route"]
    return route["properties"]["matchers"]["items"]["properties"]["matchType"]["enum"]


# --- documents and lines -------------------------------------------------------------------


@BOTH_PARSERS
def test_each_document_has_its_first_and_last_content_line(pure: bool) -> None:
    parsed = parse_yaml_stream(MULTI, "m.yaml", pure=pure)
    assert parsed.errors == ()
    # Comments and blank lines around a document are not part of it; a block scalar ends
    # at its last text line.
    assert [(d.line, d.end_line, d.index) for d in parsed.documents] == [
        (2, 5, 0), (9, 22, 1), (25, 27, 2)]
    assert parsed.documents[1].data["spec"]["template"]["spec"]["containers"][0]["args"] == [
        "line one\nline two\n"]


@BOTH_PARSERS
def test_empty_documents_are_skipped_but_counted_in_the_index(pure: bool) -> None:
    text = "---\n---\n# only a comment\n---\nkind: A\n---\n...\n---\nkind: B\n---\n"
    parsed = parse_yaml_stream(text, "e.yaml", pure=pure)
    assert parsed.errors == ()
    assert [(d.data, d.line, d.index) for d in parsed.documents] == [
        ({"kind": "A"}, 5, 2), ({"kind": "B"}, 9, 4)]


def test_an_empty_file_has_no_documents_and_no_errors() -> None:
    assert parse_yaml_stream("", "e.yaml") == ParsedYaml((), ())
    assert parse_yaml_stream("# nothing\n\n", "e.yaml") == ParsedYaml((), ())


@BOTH_PARSERS
def test_crlf_line_endings_keep_lines_and_values(pure: bool) -> None:
    text = "apiVersion: v1\r\nkind: ConfigMap\r\ndata:\r\n  a: |\r\n    x\r\n---\r\nkind: B\r\n"
    parsed = parse_yaml_stream(text, "w.yaml", pure=pure)
    assert parsed.errors == ()
    assert [(d.line, d.end_line) for d in parsed.documents] == [(1, 5), (7, 7)]
    assert parsed.documents[0].data["data"] == {"a": "x\n"}


@BOTH_PARSERS
def test_a_byte_order_mark_at_the_start_is_ignored(pure: bool) -> None:
    parsed = parse_yaml_stream("\ufeffapiVersion: v1\nkind: ConfigMap\n", "b.yaml", pure=pure)
    assert parsed.errors == ()
    assert parsed.documents[0].data == {"apiVersion": "v1", "kind": "ConfigMap"}
    assert parsed.documents[0].line == 1


@BOTH_PARSERS
def test_a_long_line_does_not_change_values_or_lines(pure: bool) -> None:
    # Documents with long lines or anchors are composed by the guarded composer.
    blob = "A" * 5000
    text = f"kind: Secret\ndata:\n  ca.crt: {blob}\n  other: x\n---\nkind: B\n"
    parsed = parse_yaml_stream(text, "s.yaml", pure=pure)
    assert parsed.errors == ()
    assert parsed.documents[0].data["data"] == {"ca.crt": blob, "other": "x"}
    assert [(d.line, d.end_line) for d in parsed.documents] == [(1, 4), (6, 6)]


@BOTH_PARSERS
def test_anchors_aliases_and_merge_keys_work(pure: bool) -> None:
    text = ("defaults: &defaults {region: eu-west-3, replicas: 2}\n"
            "api:\n  <<: *defaults\n  replicas: 3\n"
            "worker: *defaults\n"
            "again: &defaults 1\nlast: *defaults\n")
    parsed = parse_yaml_stream(text, "a.yaml", pure=pure)
    assert parsed.errors == ()
    data = parsed.documents[0].data
    assert data["api"] == {"region": "eu-west-3", "replicas": 3}
    assert data["worker"] == {"region": "eu-west-3", "replicas": 2}
    assert data["last"] == 1  # an anchor defined again: the later definition wins


def test_yaml_1_1_booleans_keep_pyyaml_semantics() -> None:
    parsed = parse_yaml_stream("enabled: off\nother: yes\nquoted: 'off'\n", "b.yaml")
    assert parsed.documents[0].data == {"enabled": False, "other": True, "quoted": "off"}


def test_values_stay_json_shaped() -> None:
    text = "created: 2024-05-01\nat: 2024-05-01T10:00:00Z\nblob: !!binary aGVsbG8=\n"
    parsed = parse_yaml_stream(text, "j.yaml")
    assert parsed.documents[0].data == {
        "created": "2024-05-01", "at": "2024-05-01T10:00:00Z", "blob": "aGVsbG8="}


# --- Kubernetes objects --------------------------------------------------------------------


def test_a_list_is_flattened_into_its_items_with_their_own_lines() -> None:
    text = """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: a}
- not: a kubernetes object
- apiVersion: v1
  kind: Secret
  metadata:
    name: b
metadata: {}
"""
    parsed = parse_yaml_stream(text, "l.yaml")
    objects = kubernetes_objects(parsed)
    assert [(o["kind"], d.line, d.end_line, d.index) for o, d in objects] == [
        ("ConfigMap", 4, 6, 0), ("Secret", 8, 11, 0)]
    assert objects[1][1].data is objects[1][0]


def test_a_typed_list_kind_is_flattened_too() -> None:
    text = ("apiVersion: v1\nkind: ConfigMapList\nitems:\n"
            "- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n"
            "- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n")
    objects = kubernetes_objects(parse_yaml_stream(text, "l.yaml"))
    assert [(o["metadata"]["name"], d.line) for o, d in objects] == [("a", 4), ("b", 5)]


def test_plain_objects_are_returned_with_their_documents() -> None:
    parsed = parse_yaml_stream(MULTI, "m.yaml")
    objects = kubernetes_objects(parsed)
    assert [(o["kind"], d.line) for o, d in objects] == [
        ("Namespace", 2), ("Deployment", 9), ("Service", 25)]
    assert all(d is parsed.documents[i] for i, (_, d) in enumerate(objects))


def test_a_github_actions_workflow_is_yaml_but_not_kubernetes() -> None:
    workflow = """\
name: ci
on:
  push:
    branches: [main]
  pull_request: {}
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
    - uses: actions/checkout@v4
    - run: pip install -e .[dev] && pytest
"""
    parsed = parse_yaml_stream(workflow, ".github/workflows/ci.yaml")
    assert parsed.errors == ()
    assert len(parsed.documents) == 1
    assert kubernetes_objects(parsed) == []


def test_helm_values_are_yaml_but_not_kubernetes() -> None:
    values = """\
replicaCount: 2
image:
  repository: registry.example.eu/care/api
  tag: ""
nodeSelector:
  topology.kubernetes.io/region: eu-west-3
kind: values  # a key named kind, but no apiVersion
"""
    parsed = parse_yaml_stream(values, "chart/values.yaml")
    assert parsed.errors == ()
    assert len(parsed.documents) == 1
    assert kubernetes_objects(parsed) == []


def test_is_kubernetes_object_needs_string_api_version_and_kind() -> None:
    assert is_kubernetes_object({"apiVersion": "v1", "kind": "Pod"})
    assert not is_kubernetes_object({"apiVersion": "v1"})
    assert not is_kubernetes_object({"apiVersion": 1, "kind": "Pod"})
    assert not is_kubernetes_object({"apiVersion": "v1", "kind": ""})
    assert not is_kubernetes_object(["apiVersion", "kind"])


def test_unknown_tags_give_the_plain_value() -> None:
    text = ".setup:\n  script: [make]\ntest:\n  script: !reference [.setup, script]\n"
    parsed = parse_yaml_stream(text, ".gitlab-ci.yml")
    assert parsed.errors == ()
    assert parsed.documents[0].data["test"] == {"script": [".setup", "script"]}


# --- valid YAML that PyYAML rejects --------------------------------------------------------


@BOTH_PARSERS
def test_a_bare_equals_enum_in_a_crd_is_the_string(pure: bool) -> None:
    parsed = parse_yaml_stream(CRD, "crd.yaml", pure=pure)
    assert parsed.errors == ()
    assert _enum(parsed) == ["=", "!=", "=~", "!~"]
    assert [o["kind"] for o, _ in kubernetes_objects(parsed)] == ["CustomResourceDefinition"]


def test_pyyaml_itself_rejects_the_bare_equals() -> None:
    # The reason for the custom resolver; if PyYAML ever accepts it, this test says so.
    import yaml

    with pytest.raises(yaml.YAMLError, match=r"tag:yaml\.org,2002:value"):
        yaml.load(CRD, Loader=yaml.SafeLoader)


@BOTH_PARSERS
def test_trailing_tabs_are_accepted(pure: bool) -> None:
    text = ("apiVersion: v1\t\nkind: ConfigMap \t\nmetadata:\n  name: a\t\n\t\n"
            "data:\n  script: |\t\n    run\t\n  list: [a, b]\t\n")
    parsed = parse_yaml_stream(text, "t.yaml", pure=pure)
    assert parsed.errors == ()
    assert parsed.documents[0].data == {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"},
        "data": {"script": "run\n", "list": ["a", "b"]}}
    assert parsed.documents[0].end_line == 9


@BOTH_PARSERS
def test_tabs_between_tokens_on_a_line_are_accepted(pure: bool) -> None:
    parsed = parse_yaml_stream("a:\t1\nb: foo\tbar\nc: 'x'\t# note\nd: [1,\t2]\n", "t.yaml",
                               pure=pure)
    assert parsed.errors == ()
    assert parsed.documents[0].data == {"a": 1, "b": "foo\tbar", "c": "x", "d": [1, 2]}


def test_the_pure_parser_is_used_when_libyaml_is_missing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamldocs, "_CParser", None)
    monkeypatch.setattr(yamldocs, "_CLoader", None)
    parsed = parse_yaml_stream(CRD + "---\nkind: B\t\n", "crd.yaml")
    assert parsed.errors == ()
    assert _enum(parsed) == ["=", "!=", "=~", "!~"]
    assert [(d.line, d.index) for d in parsed.documents] == [(1, 0), (41, 1)]


# --- errors --------------------------------------------------------------------------------


@BOTH_PARSERS
def test_a_syntax_error_in_document_two_of_three_keeps_the_others(pure: bool) -> None:
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"
            "---\napiVersion: v1\nkind: Secret\n  name: b\n"
            "---\napiVersion: v1\nkind: Service\nmetadata: {name: c}\n")
    parsed = parse_yaml_stream(text, "bad.yaml", pure=pure)
    assert [(d.data["kind"], d.line, d.index) for d in parsed.documents] == [
        ("ConfigMap", 1, 0), ("Service", 9, 2)]
    [error] = parsed.errors
    assert (error.file, error.line, error.column) == ("bad.yaml", 7, 7)
    assert error.message.startswith("invalid YAML: mapping values are not allowed")
    assert "\n" not in error.message and "<unicode string>" not in error.message


@BOTH_PARSERS
def test_an_unclosed_bracket_is_reported_where_it_stops_being_readable(pure: bool) -> None:
    parsed = parse_yaml_stream("kind: A\nports: [80,\n  443\n---\nkind: B\n", "u.yaml",
                               pure=pure)
    assert [d.data for d in parsed.documents] == [{"kind": "B"}]
    [error] = parsed.errors
    assert error.line == 4
    assert "while parsing a flow" in error.message


@BOTH_PARSERS
def test_a_control_character_is_an_error_with_its_position(pure: bool) -> None:
    parsed = parse_yaml_stream("kind: A\n---\nname: é\x07\n", "c.yaml", pure=pure)
    assert [d.data for d in parsed.documents] == [{"kind": "A"}]
    [error] = parsed.errors
    assert (error.line, error.column) == (3, 8)
    assert "unacceptable character #x0007" in error.message


def test_an_integer_python_cannot_convert_is_an_error_not_an_exception() -> None:
    parsed = parse_yaml_stream("n: " + "9" * 5000 + "\n---\nkind: B\n", "n.yaml")
    assert [d.data for d in parsed.documents] == [{"kind": "B"}]
    assert parsed.errors[0].line == 1
    assert parsed.errors[0].message.startswith("document could not be read:")


@pytest.mark.parametrize("text", [
    "{", "]", "a: b: c", "- a\nb: c", "&a *a", "*unknown", "? [a]\n: b", "!!python/name:os x",
    "\x00", "'unterminated", "%YAML 9.9\n---\na", ":\n:", "a:\n\t- b", "[" * 20 + "&x 1",
])
def test_hostile_or_broken_input_never_raises(text: str) -> None:
    for pure in (False, True):
        parsed = parse_yaml_stream(text, "x.yaml", pure=pure)
        assert all(error.line >= 1 and error.message for error in parsed.errors)


# --- limits --------------------------------------------------------------------------------


def _alias_bomb() -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "kind: A\n---\n" + "\n".join(lines) + "\n"  # 9**10 strings once expanded


@BOTH_PARSERS
def test_an_alias_bomb_is_refused_quickly_in_bounded_memory(pure: bool) -> None:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        parsed = parse_yaml_stream(_alias_bomb(), "bomb.yaml", pure=pure)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 2
    assert peak < 20 * 1024 * 1024
    assert [d.data for d in parsed.documents] == [{"kind": "A"}]
    [error] = parsed.errors
    assert "alias bomb" in error.message
    assert error.line == 8  # the alias that crosses the limit


@BOTH_PARSERS
def test_a_recursive_alias_is_refused(pure: bool) -> None:
    parsed = parse_yaml_stream("loop: &a [1, *a]\n", "r.yaml", pure=pure)
    assert parsed.documents == ()
    [error] = parsed.errors
    assert error.message.startswith("recursive alias *a")
    assert (error.line, error.column) == (1, 14)


@BOTH_PARSERS
@pytest.mark.parametrize("depth", [501, 100_000])
def test_deep_flow_nesting_is_refused(pure: bool, depth: int) -> None:
    # 100 000 levels would crash libyaml's recursive composer; nothing here recurses.
    text = "kind: A\n---\na: " + "[" * depth + "]" * depth + "\n"
    parsed = parse_yaml_stream(text, "deep.yaml", pure=pure)
    assert [d.data for d in parsed.documents] == [{"kind": "A"}]
    [error] = parsed.errors
    # Ours, or the limit of a libyaml that has one ("exceeded maximum nesting depth").
    assert "nesting" in error.message
    assert error.line == 3


@BOTH_PARSERS
def test_deep_block_nesting_is_refused(pure: bool) -> None:
    parsed = parse_yaml_stream("- " * 50_000 + "x\n", "deep.yaml", pure=pure)
    assert parsed.documents == ()
    assert "nesting deeper than 500 levels" in parsed.errors[0].message


def test_nesting_up_to_the_limit_is_read() -> None:
    text = "[" * 499 + "]" * 499
    parsed = parse_yaml_stream(text, "ok.yaml")
    assert parsed.errors == ()


# --- JSON ----------------------------------------------------------------------------------


def test_a_json_document_has_the_lines_of_its_content() -> None:
    text = '\n{\n  "apiVersion": "v1",\n  "kind": "Pod",\n  "metadata": {"name": "p"}\n}\n\n'
    parsed = parse_json_document(text, "p.json")
    assert parsed.errors == ()
    [document] = parsed.documents
    assert (document.line, document.end_line, document.index) == (2, 6, 0)
    assert [o["kind"] for o, _ in kubernetes_objects(parsed)] == ["Pod"]


def test_a_json_list_is_flattened_with_item_lines() -> None:
    text = """\
{
  "apiVersion": "v1",
  "kind": "List",
  "metadata": {"resourceVersion": ""},
  "items": [
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}},
    {
      "apiVersion": "apps/v1",
      "kind": "Deployment",
      "metadata": {"name": "b", "labels": {"x": "[not, a, list]"}}
    }
  ]
}
"""
    objects = kubernetes_objects(parse_json_document(text, "l.json"))
    assert [(o["kind"], d.line, d.end_line) for o, d in objects] == [
        ("Pod", 6, 6), ("Deployment", 7, 11)]


def test_json_numbers_and_escapes_follow_json() -> None:
    parsed = parse_json_document('{"a": 1e3, "b": "x\\/y", "c": 1.0}', "n.json")
    assert parsed.documents[0].data == {"a": 1000.0, "b": "x/y", "c": 1.0}


def test_invalid_json_is_an_error_with_line_and_column() -> None:
    parsed = parse_json_document('{\n  "kind": "Pod",\n  oops\n}\n', "bad.json")
    assert parsed.documents == ()
    [error] = parsed.errors
    assert (error.file, error.line, error.column) == ("bad.json", 3, 3)
    assert error.message.startswith("invalid JSON: Expecting property name")


def test_json_with_a_bom_and_tabs_is_read() -> None:
    parsed = parse_json_document('\ufeff{\n\t"kind": "Pod",\n\t"apiVersion": "v1"\n}\n', "b.json")
    assert parsed.errors == ()
    assert parsed.documents[0].data == {"kind": "Pod", "apiVersion": "v1"}


def test_deeply_nested_json_is_refused() -> None:
    for depth in (600, 100_000):
        parsed = parse_json_document("[" * depth + "]" * depth, "deep.json")
        assert parsed.documents == ()
        assert "nest" in parsed.errors[0].message


def test_an_empty_json_file_has_no_documents() -> None:
    assert parse_json_document(" \n", "e.json") == ParsedYaml((), ())
