"""Differential test: the tree-sitter HCL parser against python-hcl2, the reference.

Every HCL file of the repository's fixtures and a snippet for each construct of the grammar
(and for each quirk of the reference) must give records equal to python-hcl2's, lines
included, or be declined (then python-hcl2 reads it). `python -m sovlint.parsers.hcl_treesitter
--compare DIR` runs the same comparison over any directory.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from helpers import FIXTURES, REPO

from sovlint.parsers import hcl
from sovlint.parsers import hcl_treesitter as fast
from sovlint.terraform.syntax import BinaryOp, Conditional, Literal, Name

if not fast.available():
    pytest.skip("tree-sitter-hcl is not installed", allow_module_level=True)

SUFFIXES = (".tf", ".tfvars", ".hcl")
HCL_FILES = sorted(
    path for root in (FIXTURES, REPO / "tests") for path in root.rglob("*")
    if path.is_file() and path.name.endswith(SUFFIXES)
)

SNIPPETS = {
    'template_if': 'x = "a%{ if var.x }b%{ else }c%{ endif }d"\n',
    'template_for': 'x = "%{ for k, v in var.m }${k}=${v},%{ endfor }"\n',
    'template_strip': 'x = "%{~ if a ~}b%{~ endif ~}"\n',
    'nested_template': 'x = "a${"b${c}d"}e"\n',
    'nested_template_directive': 'x = "${"%{if a}b%{endif}"}"\n',
    'escapes': 'x = "$${a} %%{b} \\n\\t\\r\\"\\\\ \\u00e9 \\U0001F600 \\q $ % $$ %%"\n',
    'escapes_valid': 'x = "$${a} %%{b} \\n\\t\\r\\"\\\\ \\u00e9 \\U0001F600 $ % $$ %%"\n',
    'numbers_valid': (
        'a = 1\nb = 1.5\nd = 1.5e-3\ne = 0\nf = 007\ng = 12345678901234567890\nh = 1.0E+2\n'
    ),
    'escaped_only': 'x = "$${a}"\n',
    'unicode': 'x = "héllo wörld 日本 😀"\ny = "${"é"}ü"\n',
    'heredoc': 'x = <<EOF\nline one\n  line two\nEOF\n',
    'heredoc_trim': 'x = <<-EOT\n    a\n      b\n    c\n    EOT\n',
    'heredoc_template': 'x = <<EOF\nhello ${var.name}\n%{ if a }yes%{ endif }\nEOF\n',
    'heredoc_trim_template': (
        'x = <<-EOF\n    {\n      "a": "${var.b}",\n      "c": ${jsonencode(local.d)}\n '
        '   }\n  EOF\n'
    ),
    'heredoc_empty': 'x = <<EOF\nEOF\n',
    'heredoc_in_call': 'x = jsonencode(<<EOF\n{"a": 1}\nEOF\n)\n',
    'heredoc_then_attr': 'x = <<EOF\na\nEOF\ny = 1\n',
    'heredoc_crlf': 'x = <<EOF\r\na\r\nEOF\r\ny = 2\r\n',
    'heredoc_dotted_marker': 'x = <<END_OF.TEXT-1\na\nEND_OF.TEXT-1\n',
    'heredoc_multiline_interp': 'x = <<EOF\n${join(",",\n  var.a)}\nEOF\n',
    'heredoc_quote_interp': 'x = <<EOF\n${join(",", var.a)}\nEOF\n',
    'heredoc_unicode_template': 'x = <<EOF\né ${a} 😀\nEOF\n',
    'comments': (
        '# hash\n// slashes\n/* block\n   comment */\nx = 1 # trailing\ny = 2 // trailin'
        'g\nz = /* inline */ 3\n'
    ),
    'comment_inline_ok': 'x = [1, /* c */ 2]\n',
    'comment_in_block': 'resource "a" "b" {\n  # c\n  x = 1 /* d */\n  // e\n}\n',
    'legacy_splat': 'x = aws_instance.web.*.id\ny = a.*.b.c\n',
    'full_splat': 'x = aws_instance.web[*].id\ny = a[*].b[0].c\nz = a[*]\n',
    'splat_legacy_index': 'x = a.*.b.0\ny = a[*].0\n',
    'legacy_index': 'x = a.0.b\ny = a.0.1\n',
    'index': 'x = a["k"][0][var.i]\n',
    'numbers': (
        'a = 1\nb = 1.5\nc = 1e3\nd = 1.5e-3\ne = 0\nf = 007\ng = 12345678901234567890\n'
        'h = 1.0E+2\n'
    ),
    'hex': 'x = 0x1F\n',
    'bool_null': 'a = true\nb = false\nc = null\n',
    'operators': (
        'x = 1 + 2 * 3 - 4 / 5 % 6\ny = a == b && c != d || !e\nz = a < b || a <= b || a'
        ' > b || a >= b\n'
    ),
    'unary': 'x = -a\ny = !b\nz = -5\nw = - 5\nv = -a.b[0]\nu = -(1 + 2)\nt = 1 - -2\n',
    'double_unary': 'x = !!a\n',
    'minus_number_object': 'x = {a = 3 -5}\n',
    'minus_adjacent': 'x = a-1\ny = (a)-1\nz = 3-1\n',
    'precedence': 'x = a || b && c == d < e + f * g\ny = (a || b) && c\nz = a * (b + c)\n',
    'conditional': 'x = a ? b : c\ny = a == 1 ? "x" : "y"\n',
    'conditional_chain': (
        'x = a ? b : c ? d : e\ny = a ? b : c ? d : e ? f : g\nz = a ? b ? c : d : e\n'
    ),
    'conditional_multiline': 'x = (\n  var.a\n  ? 1\n  : 2\n)\ny = var.a == "x" ? (\n  1\n) : 2\n',
    'conditional_nl_before_q': 'x = a\n  ? b\n  : c\n',
    'multiline_binary': 'x = (a\n  + b)\ny = a +\n  b\nz = a\n  && b\n',
    'multiline_binary_tail': (
        'locals {\n  x = a + b\n\n  # c\n  y = 1\n  z = a && b\n}\nw = c || d\n'
    ),
    'binary_tail_eof': 'x = a + b',
    'binary_tail_eof_comment': 'x = a + b # c',
    'binary_tail_heredoc': 'x = "a" + <<EOF\nb\nEOF\ny = 1\n',
    'nl_before_minus': 'x = (a\n  - b)\n',
    'two_nl_before_op': 'x = (a\n\n  + b)\n',
    'comment_before_op': 'x = (a # c\n  + b)\n',
    'object_keys': (
        'x = {\n  a = 1\n  "b" = 2\n  (c) = 3\n  (var.d) = 4\n  "${e}" = 5\n  f: 6\n  g '
        '= 7,\n}\n'
    ),
    'object_keyword_keys': (
        'x = {\n  if = 1\n  in = 2\n  for_each = 3\n  true = 4\n  null = 5\n  else = 6\n'
        '  endif = 7\n  endfor = 8\n}\n'
    ),
    'object_keyword_key_expr': 'x = {\n  in.x = 1\n}\n',
    'object_no_commas': 'x = {a = 1 b = 2}\n',
    'object_trailing_comma': 'x = {a = 1, b = 2,}\ny = [1, 2,]\nz = f(1, 2,)\n',
    'empty_collections': 'x = {}\ny = []\nz = f()\n',
    'empty_blocks': 'a {}\nb "c" {\n}\nd e "f" {\n\n}\n',
    'block_labels': 'resource aws_s3_bucket "b" {\n  x = 1\n}\nmodule "m" {}\n"q" {}\n',
    'label_escapes': 'resource "a\\"b" "$${c}" {\n}\n',
    'label_interp': 'resource "a${b}" "c" {\n}\n',
    'keyword_attrs': (
        'r "x" {\n  for_each = 1\n  in = 2\n  if = 3\n  true = 4\n  null = 5\n  count = '
        '6\n  for = 7\n}\n'
    ),
    'keyword_blocks': 'in {\n}\nfor_each {}\ndynamic "x" {\n  for_each = a\n  content {}\n}\n',
    'keyword_names': (
        'x = in\ny = for_each\nz = a.for_each\nw = a.in\nv = a.true\nu = a.null\nt = if('
        '1)\n'
    ),
    'for_exprs': (
        'x = [for s in var.l : upper(s) if s != ""]\ny = {for k, v in var.m : k => v}\nz'
        ' = {for k, v in var.m : v => k... if k != "a"}\nw = [for i, v in l : i]\n'
    ),
    'for_multiline': (
        'x = [\n  for s in var.l :\n  upper(s)\n  if s != ""\n]\ny = {\n  for k, v in va'
        'r.m :\n  k => v\n}\n'
    ),
    'for_nl_before_arrow': 'x = {for k in m : k\n => 1}\n',
    'calls': (
        'x = f(a, b)\ny = f(a, b...)\nz = provider::aws::arn_parse("x")\nw = f(\n  a,\n '
        ' b,\n)\nv = f(a\n, b)\n'
    ),
    'call_expand_nl': 'x = f(a\n...)\n',
    'call_trailing_comma_nl': 'x = f(a\n,)\n',
    'call_name_nl': 'x = f\n(a)\n',
    'provider_function_spaces': 'x = provider :: aws :: f(1)\n',
    'multi_line_tuple': 'x = [\n  1,\n  2\n  ,3\n]\n',
    'attr_eq_newline': 'x =\n 1\n',
    'top_level_object': '{\n "a" = 1\n}\n',
    'crlf': 'provider "aws" {\r\n  region = "eu-west-1"\r\n  x = a +\r\n    b\r\n}\r\n',
    'no_trailing_newline': 'a {\n  b = 1\n}',
    'empty': '',
    'only_comments': '# a\n/* b */\n',
    'tabs': 'a {\n\tb\t=\t1\n}\n',
    'form_feed': 'a = 1\x0c\n',
    'bom': '\ufeffa = 1\n',
    'unicode_identifier': 'é = 1\n',
    'duplicate_attrs': 'a = 1\nb = 2\na = 3\n',
    'deep_traversal': 'x = module.a.b["c"].d[0].*.e\n',
    'paren_getattr_line': 'x = (\n  a\n).b\ny = (\n  a\n)[0]\nz = (\n a\n)[*].b.0\n',
    'interp_only': 'x = "${a}"\ny = "${a} "\n',
    'interp_strip': 'x = "${~ a ~}"\n',
    'interp_empty': 'x = "${}"\n',
    'interp_multiline': 'x = "${f(\n  a)}"\n',
    'interp_nl_end': 'x = "${a\n}"\n',
    'string_newline': 'x = "a\nb"\n',
    'backslash_dollar': 'x = "\\${a}"\n',
    'dollar_escape_unclosed': 'x = "$${a"\n',
    'percent_braces': 'x = "100%"\ny = "%%"\nz = "$"\n',
    'tfvars': 'region = "eu-west-3"\ntags = {\n  env = "prod"\n}\nlist = ["a", "b"]\n',
    'deeply_nested_tuple': 'x = [[[[[[1]]]]]]\n',
    'getattr_keyword_after_dot_newline': 'x = a.\nb\n',
    'splat_space': 'x = a[ * ].b\n',
    'number_getattr': 'x = 1.foo\n',
    'negative_float': 'x = -1.5\ny = -1e3\n',
    'not_operation': 'x = !(a && b)\n',
    'comparison_chain': 'x = a < b < c\n',
    'heredoc_interp_quote': 'x = <<-EOT\n  ${var.a == "x" ? "y" : "z"}\n  EOT\n',
    'heredoc_indent_marker_nontrim': 'x = <<EOF\n  a\n  EOF\n',
    'heredoc_marker_trailing_space': 'x = <<EOF\na\nEOF \nEOF\n',
    'block_label_newline': 'resource "a"\n"b" {\n}\n',
    'block_brace_newline': 'resource "a" "b"\n{\n}\n',
    'attr_after_block_same_line': 'a {} b = 1\n',
    'one_line_block': 'a { b = 1 }\n',
    'one_line_block_binary': 'a { b = 1 + 2 }\n',
    'object_multiline_binary_tail': 'x = {\n  a = b + c\n  d = 1\n}\n',
    'conditional_binary_tail': 'locals {\n  a = b ? c : d + e\n\n}\n',
    'object_value_colon_nl': 'x = {\n  a:\n  1\n}\n',
    'for_intro_nl': 'x = [for\n  k,\n  v in m : v]\n',
    'for_intro_nl2': 'x = [for k\n, v in m : v]\n',
    'template_if_nested': 'x = "%{ if a }%{ for x in y }${x}%{ endfor }%{ endif }"\n',
    'template_unbalanced': 'x = "%{ if a }b"\n',
    'template_for_keyvar': 'x = "%{ for a, b in c ~}${a}%{~ endfor }"\n',
    'directive_nl': 'x = "%{ if\n a }b%{ endif }"\n',
    'heredoc_directive_multiline': 'x = <<EOF\n%{ for a in b ~}\n${a}\n%{ endfor ~}\nEOF\n',
    'heredoc_in_tuple_comma': 'x = [<<EOF\na\nEOF\n, 2]\n',
    'heredoc_no_newline_after': 'x = f(<<EOF\na\nEOF)\n',
    'heredoc_at_eof': 'x = <<EOF\na\nEOF',
    'comment_between_label': 'resource /* c */ "a" {}\n',
    'comment_before_brace': 'resource "a" # c\n{}\n',
    'windows_comment': 'x = 1 # c\r\ny = 2\r\n',
    'lone_cr': 'x = 1\ry = 2\n',
    'index_nl': 'x = a\n[0]\n',
    'index_inner_nl': 'x = a[\n  0\n]\n',
    'getattr_true_false': 'x = a.false.null\n',
    'object_key_number': 'x = {1 = 2}\n',
    'object_key_call': 'x = {f(a) = 2}\n',
    'object_key_binary': 'x = {a + b = 2}\n',
    'op_without_spaces': 'x = a+b*c\ny = a==b\nz = !a\n',
    'grouping_multiline': 'x = {for k, v in m : k => v...\n}\n',
    'nested_blocks_lines': 'a "b" {\n  c {\n    d = 1\n  }\n  c {\n    d = <<EOF\nx\nEOF\n  }\n}\n',
    'attr_multiline_value_end': 'x = [\n  1,\n]\ny = f(\n  2\n)\nz = {\n}\n',
    'ellipsis_space': 'x = f(a ...)\n',
    'numeric_label': 'a 1 {}\n',
    'var_with_dash': 'x = my-var.some-attr\n',
    'unicode_comment': '# é 😀\nx = "y" // ü\n',
    'unicode_heredoc': 'x = <<EOF\né 😀\nEOF\n',
    'nul_char': 'x = "a\x00b"\n',
}

# Snippets the fast parser leaves to python-hcl2: syntax errors (python-hcl2 words them) and
# constructs tree-sitter-hcl does not accept or reads differently.
DECLINED = {
    'attr_eq_newline', 'backslash_dollar', 'block_label_newline', 'block_labels', 'bom',
    'call_expand_nl', 'call_name_nl', 'call_trailing_comma_nl', 'comment_between_label',
    'comments', 'directive_nl', 'dollar_escape_unclosed', 'double_unary', 'escapes',
    'for_intro_nl', 'for_intro_nl2', 'for_nl_before_arrow', 'form_feed',
    'getattr_keyword_after_dot_newline', 'heredoc_dotted_marker',
    'heredoc_marker_trailing_space', 'heredoc_no_newline_after', 'hex', 'index_nl',
    'interp_empty', 'interp_nl_end', 'interp_strip', 'label_interp', 'negative_float',
    'nl_before_minus', 'nul_char', 'numbers', 'numeric_label', 'object_keyword_key_expr',
    'object_value_colon_nl', 'provider_function_spaces', 'splat_space', 'template_unbalanced',
    'top_level_object', 'two_nl_before_op', 'unicode_identifier',
}


def _compare(text: str) -> bool:
    """Whether the fast parser converted `text`; fails when it differs from the reference."""
    converted = fast.parse_body(text)
    expected, error = hcl.parse_body_reference(text, "x.tf")
    if converted is None:
        return False
    assert error is None, f"python-hcl2 rejects what tree-sitter converted: {error}"
    assert converted == expected
    return True


@pytest.mark.parametrize("path", HCL_FILES, ids=lambda path: str(path.relative_to(REPO)))
def test_repository_files_parse_identically(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    converted = _compare(text)
    _, error = hcl.parse_body_reference(text, "x.tf")
    assert converted or error is not None, "a file python-hcl2 reads was declined"


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_snippet_parses_identically_or_is_declined(name: str) -> None:
    converted = _compare(SNIPPETS[name])
    assert converted == (name not in DECLINED)


def test_fixtures_are_found() -> None:
    assert len(HCL_FILES) > 20


def test_reference_quirks_are_reproduced() -> None:
    body = fast.parse_body("x = a\n  + b\ny = c ? d : e ? f : g\nz = -5\n")
    assert body is not None
    # python-hcl2's post-lexer glues the line break to the operator (both parsers keep the bare
    # operator), and its binary operation takes the line breaks after it (so the attribute
    # ends on the next one's line).
    assert body.attributes["x"].expr == BinaryOp(1, "+", Name(1, "a"), Name(2, "b"))
    assert body.attributes["x"].end_line == 3
    assert body.attributes["y"].expr == Conditional(
        3, Name(3, "c"), Name(3, "d"), Conditional(3, Name(3, "e"), Name(3, "f"), Name(3, "g")))
    assert body.attributes["z"].expr.op == "-"  # type: ignore[attr-defined]


def test_syntax_errors_keep_the_reference_message_and_line() -> None:
    text = 'resource "a" "b" {\n  bucket =\n}\n'
    parsed, error = hcl.parse_hcl(text, "broken.tf")
    expected = hcl.parse_body_reference(text, "broken.tf")[1]
    assert parsed is None and error == expected


def test_fast_parser_is_selected_and_the_variable_forces_the_reference(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = fast.parse_body

    def spy(text: str) -> object:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(fast, "parse_body", spy)
    parsed, _ = hcl.parse_hcl('a "b" {\n  c = 1\n}\n', "a.tf")
    assert parsed is not None and calls
    calls.clear()
    monkeypatch.setenv(hcl.PARSER_VARIABLE, "hcl2")
    forced, _ = hcl.parse_hcl('a "b" {\n  c = 1\n}\n', "a.tf")
    assert forced == parsed and not calls


def test_a_converter_failure_falls_back_to_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str) -> object:
        raise AssertionError("bug")

    monkeypatch.setattr(fast, "parse_body", broken)
    parsed, error = hcl.parse_hcl('a "b" {\n  c = 1\n}\n', "a.tf")
    assert error is None and parsed is not None
    assert parsed.blocks[0].body.attributes["c"].expr == Literal(2, 1)


def test_records_pickle_for_the_parse_cache() -> None:
    parsed, _ = hcl.parse_hcl(SNIPPETS["nested_blocks_lines"], "a.tf")
    assert parsed is not None
    assert pickle.loads(pickle.dumps(parsed)) == parsed


def test_compare_mode_over_a_directory(capsys: pytest.CaptureFixture[str]) -> None:
    assert fast.main(["--compare", str(FIXTURES)]) == 0
    assert " 0 different" in capsys.readouterr().out
