"""The embedded Rego engine cannot be imported (glibc older than 2.34, musl): one clear
message pointing at --opa-url, exit 2, no traceback."""

from __future__ import annotations

import sys

import pytest
from helpers import FIXTURES, run_cli


def test_a_missing_engine_is_one_message_naming_opa_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "regorus", None)  # `import regorus` raises ImportError
    result = run_cli("scan", str(FIXTURES / "aws-health-records"), "--no-cache")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("sovlint: the embedded Rego engine")
    assert "glibc 2.34" in lines[0]
    assert "--opa-url" in lines[0]
    assert "policy error" not in lines[0]
    assert result.stdout == ""


def test_rego_tests_say_the_same_when_the_engine_is_missing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "regorus", None)
    result = run_cli("test")
    assert result.exit_code == 2
    assert "--opa-url" in result.stderr
