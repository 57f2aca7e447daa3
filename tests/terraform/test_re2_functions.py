"""regex(), regexall() and replace() use RE2, as Terraform (Go regexp) does: linear time."""

from __future__ import annotations

import time

import pytest

from sovlint.terraform.functions import FunctionError, _regex, _regexall, _replace


def test_a_backtracking_pattern_answers_at_once() -> None:
    start = time.monotonic()
    with pytest.raises(FunctionError, match="pattern did not match"):
        _regex(["(a+)+$", "a" * 200_000 + "b"])
    assert _replace(["a" * 100_000 + "b", "/(a|aa)+$/", "x"]) == "a" * 100_000 + "b"
    assert time.monotonic() - start < 2  # Python's re takes longer than the universe's age


def test_named_and_numbered_groups_as_terraform_returns_them() -> None:
    assert _regex(["^(?P<area>[a-z]+)-(?P<zone>[a-z]+)", "eu-west-3"]) == {
        "area": "eu", "zone": "west"}
    assert _regex(["^([a-z]+)-(\\d)$", "fr-1"]) == ["fr", "1"]
    assert _regexall(["\\d", "a1b2"]) == ["1", "2"]


def test_replace_takes_go_style_references() -> None:
    assert _replace(["eu-west-3", "/(\\w+)-(\\w+)-(\\d)/", "$2.${1}"]) == "west.eu"


def test_a_pattern_re2_rejects_is_a_clear_error() -> None:
    with pytest.raises(FunctionError, match=r"invalid regex: missing \): \(a"):
        _regex(["(a", "x"])
    # Backreferences are not RE2 (nor Terraform): an error, not a silent different answer.
    with pytest.raises(FunctionError, match="invalid regex"):
        _regex(["(a)\\1", "aa"])
