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
