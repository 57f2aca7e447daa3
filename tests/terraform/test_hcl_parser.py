"""HCL parsing keeps every block's and attribute's lines; bad input is an error value."""

from __future__ import annotations

from sovlint.parsers.hcl import parse_hcl
from sovlint.terraform.syntax import GetAttr, Literal, Name, Template

CONFIG = """\
provider "aws" {
  region = "eu-west-3"
}

resource "aws_s3_bucket" "documents" {
  bucket = "patient-documents-${var.env}"

  tags = {
    data-classification = "health"
  }
}
"""


def test_blocks_keep_start_and_end_lines() -> None:
    parsed, error = parse_hcl(CONFIG, "main.tf")
    assert error is None and parsed is not None
    provider, bucket = parsed.blocks
    assert (provider.type, provider.labels, provider.line, provider.end_line) == (
        "provider", ("aws",), 1, 3)
    assert (bucket.labels, bucket.line, bucket.end_line) == (
        ("aws_s3_bucket", "documents"), 5, 11)


def test_attributes_keep_their_line_and_expression() -> None:
    parsed, _ = parse_hcl(CONFIG, "main.tf")
    assert parsed is not None
    bucket = parsed.blocks[1]
    attribute = bucket.body.attributes["bucket"]
    assert attribute.line == 6
    assert attribute.expr == Template(6, ("patient-documents-", GetAttr(6, Name(6, "var"), "env")))
    assert bucket.body.attributes["tags"].line == 8


def test_literal_region() -> None:
    parsed, _ = parse_hcl(CONFIG, "main.tf")
    assert parsed is not None
    assert parsed.blocks[0].body.attributes["region"].expr == Literal(2, "eu-west-3")


def test_nested_blocks_repeat() -> None:
    text = 'resource "x" "y" {\n  rule {\n    id = "a"\n  }\n  rule {\n    id = "b"\n  }\n}\n'
    parsed, _ = parse_hcl(text, "x.tf")
    assert parsed is not None
    rules = parsed.blocks[0].body.blocks_of("rule")
    assert [(r.line, r.end_line) for r in rules] == [(2, 4), (5, 7)]


def test_missing_value_is_an_error_with_its_line() -> None:
    parsed, error = parse_hcl('resource "a" "b" {\n  bucket =\n}\n', "broken.tf")
    assert parsed is None
    assert error is not None
    assert (error.file, error.line) == ("broken.tf", 2)


def test_unclosed_block_is_an_error_not_an_exception() -> None:
    parsed, error = parse_hcl('resource "a" "b" {\n  bucket = "x"\n', "broken.tf")
    assert parsed is None
    assert error is not None and "unclosed" in error.message


def test_crlf_and_no_trailing_newline_parse() -> None:
    parsed, error = parse_hcl('provider "aws" {\r\n  region = "eu-west-1"\r\n}', "crlf.tf")
    assert error is None and parsed is not None
    assert parsed.blocks[0].body.attributes["region"].expr == Literal(2, "eu-west-1")


def test_an_operator_after_a_line_break_is_the_bare_operator() -> None:
    from sovlint.parsers.hcl import parse_body_reference
    from sovlint.terraform.evaluator import Scope, evaluate

    text = 'locals {\n  n = (1\n    + 2)\n  same = ("a"\n    == "a")\n}\n'
    for parsed in (parse_hcl(text, "main.tf")[0], parse_body_reference(text, "main.tf")[0]):
        assert parsed is not None
        body = parsed.body if hasattr(parsed, "body") else parsed
        attributes = body.blocks[0].body.attributes
        ops = {name: attribute.expr for name, attribute in attributes.items()}
        assert ops["n"].op == "+" and ops["same"].op == "=="
        assert evaluate(ops["n"], Scope(lambda name: None)) == 3
        assert evaluate(ops["same"], Scope(lambda name: None)) is True


NEWLINE_FORMS = """\
resource "google_container_node_pool" "pool" {
  location = (var.cluster
    .location)
  labels = { for key, value in var.labels :
    key
    => value if value != null }
  note = "keeps (a\\n .b) in strings"
}

resource "google_container_cluster" "next" {
  name = "after"
}
"""


def test_newline_before_attribute_access_and_for_arrow_parse_as_terraform_reads_them() -> None:
    parsed, error = parse_hcl(NEWLINE_FORMS, "main.tf")
    assert error is None and parsed is not None
    pool, cluster = parsed.blocks
    location = pool.body.attributes["location"].expr
    assert location == GetAttr(2, GetAttr(2, Name(2, "var"), "cluster"), "location")
    assert set(pool.body.attributes) == {"location", "labels", "note"}
    # lines after the joined expressions keep their numbers
    assert pool.body.attributes["note"].line == 7
    assert (cluster.line, cluster.end_line) == (10, 12)


def test_joining_newlines_does_not_hide_a_real_syntax_error() -> None:
    parsed, error = parse_hcl('locals {\n  a = (var.a\n    .b\n}\n', "main.tf")
    assert parsed is None and error is not None and error.line >= 2


def test_newline_joining_leaves_strings_heredocs_and_blocks_alone() -> None:
    from sovlint.parsers.hcl_newlines import join_ignored_newlines

    assert join_ignored_newlines('a = "(x\\n .y)"\nb = <<EOT\n(x\n.y)\nEOT\n') is None
    assert join_ignored_newlines("a = {\n  b = 1\n}\n") is None
    assert join_ignored_newlines("a = [x\n  .y, 2]\nb = 1\n") == "a = [x .y, 2]\n\nb = 1\n"


def test_strings_nested_in_interpolations_thousands_deep_do_not_crash() -> None:
    # A string inside an interpolation inside a string..., 5,000 deep, in a file that needs the
    # line-break pre-pass: a parse or a clear parse error, never a RecursionError.
    text = 'x = (var.a\n  .b)\ny = ' + '"${' * 5000 + "1" + '}"' * 5000 + "\n"
    config, error = parse_hcl(text, "deep.tf")
    assert config is not None or error is not None
