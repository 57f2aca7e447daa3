"""`sovlint test` evaluates the unit tests of custom Rego policies in the watchdog process of
`sovlint scan`: a test that takes the engine down or runs out of memory is a clear error
(exit 2) naming its file and test, never a segmentation fault or a hang."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_POLICY = """# METADATA
# title: org
# custom:
#   id: ORG001
#   severity: high
package sovlint.rules.org

deny contains {"rule_id": "ORG001", "message": "m"} if {
	some r in input.resources
	r.line > 100
}
"""


def _sovlint_test(tmp_path: Path, tests: str,
                  **environment: str) -> subprocess.CompletedProcess[str]:
    directory = tmp_path / "policies"
    directory.mkdir()
    (directory / "org.rego").write_text(_POLICY, encoding="utf-8")
    (directory / "org_test.rego").write_text("package sovlint.rules.org_test\n\n" + tests,
                                             encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "sovlint", "test", "-v", str(directory)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
        env={**os.environ, "SOVLINT_REGO_TIMEOUT": "60", **environment})


def test_a_self_recursive_function_in_a_test_is_an_error_not_a_crash(tmp_path: Path) -> None:
    completed = _sovlint_test(tmp_path, "f(x) := y if {\n\ty := f(x + 1)\n}\n\n"
                                        "test_recursion if {\n\tf(1) > 0\n}\n")

    assert completed.returncode == 2, completed.stderr  # was -11, no output
    assert ("sovlint: policy error: policies/org_test.rego: "
            "data.sovlint.rules.org_test.test_recursion: evaluation limit exceeded: the Rego "
            "engine crashed") in completed.stderr
    assert "Traceback" not in completed.stderr


def test_a_huge_comprehension_in_a_test_is_stopped_by_the_memory_limit(tmp_path: Path) -> None:
    completed = _sovlint_test(
        tmp_path, "test_big if {\n\tbig := [x | some x in numbers.range(1, 100000000)]\n"
                  "\tcount(big) > 0\n}\n", SOVLINT_REGO_MEMORY="512")

    assert completed.returncode == 2, completed.stderr
    assert "data.sovlint.rules.org_test.test_big: evaluation limit exceeded" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_passing_failing_and_erroring_tests_are_reported_as_before(tmp_path: Path) -> None:
    completed = _sovlint_test(tmp_path, """test_denies if {
	count(data.sovlint.rules.org.deny) == 1 with input as {"resources": [{"line": 101}]}
}

test_false if {
	count(data.sovlint.rules.org.deny) == 1 with input as {"resources": [{"line": 1}]}
}

test_error if {
	x := to_number("not a number")
	x > 0
}

test_after_the_error if {
	count(data.sovlint.rules.org.deny) == 0 with input as {"resources": []}
}
""")

    assert completed.returncode == 1, completed.stderr
    lines = completed.stdout.splitlines()
    assert "PASS: sovlint.rules.org_test.test_denies" in lines
    assert ("FAIL: sovlint.rules.org_test.test_false [policies/org_test.rego] test is false or "
            "undefined") in lines
    assert [line for line in lines if line.startswith("FAIL: sovlint.rules.org_test.test_error")]
    # The process that failed on test_error is replaced: the next test still runs.
    assert "PASS: sovlint.rules.org_test.test_after_the_error" in lines
    assert lines[-1].endswith("passed, 2 failed")
