"""Parser acceptance against `terraform fmt`: what Terraform's own parser accepts parses here,
and what it rejects is an error here too (skipped without terraform)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from sovlint.parsers.hcl import parse_hcl

TERRAFORM = shutil.which("terraform")

SNIPPETS = {
    "newline-before-attribute": 'locals {\n  a = (var.cluster\n    .location)\n}\n',
    "newline-before-attribute-in-list": 'locals {\n  a = [var.x\n    .y, 1]\n}\n',
    "newline-before-for-arrow": ('locals {\n  m = { for k, v in var.x :\n    k\n'
                                 '    => v }\n}\n'),
    "multiline-function-call": 'locals {\n  a = merge(\n    var.a,\n    var.b,\n  )\n}\n',
    "heredoc": 'locals {\n  a = <<-EOT\n    (x\n    .y)\n  EOT\n}\n',
    "unclosed-parenthesis": 'locals {\n  a = (var.a\n    .b\n}\n',
    "attribute-without-value": 'locals {\n  a =\n}\n',
    "newline-before-attribute-in-object": 'locals {\n  a = { b = var.x\n    .y }\n}\n',
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_accepts_what_terraform_accepts(name: str) -> None:
    if TERRAFORM is None:
        pytest.skip("terraform is not installed")
    text = SNIPPETS[name]
    terraform = subprocess.run([TERRAFORM, "fmt", "-"], input=text, capture_output=True,
                               text=True, timeout=60, check=False)
    _, error = parse_hcl(text, "main.tf")
    assert (terraform.returncode == 0) == (error is None), (terraform.stderr, error)
