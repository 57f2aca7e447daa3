"""Static evaluation of Terraform expressions: known values, or an explicit Unknown."""

from __future__ import annotations

from typing import Any

import pytest

from sovlint.parsers.hcl import parse_expression
from sovlint.terraform.evaluator import MISSING, Scope, evaluate
from sovlint.terraform.values import Unknown

VARIABLES = {"region": "eu-west-3", "sites": {"paris": "eu-west-3", "dublin": "eu-west-1"},
             "zones": ["a", "b"], "enabled": True}


def run(text: str) -> Any:
    roots = {"var": VARIABLES, "local": {"prefix": "health"}}
    return evaluate(parse_expression(text), Scope(lambda name: roots.get(name, MISSING)))


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('"${local.prefix}-${var.region}"', "health-eu-west-3"),
        ('var.enabled ? var.region : "us-east-1"', "eu-west-3"),
        ('lookup(var.sites, "dublin", "eu-central-1")', "eu-west-1"),
        ('lookup(var.sites, "rome", "eu-south-1")', "eu-south-1"),
        ('var.sites["paris"]', "eu-west-3"),
        ('format("%s-%03d", var.region, 7)', "eu-west-3-007"),
        ('join(",", [for z in var.zones : "${var.region}${z}"])', "eu-west-3a,eu-west-3b"),
        ("{for k, v in var.sites : v => k}", {"eu-west-3": "paris", "eu-west-1": "dublin"}),
        ('coalesce("", var.region)', "eu-west-3"),
        ('try(var.missing, "eu-north-1")', "eu-north-1"),
        ('upper(element(split("-", var.region), 0))', "EU"),
        ("length(var.zones) * 2 + 1", 5),
        ('merge({a = 1}, {b = 2})', {"a": 1, "b": 2}),
    ],
)
def test_known_values(expression: str, expected: Any) -> None:
    assert run(expression) == expected


def test_undefined_variable_is_unknown_and_named() -> None:
    value = run("var.dr_region")
    assert isinstance(value, Unknown)
    assert "var.dr_region" in value.reason


def test_unknown_propagates_through_templates() -> None:
    value = run('"${var.dr_region}-backup"')
    assert isinstance(value, Unknown)
    assert "var.dr_region" in value.reason


def test_conditional_on_unknown_gives_both_candidates() -> None:
    value = run('var.dr_region == "x" ? "eu-west-1" : "us-east-1"')
    assert isinstance(value, Unknown)
    assert value.candidates == ("eu-west-1", "us-east-1")


def test_unknown_function_is_unknown_not_guessed() -> None:
    value = run('file("region.txt")')
    assert isinstance(value, Unknown)
    assert "file()" in value.reason


def run_with_unknown_members(text: str) -> Any:
    later = Unknown("known after apply", frozenset({"aws_s3_bucket.a"}))
    roots = {"var": {"rules": {"logs": later, "backups": {"days": 7}}, "arns": ["x", later],
                     "whole": Unknown("var.whole has no value")}}
    return evaluate(parse_expression(text), Scope(lambda name: roots.get(name, MISSING)))


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("length(keys(var.rules)) > 0 ? 1 : 0", 1),
        ("length(var.arns)", 2),
        ("keys(var.rules)", ["backups", "logs"]),
        ("length(values(var.rules))", 2),
        ('keys(merge(var.rules, { extra = "z" }))', ["backups", "extra", "logs"]),
        ('length(concat(var.arns, ["y"]))', 3),
        ('contains(var.arns, "x")', True),
        ('lookup(var.rules, "backups", {}).days', 7),
        ("length([for arn in var.arns : arn])", 2),
        ("length(var.arns[*])", 2),
    ],
)
def test_shape_is_known_when_members_are_unknown(expression: str, expected: Any) -> None:
    assert run_with_unknown_members(expression) == expected


@pytest.mark.parametrize(
    "expression",
    ['contains(var.arns, "y")', "length(var.whole)", "keys(var.whole)",
     'lookup(var.rules, "logs", "none")', "merge(var.whole, {})", "values(var.rules)[1]"],
)
def test_what_depends_on_an_unknown_member_stays_unknown(expression: str) -> None:
    assert isinstance(run_with_unknown_members(expression), Unknown)
