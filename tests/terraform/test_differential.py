"""Differential tests: the static evaluator against the real `terraform console`.

Every expression below is evaluated twice, by sovlint and by Terraform, with the same variables
and locals, and the two values must agree (same types, same order, same numbers). Terraform runs
once for the whole module: all expressions go into one `locals` object that `terraform console`
encodes as JSON. A configuration of only variables and locals needs no provider, no `init` and
no network. Without a `terraform` binary the differential tests are skipped.

Expressions sovlint deliberately leaves Unknown (functions it does not implement, values only
known at apply time) are checked to be Unknown, without Terraform.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from sovlint.parsers.hcl import parse_expression
from sovlint.terraform.evaluator import MISSING, Scope, evaluate
from sovlint.terraform.values import LazyObject, Unknown, contains_unknown

TERRAFORM = shutil.which("terraform")

VARIABLES: dict[str, Any] = {
    "region": "eu-west-3",
    "sites": {"paris": "eu-west-3", "dublin": "eu-west-1", "frankfurt": "eu-central-1"},
    "zones": ["a", "b", "c"],
    "enabled": True,
    "replicas": 3,
    "ratio": 2.5,
    "tags": {"env": "prod", "team": "data", "empty": ""},
    "servers": [
        {"name": "web", "region": "eu-west-1", "size": 2},
        {"name": "db", "region": "eu-west-3", "size": 4},
        {"name": "cache", "region": "eu-west-1", "size": 1},
    ],
    "nested": [["a", "b"], ["c"], []],
    "mixed": ["b", "a", "b", "c"],
    "numbers": [5, 3, 9, 1],
    "nothing": None,
}

LOCALS: dict[str, Any] = {
    "prefix": "health",
    "doc": '{"b": 2, "a": [1, "x", true], "c": {"d": null}}',
    "settings": {"network": {"cidr": "10.0.0.0/16", "subnets": ["10.0.1.0/24", "10.0.2.0/24"]}},
}

# (id, expression). Ids name the failing expression in pytest's output.
CASES: list[tuple[str, str]] = [
    # string templates
    ("template-two-refs", '"${local.prefix}-${var.region}"'),
    ("template-number-bool", '"n=${var.replicas} r=${var.ratio} b=${var.enabled}"'),
    ("template-single-interpolation-keeps-type", '"${var.replicas}"'),
    ("template-escaped-interpolation", '"literal $${var.region}"'),
    ("template-nested-call", '"${upper(local.prefix)}-${length(var.zones)}"'),
    ("heredoc", "<<EOT\nregion ${var.region}\nzones ${join(\",\", var.zones)}\nEOT\n"),
    ("heredoc-indented", "<<-EOT\n    a\n      b ${var.region}\n    EOT\n"),
    # conditionals, logic
    ("conditional-true", 'var.enabled ? var.region : "us-east-1"'),
    ("conditional-comparison", 'var.replicas > 2 ? "many" : "few"'),
    ("conditional-null", 'var.nothing == null ? "none" : "some"'),
    ("or-not", "!var.enabled || var.replicas == 3"),
    ("and-not-equal", "var.enabled && var.replicas != 3"),
    ("conditional-string-bool", '"true" ? 1 : 0'),
    ("conditional-string-false", '"false" ? "yes" : "no"'),
    ("and-string-bool", '"true" && var.enabled'),
    ("not-string-bool", '!"false"'),
    # arithmetic and comparison
    ("arith-precedence", "1 + 2 * 3 - 4 / 2"),
    ("arith-division", "7 / 2"),
    ("arith-modulo", "7 % 3"),
    ("arith-modulo-negative", "-7 % 3"),
    ("arith-modulo-fraction", "7.5 % 2"),
    ("arith-float", "var.ratio * 4"),
    ("arith-string-operand", '"5" + 1'),
    ("arith-unary-minus", "-var.replicas + 1"),
    ("compare-le", "var.ratio <= 2.5"),
    ("compare-int-float", "1 == 1.0"),
    ("compare-string-number", '"1" == 1'),
    ("compare-tuples", '[1, "a"] == [1, "a"]'),
    ("compare-objects", "{a = 1} == {a = 1}"),
    # index and attribute access
    ("index-map", 'var.sites["paris"]'),
    ("attr-map", "var.sites.dublin"),
    ("index-list", "var.zones[1]"),
    ("index-list-string-key", 'var.zones["2"]'),
    ("index-nested", "var.nested[0][1]"),
    ("attr-after-index", "var.servers[1].name"),
    ("attr-deep", "local.settings.network.subnets[1]"),
    # splat
    ("splat-attr", "var.servers[*].name"),
    ("splat-legacy", "var.servers.*.size"),
    ("splat-scalar", "var.region[*]"),
    ("splat-null", "var.nothing[*]"),
    ("splat-length", "length(var.servers[*].region)"),
    # for expressions
    ("for-list", "[for z in var.zones : upper(z)]"),
    ("for-list-index", '[for i, z in var.zones : "${i}:${z}"]'),
    ("for-map-invert", "{for k, v in var.sites : v => k}"),
    ("for-map-if", "{for s in var.servers : s.name => s.size if s.size > 1}"),
    ("for-grouping", "{for s in var.servers : s.region => s.name...}"),
    ("for-list-over-map-if", '[for k, v in var.tags : k if v != ""]'),
    ("for-list-if-number", "[for n in var.numbers : n * 2 if n > 2]"),
    ("for-over-set", "[for z in toset(var.mixed) : z]"),
    ("for-map-value-only", "[for v in var.sites : v]"),
    # format, formatlist
    ("format-pad", 'format("%s-%03d", var.region, 7)'),
    ("format-verbs", 'format("%v|%q|%t|%d%%", 1.5, "x", true, 50)'),
    ("format-float", 'format("%.2f", var.ratio)'),
    ("format-width", 'format("[%5s|%-5s]", "a", "b")'),
    ("format-bases", 'format("%x %X %o %b", 255, 255, 8, 5)'),
    ("format-v-collections", 'format("%v %v", var.zones, {b = 1, a = true})'),
    ("formatlist-scalar", 'formatlist("%s-%s", var.zones, "x")'),
    ("formatlist-two-lists", 'formatlist("%s=%s", keys(var.sites), values(var.sites))'),
    # strings
    ("join", 'join(",", var.zones)'),
    ("join-several", 'join("-", var.zones, ["d"])'),
    ("split", 'split(",", "a,b,,c")'),
    ("split-empty", 'split(",", "")'),
    ("lower-upper", 'lower("EU-West") == "eu-west" && upper("x") == "X"'),
    ("replace-plain", 'replace(var.region, "-", "_")'),
    ("replace-regex", 'replace(var.region, "/-(\\\\d)$/", "_$1")'),
    ("replace-regex-class", 'replace("abc-123-45", "/[0-9]+/", "N")'),
    ("replace-regex-named",
     'replace("eu-west", "/(?P<geo>[a-z]+)-(?P<dir>[a-z]+)/", "$${dir}.$${geo}")'),
    ("substr", 'substr(var.region, 0, 2)'),
    ("substr-negative-offset", 'substr(var.region, -1, 1)'),
    ("substr-to-end", 'substr(var.region, 3, -1)'),
    ("substr-past-end", 'substr("abc", 1, 10)'),
    ("trimprefix-suffix", 'trimsuffix(trimprefix("pre-mid-suf", "pre-"), "-suf")'),
    ("trimspace", 'trimspace("  x y \\n")'),
    ("startswith-endswith", '[startswith(var.region, "eu-"), endswith(var.region, "-1")]'),
    ("regex-groups", 'regex("^([a-z]+)-([a-z]+)", var.region)'),
    ("regex-plain", 'regex("[0-9]+", var.region)'),
    ("regex-named", 'regex("(?P<geo>[a-z]+)-(?P<dir>[a-z]+)", var.region)'),
    ("regexall", 'regexall("[a-z]+", var.region)'),
    ("regexall-groups", 'regexall("([a-z])([0-9])", "a1 b2")'),
    ("length-unicode", 'length("héllo")'),
    # coalesce, try, can, lookup
    ("coalesce-empty-string", 'coalesce("", var.region)'),
    ("coalesce-null", 'coalesce(var.nothing, "x")'),
    ("coalesce-mixed-types", 'coalesce(var.nothing, 5, "x")'),
    ("try-missing-attr", 'try(var.sites.rome, "none")'),
    ("try-present", 'try(var.sites.paris, "none")'),
    ("try-index", 'try(var.zones[5], "z")'),
    ("try-function-error", 'try(tonumber("x"), -1)'),
    ("can", '[can(var.sites.rome), can(regex("^eu-", var.region)), can(tonumber("12"))]'),
    ("lookup", 'lookup(var.sites, "dublin")'),
    ("lookup-default", 'lookup(var.sites, "rome", "eu-south-1")'),
    # collections
    ("merge", 'merge(var.tags, {env = "dev"})'),
    ("merge-override", "merge({a = 1}, {b = 2}, {a = 3})"),
    ("concat", 'concat(var.zones, ["d"], [])'),
    ("element", "element(var.zones, 1)"),
    ("element-wraps", "element(var.zones, 5)"),
    ("flatten", "flatten(var.nested)"),
    ("flatten-deep", "flatten([[1, [2, 3]], 4])"),
    ("keys-values", "[keys(var.sites), values(var.sites)]"),
    ("length", "[length(var.zones), length(var.sites), length(var.region)]"),
    ("contains", '[contains(var.zones, "b"), contains(var.numbers, 4)]'),
    ("distinct", "distinct(var.mixed)"),
    ("sort", "sort(var.mixed)"),
    ("sort-numeric-strings", 'sort(["b", "10", "9"])'),
    ("slice", "slice(var.zones, 1, 3)"),
    ("range-one", "range(3)"),
    ("range-two", "range(1, 4)"),
    ("range-step", "range(0, 10, 3)"),
    ("range-descending", "range(5, 1)"),
    ("range-fraction", "range(0, 1, 0.25)"),
    ("compact", 'compact(["a", "", "b"])'),
    ("one", '[one(["x"]), one([])]'),
    ("zipmap", "zipmap(var.zones, [1, 2, 3])"),
    ("setunion", 'setunion(["b", "a"], ["c", "a"])'),
    ("setintersection", 'setintersection(["b", "a", "c"], ["c", "a", "d"])'),
    ("setsubtract", 'setsubtract(["b", "a", "c"], ["a"])'),
    ("alltrue-anytrue", "[alltrue([true, var.enabled]), anytrue([false]), alltrue([])]"),
    # type conversions
    ("tostring", "[tostring(5), tostring(true), tostring(2.5), tostring(null)]"),
    ("tonumber", '[tonumber("42"), tonumber("2.5"), tonumber(7)]'),
    ("tobool", '[tobool("true"), tobool(false)]'),
    ("tomap-mixed", 'tomap({a = 1, b = "x"})'),
    ("tolist-of-set", 'tolist(toset(["b", "a"]))'),
    ("toset-strings", 'toset(["b", "a", "b"])'),
    ("toset-numbers", "toset([3, 1, 10, 2])"),
    ("toset-mixed", 'toset(["b", 1, "a", 10, 2])'),
    # numbers
    ("min-max", "[min(3, 1, 2), max(var.numbers...), min(2.5, 3)]"),
    ("abs-ceil-floor", "[abs(-3.5), ceil(1.2), floor(-1.2), ceil(5)]"),
    ("sum", "[sum(var.numbers), sum([1.5, 2.5])]"),
    # JSON
    ("jsonencode-object", 'jsonencode({b = 1, a = [true, null, "x"]})'),
    ("jsonencode-var", "jsonencode(var.servers[0])"),
    ("jsonencode-numbers", "jsonencode([1.5, 3, 2.0, var.ratio * 2])"),
    ("jsonencode-html", 'jsonencode("<b>&</b>")'),
    ("jsondecode", "jsondecode(local.doc)"),
    ("jsondecode-roundtrip", "jsondecode(jsonencode(var.sites))"),
    # patterns common in real modules
    ("conditional-mixed-types", 'var.enabled ? 1 : "x"'),
    ("conditional-null-fallback", 'var.nothing != null ? var.nothing : "default"'),
    ("object-paren-key", "{(var.region) = 1, \"${local.prefix}-x\" = 2}"),
    ("merge-expanded-for", "merge([for s in var.servers : {(s.name) = s.size}]...)"),
    ("flatten-nested-for",
     'flatten([for s in var.servers : [for z in var.zones : "${s.name}-${z}"]])'),
    ("for-map-index-value", "{for i, s in var.servers : s.name => i}"),
    ("index-after-for", "[for s in var.servers : s.name][1]"),
    ("index-after-call", 'split("-", var.region)[2]'),
    ("index-map-chain", 'local.settings["network"]["cidr"]'),
    ("values-of-for", "values({for s in var.servers : s.name => s.region})"),
    ("distinct-of-for", "distinct([for s in var.servers : s.region])"),
    ("try-splat-missing", "try(var.servers[*].missing, [])"),
    ("try-null-result", "try(local.settings.network.missing, null)"),
    ("try-regex-no-match", 'try(regex("^us-", var.region), "no")'),
    ("try-map-fallback", 'try(var.sites["rome"], var.sites["paris"])'),
    ("can-index-null", "[can(var.zones[5]), can(var.nothing.x)]"),
    ("lookup-empty-value", 'lookup(var.tags, "empty", "x")'),
    ("lookup-object", 'lookup(var.servers[0], "size", 0)'),
    ("coalesce-chain", 'coalesce(var.tags.empty, var.nothing, "z")'),
    ("merge-null", "merge(var.tags, var.nothing)"),
    ("range-negative-limit", "range(-3)"),
    ("slice-empty", "slice(var.zones, 0, 0)"),
    ("substr-zero-length", "substr(var.region, 2, 0)"),
    ("join-empty", 'join(",", [])'),
    ("format-s-non-strings", 'format("%s|%s|%5.1f", true, 3, 3.14159)'),
    ("tolist-mixed", 'tolist(["a", 1, true])'),
    ("set-functions-on-vars", "[length(toset(var.mixed)), contains(toset(var.zones), \"a\")]"),
    ("index-reverse", '[index(var.zones, "b"), reverse(var.zones)]'),
    ("trim-chomp-strrev", '[trim("?!hi?!", "!?"), chomp("x\\n\\n"), strrev("abc")]'),
    ("strcontains-coalescelist", '[strcontains("hello", "ell"), coalescelist([], ["a"])]'),
    ("jsonencode-unicode", 'jsonencode("héllo")'),
    ("jsonencode-nested", "jsonencode({z = {b = [1, 2], a = null}, a = var.enabled})"),
]

# Expressions Terraform rejects. Both sides are asked for `can(expression)`, which must be false;
# sovlint's own value must be an Unknown, never a value Terraform would not produce.
ERROR_CASES: list[tuple[str, str]] = [
    ("element-negative", "element(var.zones, -1)"),
    ("element-empty", "element([], 0)"),
    ("index-out-of-range", "var.zones[5]"),
    ("index-negative", "var.zones[-1]"),
    ("lookup-no-default", 'lookup(var.sites, "rome")'),
    ("attr-of-null", "var.nothing.x"),
    ("tobool-bad", 'tobool("yes")'),
    ("tonumber-bad", 'tonumber("x")'),
    ("one-of-two", 'one(["a", "b"])'),
    ("regex-no-match", 'regex("^us-", var.region)'),
    ("add-string", '"a" + 1'),
    ("format-d-string", 'format("%d", "x")'),
    ("format-missing-arg", 'format("%s-%s", "x")'),
    ("range-zero-step", "range(0, 10, 0)"),
    ("zipmap-lengths", 'zipmap(["a"], [1, 2])'),
    ("coalesce-nothing", 'coalesce(var.nothing, "")'),
    ("jsondecode-bad", 'jsondecode("{bad")'),
    ("keys-of-list", "keys(var.zones)"),
    ("for-duplicate-key", "{for s in var.servers : s.region => s.name}"),
    ("substr-of-list", "substr(var.zones, 0, 1)"),
    ("not-a-bool-condition", 'var.region ? "a" : "b"'),
    ("template-null", '"x-${var.nothing}"'),
    ("template-list", '"x-${var.zones}"'),
]

# Rejections sovlint once missed (checked without Terraform too).
PINNED_REJECTED = {"element-negative", "add-string", "for-duplicate-key", "not-a-bool-condition",
                   "template-null", "template-list"}

# Disagreements not worth fixing: id -> reason.
XFAIL: dict[str, str] = {
    "conditional-mixed-types": "sovlint evaluates only the chosen branch, so it keeps that"
    " branch's type where Terraform unifies both (1 becomes \"1\" beside a string)",
}

# Terraform's answers for cases sovlint once got wrong, so that machines without Terraform
# still check them (the differential test keeps these answers honest).
PINNED: dict[str, Any] = {
    "format-v-collections": '["a","b","c"] {"a":true,"b":1}',
    "coalesce-mixed-types": "5",
    "tomap-mixed": {"a": "1", "b": "x"},
    "tolist-mixed": ["a", "1", "true"],
    "toset-numbers": [1, 2, 3, 10],
    "toset-mixed": ["1", "10", "2", "a", "b"],
    "range-negative-limit": [0, -1, -2],
    "jsonencode-numbers": "[1.5,3,2,5]",
    "jsonencode-html": '"\\u003cb\\u003e\\u0026\\u003c/b\\u003e"',
    "jsonencode-unicode": '"héllo"',
}

# Expressions sovlint deliberately leaves Unknown: not implemented, or known only at apply.
UNKNOWN_CASES: list[str] = [
    'file("${path.module}/policy.json")',
    "timestamp()",
    "uuid()",
    '"${timestamp()}-backup"',
    'upper(uuid())',
    'templatefile("tpl.json", {region = var.region})',
    'fileexists("x.txt") ? "a" : "b"',
    'md5(var.region)',
    'base64encode("x")',
    '"%{ if var.enabled }on%{ else }off%{ endif }"',
    '"%{ for z in var.zones }${z},%{ endfor }"',
    'lookup(var.sites, timestamp())',
    "7 / 0",  # Terraform gives infinity, which no attribute can use
    '[for z in var.zones : "${z}-${uuid()}"]',
]


def _hcl(value: Any) -> str:
    """A plain value written as an HCL literal (HCL accepts JSON's syntax for these)."""
    text = json.dumps(value)
    assert "${" not in text and "%{" not in text
    return text


def _root(name: str) -> Any:
    return {"var": VARIABLES, "local": LOCALS}.get(name, MISSING)


def sovlint_value(expression: str) -> Any:
    return evaluate(parse_expression(expression), Scope(_root))


def canonical(value: Any) -> Any:
    """A comparable form that keeps Terraform's types apart (1 is not true, "1" is not 1)."""
    if isinstance(value, Unknown):
        return ("unknown", value.reason)
    if isinstance(value, LazyObject):
        return canonical(value.to_dict())
    if value is None:
        return ("null",)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, (list, tuple)):
        return ("list", tuple(canonical(item) for item in value))
    if isinstance(value, dict):
        return ("map", tuple(sorted((str(k), canonical(v)) for k, v in value.items())))
    return ("python", repr(value))


def _configuration() -> str:
    lines = [f'variable "{name}" {{\n  default = {_hcl(value)}\n}}' for name, value in
             VARIABLES.items()]
    lines.append("locals {")
    lines.extend(f"  {name} = {_hcl(value)}" for name, value in LOCALS.items())
    lines.append("  differential = {")
    lines.extend(f"    c{index} = {expression}" for index, (_, expression) in enumerate(CASES))
    lines.append("  }")
    lines.append("  rejected = {")
    lines.extend(f"    c{index} = can({expression})"
                 for index, (_, expression) in enumerate(ERROR_CASES))
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def terraform_values(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Terraform's value of every case, from one `terraform console` run."""
    if TERRAFORM is None:
        pytest.skip("terraform is not installed")
    workdir = tmp_path_factory.mktemp("differential")
    (workdir / "main.tf").write_text(_configuration(), encoding="utf-8")
    cli_config = workdir / "empty.tfrc"
    cli_config.write_text("", encoding="utf-8")
    env = dict(os.environ)
    env.update(TF_CLI_CONFIG_FILE=str(cli_config), CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1",
               TF_INPUT="0")
    env.pop("TF_DATA_DIR", None)
    env.pop("TF_WORKSPACE", None)
    result = subprocess.run(
        [TERRAFORM, "console", "-no-color"],
        input="jsonencode({values = local.differential, rejected = local.rejected})\n",
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # The console prints the JSON text as a quoted string; an error still exits 0 at times.
    try:
        values = json.loads(json.loads(result.stdout.strip()))
    except ValueError:
        pytest.fail(f"terraform console failed:\n{result.stderr}\n{result.stdout}")
    assert not (workdir / ".terraform").exists(), "console must not initialise anything"
    results = {CASES[int(key[1:])][0]: value for key, value in values["values"].items()}
    results.update({ERROR_CASES[int(key[1:])][0]: value
                    for key, value in values["rejected"].items()})
    yield results


def _params() -> list[Any]:
    params = []
    for case_id, expression in CASES:
        marks = []
        if case_id in XFAIL:
            marks.append(pytest.mark.xfail(strict=True, reason=XFAIL[case_id]))
        params.append(pytest.param(case_id, expression, id=case_id, marks=marks))
    return params


@pytest.mark.skipif(TERRAFORM is None, reason="terraform is not installed")
@pytest.mark.parametrize(("case_id", "expression"), _params())
def test_agrees_with_terraform(case_id: str, expression: str,
                               terraform_values: dict[str, Any]) -> None:
    expected = terraform_values[case_id]
    if case_id in PINNED:
        assert canonical(PINNED[case_id]) == canonical(expected), "stale pinned answer"
    actual = sovlint_value(expression)
    assert canonical(actual) == canonical(expected), (
        f"{expression}\n  terraform: {expected!r}\n  sovlint:   {actual!r}")


@pytest.mark.skipif(TERRAFORM is None, reason="terraform is not installed")
@pytest.mark.parametrize(("case_id", "expression"),
                         [pytest.param(*case, id=case[0]) for case in ERROR_CASES])
def test_rejected_like_terraform(case_id: str, expression: str,
                                 terraform_values: dict[str, Any]) -> None:
    assert terraform_values[case_id] is False, f"terraform accepts {expression}"
    assert sovlint_value(f"can({expression})") is False
    value = sovlint_value(expression)
    assert contains_unknown(value) is not None, f"{expression}: sovlint gives {value!r}"


@pytest.mark.parametrize(("case_id", "expected"), PINNED.items(), ids=list(PINNED))
def test_pinned_answers(case_id: str, expected: Any) -> None:
    expression = dict(CASES)[case_id]
    assert canonical(sovlint_value(expression)) == canonical(expected), expression


@pytest.mark.parametrize(("case_id", "expression"),
                         [case for case in ERROR_CASES if case[0] in PINNED_REJECTED])
def test_pinned_rejections(case_id: str, expression: str) -> None:
    assert sovlint_value(f"can({expression})") is False
    assert contains_unknown(sovlint_value(expression)) is not None


def test_case_ids_are_unique() -> None:
    ids = [case_id for case_id, _ in CASES + ERROR_CASES]
    assert len(ids) == len(set(ids))
    assert set(XFAIL) | set(PINNED) <= set(ids)
    assert {case_id for case_id, _ in ERROR_CASES} >= PINNED_REJECTED


@pytest.mark.parametrize("expression", UNKNOWN_CASES)
def test_not_evaluated_statically_is_unknown(expression: str) -> None:
    # A tuple of unknown elements is fine too: what matters is that nothing is guessed.
    assert contains_unknown(sovlint_value(expression)) is not None
