"""Every evaluation budget, when exceeded, says "evaluation limit exceeded" followed by what
was exceeded, whatever reports it (a SOV000 error, a SOV004 unknown location, a policy error)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import run_cli

_BUCKET = 'resource "aws_s3_bucket" "b" {{\n  region = {region}\n}}\n'
_REGO = ("# METADATA\n# title: org\n# custom:\n#   id: ORG001\n#   severity: high\n"
         "package sovlint.rules.org\n\n")

# name -> (files, extra arguments, the detail that follows "evaluation limit exceeded: ")
CASES: dict[str, tuple[dict[str, str], tuple[str, ...], str]] = {
    "instances": ({"main.tf": 'resource "aws_s3_bucket" "b" {\n  count = 100000000\n}\n'},
                  (), "count = 100000000 is more than the 10000"),
    "for_each": ({"main.tf": 'resource "aws_s3_bucket" "b" {\n  for_each = {for k in flatten('
                             '[for a in range(200) : [for b in range(100) : "${a}-${b}"]]) : '
                             'k => k}\n}\n'},
                 (), "for_each has 20000 elements"),
    "string": ({"main.tf": _BUCKET.format(region='format("%1500000000s", "x")')},
               (), "width or precision in %1500000000s is more than 1000000"),
    "for elements": ({"main.tf": 'locals {\n  r = range(1000)\n  big = flatten([for a in '
                                 'local.r : [for b in local.r : [for c in local.r : a]]])\n}\n'
                                 + _BUCKET.format(region="local.big[0]")},
                     (), "for expressions over more than 200,000 elements"),
    "expression depth": ({"main.tf": "locals {\n  x = " + "[" * 300 + '"eu-west-3"'
                                     + "]" * 300 + "\n}\n"
                                     + _BUCKET.format(region="local.x" + "[0]" * 300)},
                         (), "expression nested too deeply"),
    "HCL depth": ({"main.tf": "locals {\n  x = " + "[" * 5000 + "1" + "]" * 5000 + "\n}\n"},
                  (), "nested too deeply"),
    "JSON depth": ({"main.tf.json": '{"locals": {"x": ' + "[" * 100_000 + "]" * 100_000
                                    + "}}"},
                   (), "JSON nested too deeply to be read"),
    "YAML depth": ({"deploy.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
                                   "data: " + "[" * 100_000 + "]" * 100_000 + "\n"},
                   (), "document nested too deeply to be read"),
    "YAML aliases": ({"deploy.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
                                     "data:\n  k: [" + ", ".join(
                                         ['&a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
                                         + [f"&a{i} [{', '.join([f'*a{i - 1}'] * 9)}]"
                                            for i in range(1, 9)]) + "]\n"},
                     (), "aliases expand to more than"),
    "file size": ({"main.tf": "# " + "x" * (4 * 1024 * 1024 + 10) + "\n"},
                  (), "file of 4194317 bytes is larger than the 4194304 bytes sovlint reads"),
    "root time": ({"main.tf": 'locals {\n  r = range(300)\n  n = flatten([for a in local.r : '
                              '[for b in local.r : "${a}-${b}"]])\n}\n'
                              + _BUCKET.format(region="local.n[0]")},
                  ("--root-timeout", "0.001"), "the root module . took more than 0.001 s"),
    "Rego recursion": ({"policy/org.rego": _REGO + "f(x) := y if {\n\ty := f(x + 1)\n}\n\n"
                        'deny contains {"rule_id": "ORG001", "message": "m"} if {\n'
                        "\tsome r in input.resources\n\tf(1) > r.line\n}\n",
                        "main.tf": _BUCKET.format(region='"eu-west-3"')},
                       ("--policy-dir", "policy"), "the Rego engine crashed"),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_every_exceeded_limit_says_evaluation_limit_exceeded(tmp_path: Path,
                                                              kind: str) -> None:
    files, arguments, detail = CASES[kind]
    (tmp_path / ".git").mkdir()
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")

    result = run_cli("scan", ".", "--no-cache", "--jobs", "1", "--format", "json",
                     "--profile", "residency", *arguments, cwd=tmp_path)

    assert result.exit_code in (1, 2), result.stdout + result.stderr
    if result.exit_code == 2:  # a policy error: one message, no report
        messages = [result.stderr]
    else:
        messages = [f["message"] for f in json.loads(result.stdout)["findings"]]
    assert any(f"evaluation limit exceeded: {detail}" in m for m in messages), messages
