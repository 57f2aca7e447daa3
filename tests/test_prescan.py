"""The YAML pre-scan: a file with no top-level `kind` key is skipped without a parse, and
anything that might hold a manifest is still parsed (fail closed)."""

from __future__ import annotations

import pytest

from sovlint.parsers.yamldocs import kubernetes_objects, may_hold_manifest, parse_yaml_stream

RECORDING = """\
---
version: 2
interactions:
    - id: 0
      request:
        body: '{"kind": "ConfigMap", "apiVersion": "v1"}'
      response:
        body: |
          apiVersion: v1
          kind: Config
"""


def test_a_test_recording_is_not_a_manifest() -> None:
    assert may_hold_manifest(RECORDING) is False
    assert kubernetes_objects(parse_yaml_stream(RECORDING, "r.yaml")) == []


@pytest.mark.parametrize("text", [
    "apiVersion: v1\nkind: ConfigMap\n",
    "a: 1\n---\nkind: List\nitems: []\n",
    "  apiVersion: v1\n  kind: ConfigMap\n",  # an indented root mapping
    '"kind": ConfigMap\napiVersion: v1\n',
    '"\\x6bind": ConfigMap\napiVersion: v1\n',  # an escaped key
    "? kind\n: ConfigMap\napiVersion: v1\n",
    "base: &b {kind: ConfigMap, apiVersion: v1}\n---\n<<: *b\n",
    "{apiVersion: v1, kind: ConfigMap}\n",
    "--- !!map\nkind: ConfigMap\napiVersion: v1\n",
    "a: b\u2028kind: ConfigMap\u2028apiVersion: v1\n",
    "kind  : ConfigMap\napiVersion: v1\n",
])
def test_what_may_hold_a_manifest_is_parsed(text: str) -> None:
    assert may_hold_manifest(text) is True


def test_the_manifests_the_prescan_lets_through_are_read() -> None:
    text = '"\\x6bind": ConfigMap\napiVersion: v1\nmetadata: {name: x}\n'
    objects = kubernetes_objects(parse_yaml_stream(text, "m.yaml"))
    assert [obj["kind"] for obj, _ in objects] == ["ConfigMap"]


def test_a_parsed_stream_keeps_only_its_objects() -> None:
    """Nothing of a parsed file waits for the Terraform but the documents holding objects."""
    from sovlint.scan import _Collected, _kept, _Stream

    out = _Collected()
    values = "- a: 1\n- b: [1, 2]\n"
    assert _kept(_Stream("values.yaml", parse_yaml_stream(values, "values.yaml"), values),
                 out) == []
    assert out.skipped == {"values.yaml"}
    mixed = "a: 1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\nb: 2\n"
    [kept] = _kept(_Stream("m.yaml", parse_yaml_stream(mixed, "m.yaml"), mixed), out)
    assert [d.line for d in kept.parsed.documents] == [3]
    assert kept.text == ""
    assert kubernetes_objects(kept.parsed) == kubernetes_objects(
        parse_yaml_stream(mixed, "m.yaml"))
    helm = "# Source: chart/templates/cm.yaml\n" + mixed
    [kept] = _kept(_Stream("h.yaml", parse_yaml_stream(helm, "h.yaml"), helm), out)
    assert kept.text == helm
    # An unparseable file that is not a manifest is skipped by reason, one that may be is
    # kept for its error (SOV000).
    broken = "a: [\n"
    assert _kept(_Stream("b.yaml", parse_yaml_stream(broken, "b.yaml"), broken), out) == []
    assert "b.yaml" in out.skipped and out.skip_reasons
    broken = "apiVersion: v1\nkind: ConfigMap\nmetadata: [\n"
    [kept] = _kept(_Stream("c.yaml", parse_yaml_stream(broken, "c.yaml"), broken), out)
    assert kept.parsed.errors and not kept.parsed.documents
    assert "c.yaml" not in out.skipped
