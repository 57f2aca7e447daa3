"""Fuzzing of every reader: random text and mutations of the fixture files never crash.

Each reader gets random text and structure-aware mutations of the real fixture files
(characters inserted, deleted or duplicated, truncation, lines swapped, unusual Unicode,
deep nesting; for plans, JSON values replaced by random ones); HCL is read both by the fast
parser and by python-hcl2 alone. The property is SPEC §10's
"never crash on bad input": no exception escapes, and every problem is a ``ParseError`` naming
the file and a line of it (SOV000 in a report), while a whole ``scan()`` of a tree of such
files never raises.

The number of examples is kept small so that the module runs in seconds in CI, with a fixed
seed; ``SOVLINT_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz.py`` runs more, randomly seeded.
"""

from __future__ import annotations

import functools
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sovlint.config import Config
from sovlint.model import ParseError, ScanResult
from sovlint.parsers.hcl import parse_hcl, parse_hcl_attributes
from sovlint.parsers.tfjson import parse_tf_json
from sovlint.parsers.tfplan import is_plan_json, load_plan
from sovlint.parsers.tfvars import load_tfvars
from sovlint.parsers.yamldocs import kubernetes_objects, parse_json_document, parse_yaml_stream
from sovlint.scan import ScanOptions, default_engine, scan

LONG_RUN = int(os.environ.get("SOVLINT_FUZZ_EXAMPLES", "0") or 0)


def fuzz(examples: int) -> Callable[[Any], Any]:
    """Hypothesis settings: `examples` in CI (fixed seed), SOVLINT_FUZZ_EXAMPLES locally."""
    return settings(
        max_examples=LONG_RUN or examples,
        # Generous: a deadline only catches pathological slowness, never a loaded CI machine.
        deadline=None if LONG_RUN else 10_000,
        derandomize=not LONG_RUN,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.filter_too_much],
    )


def _fixtures(*suffixes: str) -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(FIXTURES.rglob("*"))
            if path.is_file() and path.name.endswith(suffixes)]


TF_FILES = _fixtures(".tf")
YAML_FILES = _fixtures(".yaml", ".yml")
PLAN_FILES = _fixtures(".plan.json")
TFVARS_FILES = [*_fixtures(".tfvars"), 'region = "eu-west-3"\ntags = { a = "b" }\n']

# Characters that tend to break readers: controls, a BOM, bidi overrides, line and paragraph
# separators, a lone surrogate (invalid in UTF-8), combining marks, astral-plane characters.
UNUSUAL = ["\x00", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\ufeff", "\u202e", "\u2028",
           "\u2029", "\ud800", "\u0301", "\U0001f600", "\uffff", "\r", "\t", "\\", "\\u"]

HCL_TOKENS = ['resource', 'data', 'module', 'provider', 'variable', 'locals', 'output',
              '"aws_s3_bucket"', '"b"', '{', '}', '[', ']', '(', ')', '=', '==', ':', '?',
              ',', '.', '...', '=>', '"', '${', '%{', '~}', '<<EOT\n', '<<-EOT\n', 'EOT\n',
              'for', 'in', 'if', 'var.x', 'local.y', 'each.key', 'count.index', '*', '#',
              '//', '/*', '*/', '\n', ' ', '1', '-1.5e3', 'true', 'null', 'region', 'x',
              '"eu-west-3"', 'lookup(', 'merge(', 'toset(', 'dynamic', 'content', '\\"',
              '!', '&&', '||', '%', '<', '>=']
YAML_TOKENS = ['apiVersion: v1\n', 'kind: Deployment\n', 'kind: List\n', 'items:\n',
               'metadata:\n', '  name: x\n', 'spec:\n', '- ', '  ', '---\n', '...\n', '&a ',
               '*a', '!!binary ', '!Ref ', '? ', ': ', '{', '}', '[', ']', ',', '"', "'",
               '|\n', '>-\n', '#', '\t', '\n', '%YAML 1.1\n', '%TAG ! tag:x,2000:\n', '<<: ',
               'null', '~', 'off', '0x1F', '1e3', '2001-12-14', '=', '@', '`']

_TEXT = st.text(max_size=400)
_PRINTABLE_SOUP = st.lists(st.sampled_from(
    list("{}[]()\"'=:,.$%#/*<>-+!?&|\\\n\t ab09") + UNUSUAL), max_size=300).map("".join)


def _tokens(tokens: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(tokens), max_size=80).map("".join)


@st.composite
def mutated(draw: st.DrawFn, sources: list[str], tokens: list[str] | None = None) -> str:
    """A fixture file changed by a few random edits."""
    text = draw(st.sampled_from(sources))
    for _ in range(draw(st.integers(1, 4))):
        size = len(text)
        at = draw(st.integers(0, size))
        end = draw(st.integers(at, min(size, at + 200)))
        kind = draw(st.sampled_from(["insert", "delete", "duplicate", "truncate", "swap",
                                     "unicode", "nest", "token", "repeat"]))
        if kind == "insert":
            text = text[:at] + draw(st.text(min_size=1, max_size=8)) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[end:]
        elif kind == "duplicate":
            text = text[:end] + text[at:end] + text[end:]
        elif kind == "truncate":
            text = text[:at]
        elif kind == "swap":
            lines = text.splitlines(keepends=True)
            if len(lines) > 1:
                i = draw(st.integers(0, len(lines) - 1))
                j = draw(st.integers(0, len(lines) - 1))
                lines[i], lines[j] = lines[j], lines[i]
                text = "".join(lines)
        elif kind == "unicode":
            text = text[:at] + draw(st.sampled_from(UNUSUAL)) + text[at:]
        elif kind == "nest":
            depth = draw(st.sampled_from([2, 50, 600, 3000]))
            opener, closer = draw(st.sampled_from([("[", "]"), ("{", "}"), ("(", ")"),
                                                   ('"${', '}"'), ("- ", "")]))
            text = text[:at] + opener * depth + text[at:end] + closer * depth + text[end:]
        elif kind == "token" and tokens:
            text = text[:at] + draw(st.sampled_from(tokens)) + text[at:]
        elif kind == "repeat":
            text = text[:end] + text[at:end] * draw(st.integers(2, 50)) + text[end:]
    return text


_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _lines(text: str) -> int:
    """Lines of the text, for any reader's idea of a line break (YAML counts five)."""
    return len(_BREAKS.findall(text)) + 1


def assert_error(error: ParseError | None, file: str, text: str) -> None:
    assert isinstance(error, ParseError), error
    assert error.file == file
    assert isinstance(error.line, int)
    assert 1 <= error.line <= _lines(text) + 1, (error, _lines(text))
    assert error.message


# --------------------------------------------------------------------------------- HCL


# The fast parser, then python-hcl2 alone (the reference, chosen by this variable).
PARSERS = [{}, {"SOVLINT_HCL_PARSER": "hcl2"}]


def check_hcl(text: str) -> None:
    for environ in PARSERS:
        saved = dict(os.environ)
        os.environ.update(environ)
        try:
            config, error = parse_hcl(text, "fuzz/main.tf")
            assert (config is None) != (error is None)
            if error is not None:
                assert_error(error, "fuzz/main.tf", text)
            body, error = parse_hcl_attributes(text, "fuzz/terraform.tfvars")
            assert (body is None) != (error is None)
            if error is not None:
                assert_error(error, "fuzz/terraform.tfvars", text)
        finally:
            os.environ.clear()
            os.environ.update(saved)


@fuzz(150)
@given(st.one_of(_TEXT, _PRINTABLE_SOUP, _tokens(HCL_TOKENS)))
def test_hcl_random_text(text: str) -> None:
    check_hcl(text)


@fuzz(150)
@given(mutated(TF_FILES, HCL_TOKENS))
def test_hcl_mutated_fixtures(text: str) -> None:
    check_hcl(text)


# -------------------------------------------------------------------------------- YAML


def check_yaml(text: str) -> None:
    for pure in (False, True):
        parsed = parse_yaml_stream(text, "fuzz/app.yaml", pure=pure)
        for error in parsed.errors:
            assert_error(error, "fuzz/app.yaml", text)
        for document in parsed.documents:
            assert 1 <= document.line <= document.end_line <= _lines(text) + 1
        kubernetes_objects(parsed)
    parsed = parse_json_document(text, "fuzz/app.json")
    for error in parsed.errors:
        assert_error(error, "fuzz/app.json", text)
    kubernetes_objects(parsed)


@fuzz(150)
@given(st.one_of(_TEXT, _PRINTABLE_SOUP, _tokens(YAML_TOKENS)))
def test_yaml_random_text(text: str) -> None:
    check_yaml(text)


@fuzz(150)
@given(mutated(YAML_FILES, YAML_TOKENS))
def test_yaml_mutated_fixtures(text: str) -> None:
    check_yaml(text)


# -------------------------------------------------------------------- plan and .tf.json

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
    | st.sampled_from(["aws_s3_bucket.b", "module.m", "var.region", "eu-west-3", "", "[0]"]),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["address", "type", "name", "values", "mode", "index",
                                       "provider_name", "expressions", "references",
                                       "constant_value", "module_calls", "child_modules",
                                       "resources", "root_module", "after_unknown",
                                       "provider_config", "region", "source"])
                      | st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@st.composite
def mutated_json(draw: st.DrawFn, sources: list[str]) -> str:
    """A fixture plan with a few of its values (at any depth) replaced, removed or retyped."""
    data = json.loads(draw(st.sampled_from(sources)))
    for _ in range(draw(st.integers(1, 6))):
        parent: Any = data
        # Walk down a random path, then act on the last container reached.
        for _ in range(draw(st.integers(0, 12))):
            keys = list(parent) if isinstance(parent, dict) else list(range(len(parent)))
            if not keys:
                break
            child = parent[draw(st.sampled_from(keys))]
            if not isinstance(child, (dict, list)):
                break
            parent = child
        keys = list(parent) if isinstance(parent, dict) else list(range(len(parent)))
        if not keys:
            continue
        key = draw(st.sampled_from(keys))
        action = draw(st.sampled_from(["replace", "delete", "retype"]))
        if action == "replace":
            parent[key] = draw(_JSON)
        elif action == "delete":
            del parent[key]
        else:
            value = parent[key]
            parent[key] = [value] if not isinstance(value, list) else {"0": value}
    return json.dumps(data, indent=draw(st.sampled_from([None, 2])))


def check_plan(text: str) -> None:
    is_plan_json(text)
    result = load_plan(text, "fuzz/plan.json")
    for error in result.errors:
        assert_error(error, "fuzz/plan.json", text)
    config, error = parse_tf_json(text, "fuzz/main.tf.json")
    assert (config is None) != (error is None)
    if error is not None:
        assert_error(error, "fuzz/main.tf.json", text)


@fuzz(100)
@given(st.one_of(_TEXT, _PRINTABLE_SOUP, _JSON.map(json.dumps)))
def test_plan_and_tf_json_random_text(text: str) -> None:
    check_plan(text)


@fuzz(100)
@given(st.one_of(mutated_json(PLAN_FILES), mutated(PLAN_FILES)))
def test_plan_mutated_fixtures(text: str) -> None:
    check_plan(text)


# ------------------------------------------------------------------------------ tfvars


def check_tfvars(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        for name in ("terraform.tfvars", "terraform.tfvars.json"):
            path = Path(directory) / name
            path.write_bytes(data)
            values, error = load_tfvars(path, f"fuzz/{name}")
            assert isinstance(values, dict)
            if error is not None:
                assert_error(error, f"fuzz/{name}", data.decode("utf-8", "replace"))


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


@fuzz(100)
@given(st.one_of(st.binary(max_size=200), _TEXT.map(_encoded),
                 mutated(TFVARS_FILES, HCL_TOKENS).map(_encoded),
                 _JSON.map(json.dumps).map(_encoded)))
def test_tfvars(data: bytes) -> None:
    check_tfvars(data)


# --------------------------------------------------------------------------- whole scan


@functools.lru_cache(maxsize=1)
def _engine(profile: str) -> Any:
    return default_engine(Config(profile=profile))


def check_scan(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        for name, data in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
        config = Config(profile="residency", base_dir=str(root))
        result = scan([str(root)], config, ScanOptions(jobs=1, environ={}),
                      engine=_engine("residency"))
    assert isinstance(result, ScanResult)
    names = set(files) | {str(Path(name).parent) for name in files}
    for error in result.errors:
        assert isinstance(error, ParseError)
        assert error.line >= 1, error
        assert error.file in names or any(error.file.startswith(n) for n in names), error


@fuzz(40)
@given(st.fixed_dictionaries({
    "main.tf": st.one_of(mutated(TF_FILES, HCL_TOKENS), _tokens(HCL_TOKENS)).map(_encoded),
    "terraform.tfvars": mutated(TFVARS_FILES, HCL_TOKENS).map(_encoded),
    "k8s/app.yaml": mutated(YAML_FILES, YAML_TOKENS).map(_encoded),
    "plan/plan.json": mutated_json(PLAN_FILES).map(_encoded),
    "mod/main.tf": st.sampled_from(TF_FILES).map(_encoded),
}))
def test_scan_never_raises(files: dict[str, bytes]) -> None:
    check_scan(files)


# ------------------------------------------------------------------- found by fuzzing


def test_regressions_found_by_fuzzing() -> None:
    # A .tf.json nested past the recursion limit raised RecursionError; a lone surrogate
    # (possible through the API, not from a decoded file) raised UnicodeEncodeError.
    check_plan('{"locals": ' + "[" * 100_000 + "]" * 100_000 + "}")
    check_plan('{"locals": {"x": ' + "[" * 600 + "]" * 600 + "}}")
    check_plan('{\n  "\ud800format_version": "1.2"\n}\n')
    check_tfvars(b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
