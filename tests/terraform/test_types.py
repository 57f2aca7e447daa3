"""Type constraints: conversions checked against `terraform console` (skipped without it),
and the loader applying them to defaults, caller values and `nullable = false`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sovlint.parsers.hcl import parse_expression
from sovlint.terraform.loader import TerraformLoader, evaluate_literal
from sovlint.terraform.types import TypeConversionError, convert, parse_type
from sovlint.terraform.values import Unknown

TERRAFORM = shutil.which("terraform")

# (id, type constraint, default value as HCL): every conversion `convert` implements.
CASES: list[tuple[str, str, str]] = [
    ("string-to-number", "number", '"1"'),
    ("string-to-float", "number", '"2.5"'),
    ("number-to-string", "string", "7"),
    ("float-to-string", "string", "2.5"),
    ("bool-to-string", "string", "true"),
    ("string-to-bool", "bool", '"false"'),
    ("list-of-numbers", "list(number)", '["1", 2]'),
    ("set-sorts-and-dedupes", "set(string)", '["b", "a", "b"]'),
    ("set-of-numbers", "set(number)", '[3, "1", 2]'),
    ("map-of-strings", "map(string)", "{ a = 1, b = true }"),
    ("tuple", "tuple([string, number, bool])", '[1, "2", "true"]'),
    ("object-drops-extra", "object({ name = string })", '{ name = 1, extra = "x" }'),
    ("optional-without-default", "object({ a = string, b = optional(string) })", '{ a = "x" }'),
    ("optional-default", 'object({ region = optional(string, "eu-west-3") })', "{}"),
    ("optional-default-for-null", 'object({ region = optional(string, "eu-west-3") })',
     "{ region = null }"),
    ("optional-nested", 'object({ net = optional(object({ zone = optional(string, "a"), '
     'size = optional(number, 2) }), {}) })', "{}"),
    ("optional-in-map-of-objects",
     'map(object({ location = optional(string, "westeurope"), tier = string }))',
     '{ one = { tier = "hot" }, two = { tier = "cool", location = "northeurope" } }'),
    ("optional-in-list-of-objects", "list(object({ count = optional(number, 1) }))",
     '[{}, { count = "3" }]'),
    ("any-keeps-the-value", "any", '{ a = [1, "x"] }'),
    ("null-default", "string", "null"),
    ("negative-number-to-string", "string", "-3"),
    ("exponent-string-to-number", "number", '"1e3"'),
    ("string-to-true", "bool", '"true"'),
    ("number-stays-number", "number", "42"),
    ("list-of-strings-from-mixed", "list(string)", "[1, true, \"x\"]"),
    ("list-keeps-null-members", "list(string)", '["a", null]'),
    ("set-of-strings-from-mixed", "set(string)", '[2, "10", true, "a"]'),
    ("map-of-numbers", "map(number)", '{ a = "1", b = 2.5 }'),
    ("map-of-lists", "map(list(string))", "{ a = [1], b = [] }"),
    ("list-of-lists", "list(list(number))", '[["1"], [2, "3"]]'),
    ("object-nested-tuple", "object({ t = tuple([number, string]) })", '{ t = ["1", 2] }'),
    ("object-null-attribute", "object({ a = string, b = number })", "{ a = null, b = null }"),
    ("map-of-any", "map(any)", '{ a = "x", b = "y" }'),
    ("list-of-any", "list(any)", '["x", "y"]'),
    ("object-with-any", "object({ a = any })", "{ a = [1, 2] }"),
    ("empty-list", "list(string)", "[]"),
    ("empty-map", "map(string)", "{}"),
    ("optional-bool-default", "object({ on = optional(bool, true) })", "{}"),
    ("optional-list-default", 'object({ l = optional(list(string), ["a"]) })', "{}"),
    ("optional-default-converted", 'object({ n = optional(number, "2") })', "{}"),
]


def _ours(type_text: str, value_text: str) -> Any:
    constraint = parse_type(parse_expression(type_text), evaluate_literal)
    return convert(evaluate_literal(parse_expression(value_text)), constraint)


@pytest.fixture(scope="module")
def terraform_values(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if TERRAFORM is None:
        pytest.skip("terraform is not installed")
    workdir = tmp_path_factory.mktemp("types")
    text = "".join(f'variable "c{i}" {{\n  type = {t}\n  default = {v}\n}}\n'
                   for i, (_, t, v) in enumerate(CASES))
    (workdir / "main.tf").write_text(text, encoding="utf-8")
    (workdir / "empty.tfrc").write_text("", encoding="utf-8")
    env = dict(os.environ, TF_CLI_CONFIG_FILE=str(workdir / "empty.tfrc"),
               CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", TF_INPUT="0")
    env.pop("TF_WORKSPACE", None)
    expression = "jsonencode({" + ", ".join(f"c{i} = var.c{i}" for i in range(len(CASES)))
    result = subprocess.run([TERRAFORM, "console", "-no-color"], input=expression + "})\n",
                            cwd=workdir, env=env, capture_output=True, text=True, timeout=120,
                            check=False)
    try:
        values = json.loads(json.loads(result.stdout.strip()))
    except ValueError:
        pytest.fail(f"terraform console failed:\n{result.stderr}\n{result.stdout}")
    return {CASES[int(key[1:])][0]: value for key, value in values.items()}


@pytest.mark.parametrize(("case_id", "type_text", "value_text"), CASES,
                         ids=[case[0] for case in CASES])
def test_conversion_agrees_with_terraform(case_id: str, type_text: str, value_text: str,
                                          terraform_values: dict[str, Any]) -> None:
    ours = _ours(type_text, value_text)
    assert json.loads(json.dumps(ours)) == terraform_values[case_id]


@pytest.mark.parametrize(("type_text", "value_text"), [
    ("number", '"eu-west-3"'), ("bool", '"yes"'), ("number", "true"),
    ("object({ a = string })", "{}"), ("list(string)", '{ a = "x" }'),
    ("tuple([string])", '["a", "b"]'), ("string", '["a"]'),
])
def test_values_terraform_refuses_are_errors(type_text: str, value_text: str) -> None:
    with pytest.raises(TypeConversionError):
        _ours(type_text, value_text)


def test_unknown_members_stay_unknown_and_the_rest_converts() -> None:
    constraint = parse_type(parse_expression(
        'object({ a = number, b = optional(string, "x"), c = string })'), evaluate_literal)
    later = Unknown("known after apply")
    assert convert({"a": "1", "c": later}, constraint) == {"a": 1, "b": "x", "c": later}


def _load(tmp_path: Path, files: dict[str, str]) -> dict[str, Any]:
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def parse(path: Path) -> Any:
        from sovlint.parsers.hcl import parse_hcl
        return parse_hcl(path.read_text(), path.name)

    loaded = TerraformLoader(tmp_path, tmp_path, parse, environ={}).load()
    return {r.address: r for r in loaded.resources}


MODULE = """
variable "settings" {
  type = object({
    location = optional(string, "francecentral")
    replicas = optional(number, 1)
  })
  default = {}
}
variable "label" {
  type     = string
  default  = "fallback"
  nullable = false
}
resource "azurerm_resource_group" "rg" {
  count    = var.settings.replicas
  name     = var.label
  location = var.settings.location
}
"""


def test_module_arguments_get_optional_defaults_and_conversions(tmp_path: Path) -> None:
    found = _load(tmp_path, {"mod/main.tf": MODULE, "main.tf": """
module "a" {
  source   = "./mod"
  settings = { replicas = "2" }
  label    = null
}
"""})
    groups = [found[f"module.a.azurerm_resource_group.rg[{i}]"] for i in range(2)]
    assert [g.attributes["location"] for g in groups] == ["francecentral"] * 2
    assert groups[0].attributes["name"] == "fallback"  # nullable = false: null takes the default
    assert "module.a.azurerm_resource_group.rg[2]" not in found


def test_a_value_the_type_refuses_is_unknown_with_the_reason(tmp_path: Path) -> None:
    found = _load(tmp_path, {"main.tf": """
variable "region" {
  type    = number
  default = "eu-west-3"
}
resource "aws_s3_bucket" "b" { bucket = var.region }
"""})
    bucket = found["aws_s3_bucket.b"].attributes["bucket"]
    assert isinstance(bucket, Unknown) and "a number is required" in bucket.reason
