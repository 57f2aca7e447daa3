"""Text output never passes control characters from scanned files to the terminal."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import run_cli

from sovlint.report.escape import escape_text


def test_escape_sequences_and_carriage_returns_become_visible() -> None:
    assert escape_text("eu-west-3\x1b[2K\rall clear") == "eu-west-3\\x1b[2K\\x0dall clear"


def test_bidirectional_overrides_and_zero_width_characters_become_visible() -> None:
    assert escape_text("us\u202eeast\u200b") == "us\\u202eeast\\u200b"


def test_newlines_and_ordinary_text_are_kept() -> None:
    assert escape_text("région: é\nnext line") == "région: é\nnext line"


def test_a_hostile_object_name_is_escaped_in_text_but_kept_in_json(tmp_path: Path) -> None:
    (tmp_path / "web.yaml").write_text(
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: "web\\e[2K\\rall-clear"\n'
        "spec:\n  template:\n    spec:\n      containers:\n        - {name: c, image: nginx}\n",
        encoding="utf-8")

    text = run_cli("scan", ".", "--no-color", cwd=tmp_path)
    report = json.loads(run_cli("scan", ".", "--format", "json", cwd=tmp_path).stdout)

    assert "\x1b" not in text.stdout and "\r" not in text.stdout
    assert "Deployment/default/web\\x1b[2K\\x0dall-clear" in text.stdout
    assert report["findings"][0]["resource"] == "Deployment/default/web\x1b[2K\rall-clear"
