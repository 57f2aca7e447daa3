"""Unknown propagation against `terraform console -plan` (skipped without terraform).

`terraform_data.u.id` is known only after apply, so in a plan it is unknown; the console prints
it as `(known after apply)`. The configuration uses only the built-in `terraform` provider:
no `init`, no download, no state. sovlint evaluates the same locals with an Unknown in place of
the id, and both results are rendered in the console's notation and compared."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sovlint.parsers.hcl import parse_expression
from sovlint.terraform.evaluator import MISSING, Scope, evaluate
from sovlint.terraform.values import LazyObject, Unknown

TERRAFORM = shutil.which("terraform")

LOCALS = {
    "m": '{ a = terraform_data.u.id, b = "k" }',
    "l": '[terraform_data.u.id, "b"]',
    "objs": '[{ name = "web", id = terraform_data.u.id }, { name = "db", id = "x" }]',
}

# (id, expression): each must come out with the same unknown members as in Terraform.
CASES: list[tuple[str, str]] = [
    ("lookup-default-for-missing-key", 'lookup(local.m, "zz", "d")'),
    ("lookup-default-for-unknown-member", 'lookup(local.m, "a", "d")'),
    ("lookup-known-member", 'lookup(local.m, "b", "d")'),
    ("splat-keeps-unknown-members", "local.l[*]"),
    ("splat-attribute", "local.objs[*].id"),
    ("splat-known-attribute", "local.objs[*].name"),
    ("for-over-unknown-member", "[for v in local.l : upper(v)]"),
    ("for-object-unknown-values", "{ for o in local.objs : o.name => o.id }"),
    ("for-filter-on-known", '[for o in local.objs : o.name if o.name != "db"]'),
    ("length-with-unknown-member", "length(local.l)"),
    ("keys-with-unknown-value", "keys(local.m)"),
    ("index-known-member", "local.l[1]"),
    ("index-unknown-member", "local.l[0]"),
]

UNKNOWN = "(known after apply)"


def _render(value: Any) -> str:
    """A value in the console's notation with the whitespace and commas removed."""
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, LazyObject):
        value = value.to_dict()
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (list, tuple)):
        return "[" + "".join(_render(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + "".join(f'"{k}"={_render(v)}' for k, v in sorted(value.items())) + "}"
    raise AssertionError(repr(value))


def _compact(text: str) -> str:
    kept = re.sub(r"\s+|,", "", text.replace(UNKNOWN, "\0"))
    return kept.replace("\0", UNKNOWN)


def _sovlint(expression: str) -> Any:
    scope_locals: dict[str, Any] = {}
    resources = {"terraform_data": {"u": {"id": Unknown("known after apply")}}}

    def root(name: str) -> Any:
        if name == "local":
            return scope_locals
        return resources.get(name, MISSING)

    for name, text in LOCALS.items():
        scope_locals[name] = evaluate(parse_expression(text), Scope(root))
    return evaluate(parse_expression(expression), Scope(root))


@pytest.fixture(scope="module")
def terraform_answers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    if TERRAFORM is None:
        pytest.skip("terraform is not installed")
    workdir: Path = tmp_path_factory.mktemp("unknowns")
    body = "".join(f"  {name} = {text}\n" for name, text in LOCALS.items())
    (workdir / "main.tf").write_text(
        'resource "terraform_data" "u" {\n  input = "x"\n}\nlocals {\n' + body + "}\n",
        encoding="utf-8")
    (workdir / "empty.tfrc").write_text("", encoding="utf-8")
    env = dict(os.environ, TF_CLI_CONFIG_FILE=str(workdir / "empty.tfrc"),
               CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", TF_INPUT="0")
    env.pop("TF_WORKSPACE", None)
    answers = {}
    for case_id, expression in CASES:
        result = subprocess.run([TERRAFORM, "console", "-plan", "-no-color"],
                                input=expression + "\n", cwd=workdir, env=env,
                                capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stderr
        answers[case_id] = _compact(result.stdout)
    assert not (workdir / ".terraform").exists(), "console must not initialise anything"
    assert not (workdir / "terraform.tfstate").exists()
    return answers


@pytest.mark.parametrize(("case_id", "expression"), CASES, ids=[c[0] for c in CASES])
def test_unknowns_propagate_like_terraform(case_id: str, expression: str,
                                           terraform_answers: dict[str, str]) -> None:
    assert _render(_sovlint(expression)) == terraform_answers[case_id], expression
