"""Custom Rego policies are evaluated in a watchdog process: a policy that crashes the engine
or evaluates without end is a clear error naming its file, never a segmentation fault."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sovlint.engine import PolicyError
from sovlint.engine.rego import RegoEngine
from sovlint.engine.regoworker import Limits, limits_from_environment
from sovlint.resources import builtin_policies_dir

_HEADER = """# METADATA
# title: {name}
# custom:
#   id: ORG{number}
#   severity: high
package sovlint.rules.{name}

"""

INPUT = {"resources": [{"address": "aws_s3_bucket.b", "line": 1}], "errors": [],
         "config": {"profile": "sovereign", "allowed_countries": [], "allowed_providers": [],
                    "allowed_registries": []}}


_RECURSION = """f(x) := y if {
	y := f(x + 1)
}

deny contains {"rule_id": "ORG001", "message": "m"} if {
	some r in input.resources
	f(1) > r.line
}
"""


def _policy(tmp_path: Path, name: str, number: str, body: str) -> Path:
    directory = tmp_path / name
    directory.mkdir()
    (directory / f"{name}.rego").write_text(_HEADER.format(name=name, number=number) + body,
                                            encoding="utf-8")
    return directory


def test_a_self_recursive_function_is_an_error_not_a_crash(tmp_path: Path) -> None:
    directory = _policy(tmp_path, "recursion", "001", _RECURSION)
    engine = RegoEngine([builtin_policies_dir(), directory])

    with pytest.raises(PolicyError, match=r"recursion\.rego \(data\.sovlint\.rules\.recursion\):"
                       r" evaluation limit exceeded: the Rego engine crashed"):
        engine.evaluate(INPUT)


def test_a_huge_comprehension_is_stopped_by_the_memory_limit(tmp_path: Path) -> None:
    directory = _policy(tmp_path, "comprehension", "002", """deny contains {
	"rule_id": "ORG002", "message": "m",
} if {
	some r in input.resources
	big := [x | some x in numbers.range(1, 100000000)]
	count(big) > r.line
}
""")
    engine = RegoEngine([builtin_policies_dir(), directory],
                        limits=Limits(timeout=60, memory=512 * 1024 ** 2))

    with pytest.raises(PolicyError, match=r"comprehension\.rego .*evaluation limit exceeded"):
        engine.evaluate(INPUT)


def test_an_endless_evaluation_is_stopped_by_the_deadline(tmp_path: Path) -> None:
    directory = _policy(tmp_path, "slow", "003", """deny contains {
	"rule_id": "ORG003", "message": "m",
} if {
	some r in input.resources
	n := count([1 |
		some x in numbers.range(1, 20000)
		some y in numbers.range(1, 20000)
		x == y + 100000
	])
	n > r.line
}
""")
    engine = RegoEngine([builtin_policies_dir(), directory],
                        limits=Limits(timeout=1, memory=1024 ** 3))

    with pytest.raises(PolicyError, match=r"slow\.rego .*evaluation limit exceeded: the Rego "
                       r"evaluation did not finish within 1 s"):
        engine.evaluate(INPUT)


def test_a_well_behaved_custom_policy_gives_the_same_denies_as_in_process(
        tmp_path: Path) -> None:
    directory = _policy(tmp_path, "every_bucket", "004", """deny contains {
	"rule_id": "ORG004", "message": "bucket", "resource": r.address,
} if {
	some r in input.resources
}
""")
    engine = RegoEngine([builtin_policies_dir(), directory])

    denies = engine.evaluate(INPUT)

    assert engine.bounded
    assert [(d.rule_id, d.resource) for d in denies] == [("ORG004", "aws_s3_bucket.b")]
    assert not RegoEngine([builtin_policies_dir()]).bounded



def test_one_process_checks_and_evaluates_and_gets_no_secret(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOVLINT_OPA_TOKEN", "s3cr3t-token")
    monkeypatch.setenv("TF_VAR_password", "s3cr3t-variable")
    directory = _policy(tmp_path, "every_bucket", "004", """deny contains {
	"rule_id": "ORG004", "message": "bucket", "resource": r.address,
} if {
	some r in input.resources
}
""")
    engine = RegoEngine([builtin_policies_dir(), directory])
    worker = engine._worker
    assert worker is not None
    environ = Path(f"/proc/{worker._process.pid}/environ")
    if not environ.exists():
        pytest.skip("no /proc: the child's environment cannot be read on this system")
    child_environment = environ.read_bytes()

    engine.evaluate(INPUT)
    engine.evaluate(INPUT)

    assert engine._worker is worker and worker._process.poll() is None
    assert b"s3cr3t" not in child_environment
    engine.close()
    assert worker._process.poll() is not None


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOVLINT_REGO_TIMEOUT", "12.5")
    monkeypatch.setenv("SOVLINT_REGO_MEMORY", "1024")

    assert limits_from_environment() == Limits(timeout=12.5, memory=1024 ** 3)


@pytest.mark.parametrize(("name", "value"), [
    ("SOVLINT_REGO_TIMEOUT", "0"), ("SOVLINT_REGO_TIMEOUT", "soon"),
    ("SOVLINT_REGO_TIMEOUT", "inf"), ("SOVLINT_REGO_MEMORY", "2G"),
    ("SOVLINT_REGO_MEMORY", "100"),
])
def test_a_bad_limit_is_an_error_naming_the_variable(
        monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(PolicyError, match=rf"^{name}='{value}': expected"):
        limits_from_environment()


def test_the_scan_exits_2_with_the_file_and_no_traceback(tmp_path: Path) -> None:
    directory = _policy(tmp_path, "recursion", "001", _RECURSION)
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {}\n', encoding="utf-8")
    environment = {**os.environ, "SOVLINT_REGO_TIMEOUT": "60"}

    completed = subprocess.run(
        [sys.executable, "-m", "sovlint", "scan", "--no-cache", "--policy-dir",
         str(directory), str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path, env=environment, timeout=120)

    assert completed.returncode == 2
    assert "recursion.rego (data.sovlint.rules.recursion): evaluation limit exceeded" in (
        completed.stderr)
    assert "Traceback" not in completed.stderr and completed.stdout == ""
