"""Coverage-guided fuzzing of sovlint's readers with atheris (optional, long-running, not CI).

    pip install atheris
    python bench/fuzz_atheris.py hcl -max_total_time=600
    python bench/fuzz_atheris.py yaml bench/out/fuzz-yaml -max_total_time=3600 -jobs=2

Targets: hcl (`.tf` and `.tfvars` syntax), yaml (manifest streams, both parsers), json
(JSON manifests), plan (`terraform show -json` output), tfjson (`.tf.json`), tfvars (variable
files, HCL and JSON). The first argument names the target; the rest go to libFuzzer (a corpus
directory, `-max_total_time=`, `-jobs=`, ...). Without a corpus directory, one is made under
bench/out/ (git-ignored) and seeded with the fixture files of the target's kind.

The property is the one of tests/test_fuzz.py: no exception escapes, and every problem is a
`ParseError` naming the file and a line of it. libFuzzer stops at the first failure and writes
the input to `crash-*`; reproduce it with `python bench/fuzz_atheris.py TARGET crash-FILE`.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["sovlint"]):
    from sovlint.model import ParseError
    from sovlint.parsers.hcl import parse_hcl, parse_hcl_attributes
    from sovlint.parsers.tfjson import parse_tf_json
    from sovlint.parsers.tfplan import is_plan_json, load_plan
    from sovlint.parsers.tfvars import load_tfvars
    from sovlint.parsers.yamldocs import (
        kubernetes_objects,
        parse_json_document,
        parse_yaml_stream,
    )

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures"
BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
SCRATCH = Path(tempfile.mkdtemp(prefix="sovlint-fuzz-"))


def check(error: ParseError | None, file: str, text: str) -> None:
    if error is None:
        return
    lines = len(BREAKS.findall(text)) + 1
    if not (isinstance(error, ParseError) and error.file == file
            and 1 <= error.line <= lines + 1 and error.message):
        raise AssertionError(f"bad error for {file}: {error!r} ({lines} lines)")


def fuzz_hcl(text: str) -> None:
    config, error = parse_hcl(text, "f.tf")
    assert (config is None) != (error is None)
    check(error, "f.tf", text)
    body, error = parse_hcl_attributes(text, "f.tfvars")
    assert (body is None) != (error is None)
    check(error, "f.tfvars", text)


def fuzz_yaml(text: str) -> None:
    for pure in (False, True):
        parsed = parse_yaml_stream(text, "f.yaml", pure=pure)
        for error in parsed.errors:
            check(error, "f.yaml", text)
        kubernetes_objects(parsed)


def fuzz_json(text: str) -> None:
    parsed = parse_json_document(text, "f.json")
    for error in parsed.errors:
        check(error, "f.json", text)
    kubernetes_objects(parsed)


def fuzz_plan(text: str) -> None:
    is_plan_json(text)
    for error in load_plan(text, "plan.json").errors:
        check(error, "plan.json", text)


def fuzz_tfjson(text: str) -> None:
    config, error = parse_tf_json(text, "f.tf.json")
    assert (config is None) != (error is None)
    check(error, "f.tf.json", text)


def fuzz_tfvars_bytes(data: bytes) -> None:
    for name in ("terraform.tfvars", "terraform.tfvars.json"):
        path = SCRATCH / name
        path.write_bytes(data)
        values, error = load_tfvars(path, name)
        assert isinstance(values, dict)
        check(error, name, data.decode("utf-8", "replace"))


TARGETS: dict[str, tuple[Callable[[str], None] | None, tuple[str, ...]]] = {
    "hcl": (fuzz_hcl, (".tf", ".tfvars")),
    "yaml": (fuzz_yaml, (".yaml", ".yml")),
    "json": (fuzz_json, (".json",)),
    "plan": (fuzz_plan, (".plan.json",)),
    "tfjson": (fuzz_tfjson, (".json",)),
    "tfvars": (None, (".tfvars",)),
}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        raise SystemExit(f"usage: {sys.argv[0]} {{{','.join(TARGETS)}}} [libFuzzer options]")
    name = sys.argv[1]
    function, suffixes = TARGETS[name]
    args = [sys.argv[0], *sys.argv[2:]]
    if not any(not a.startswith("-") for a in args[1:]):
        corpus = HERE / "out" / f"fuzz-{name}"
        corpus.mkdir(parents=True, exist_ok=True)
        for index, path in enumerate(sorted(FIXTURES.rglob("*"))):
            if path.is_file() and path.name.endswith(suffixes):
                (corpus / f"seed-{index:03d}").write_bytes(path.read_bytes())
        args.insert(1, str(corpus))

    def one_input(data: bytes) -> None:
        if function is None:
            fuzz_tfvars_bytes(data)
            return
        # Decoded as sovlint decodes files, so that the seeds stay meaningful.
        function(data.decode("utf-8", "replace"))

    atheris.Setup(args, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
