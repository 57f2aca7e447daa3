"""Custom Rego policies are checked when they are loaded: mistakes name a file and a line."""

from __future__ import annotations

from pathlib import Path

import pytest

from sovlint.engine import PolicyError
from sovlint.engine.rego import RegoEngine
from sovlint.resources import builtin_policies_dir

HEADER = """# METADATA
# title: no-staging-bucket
# description: Staging buckets hold copies of production data.
# custom:
#   id: {rule_id}
#   severity: {severity}
package sovlint.rules.acme_no_staging

import rego.v1

"""

DENY = """deny contains {"rule_id": "ACME100", "resource": r.address, "message": "staging"} if {
	some r in input.resources
	contains(r.address, "staging")
}
"""


def policy(tmp_path: Path, body: str = DENY, *, rule_id: str = "ACME100",
           severity: str = "high", name: str = "no_staging.rego") -> Path:
    directory = tmp_path / "acme"
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(HEADER.format(rule_id=rule_id, severity=severity) + body,
                                  encoding="utf-8")
    return directory


def load_error(*directories: Path) -> str:
    with pytest.raises(PolicyError) as error:
        RegoEngine([builtin_policies_dir(), *directories])
    return str(error.value)


def test_valid_custom_policy_loads_with_its_metadata(tmp_path: Path) -> None:
    engine = RegoEngine([builtin_policies_dir(), policy(tmp_path)])

    rule = engine.rules()["ACME100"]
    assert (rule.title, rule.severity, rule.package) == (
        "no-staging-bucket", "high", "sovlint.rules.acme_no_staging")
    denies = engine.evaluate({"resources": [{"address": "aws_s3_bucket.staging"}],
                              "errors": [], "config": {"allowed_countries": []}})
    assert [(d.rule_id, d.resource) for d in denies] == [("ACME100", "aws_s3_bucket.staging")]


def test_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    directory = policy(tmp_path, "deny contains x if {\n\tx := \n}\n")

    message = load_error(directory)

    assert message.startswith(f"{(directory / 'no_staging.rego').as_posix()}:12:7: ")
    assert "expecting" in message


def test_builtin_rule_id_is_reserved(tmp_path: Path) -> None:
    message = load_error(policy(tmp_path, rule_id="SOV001"))

    assert message.endswith("no_staging.rego:1: rule id 'SOV001' is reserved for sovlint's "
                            "built-in rules (SOV followed by digits); choose your own prefix, "
                            "e.g. ACME001")


def test_rule_id_starting_with_sov_is_refused(tmp_path: Path) -> None:
    assert "not valid" in load_error(policy(tmp_path, rule_id="SOVX1"))


def test_duplicate_custom_rule_id_names_both_files(tmp_path: Path) -> None:
    first = policy(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    text = (first / "no_staging.rego").read_text(encoding="utf-8")
    (other / "copy.rego").write_text(text.replace("acme_no_staging", "acme_copy"),
                                     encoding="utf-8")

    message = load_error(first, other)

    assert "copy.rego:1: rule id ACME100 is already declared in" in message
    assert "no_staging.rego:1" in message


def test_unknown_severity_is_refused(tmp_path: Path) -> None:
    message = load_error(policy(tmp_path, severity="urgent"))

    assert message.endswith("rule ACME100: severity must be one of low, medium, high, "
                            "critical, got 'urgent'")


def test_deny_without_metadata_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "bare"
    directory.mkdir()
    (directory / "bare.rego").write_text(
        "package sovlint.rules.acme_bare\n\nimport rego.v1\n\n" + DENY, encoding="utf-8")

    message = load_error(directory)

    assert "bare.rego:1: package sovlint.rules.acme_bare defines deny but no rule metadata" \
        in message


def test_metadata_without_id_is_refused(tmp_path: Path) -> None:
    directory = policy(tmp_path)
    path = directory / "no_staging.rego"
    path.write_text(path.read_text(encoding="utf-8").replace("#   id: ACME100\n", ""),
                    encoding="utf-8")

    assert "no_staging.rego:1: METADATA 'custom' has no 'id'" in load_error(directory)


def test_deny_emitting_another_rule_id_is_refused(tmp_path: Path) -> None:
    message = load_error(policy(tmp_path, rule_id="ACME200"))

    assert message.endswith("no_staging.rego:11: deny emits rule_id 'ACME100' but the "
                            "package's METADATA declares 'ACME200'")


def test_deny_outside_the_rules_package_is_refused(tmp_path: Path) -> None:
    directory = policy(tmp_path)
    path = directory / "no_staging.rego"
    path.write_text(path.read_text(encoding="utf-8").replace("sovlint.rules.acme_no_staging",
                                                             "acme.no_staging"),
                    encoding="utf-8")

    assert "deny rules are evaluated only under package sovlint.rules.<name>, not " \
        "acme.no_staging" in load_error(directory)


def test_policy_may_not_extend_a_builtin_package(tmp_path: Path) -> None:
    directory = tmp_path / "lib"
    directory.mkdir()
    (directory / "lib.rego").write_text("package sovlint.lib\n\nimport rego.v1\n\nx := 1\n",
                                        encoding="utf-8")

    assert "package sovlint.lib belongs to sovlint's built-in policies" in load_error(directory)


@pytest.mark.parametrize("call", ['http.send({"method": "GET", "url": "https://example.eu"})',
                                  'net.lookup_ip_addr("example.eu")', "opa.runtime()"])
def test_network_builtins_are_refused(tmp_path: Path, call: str) -> None:
    body = DENY.replace('contains(r.address, "staging")', f"x := {call}\n\tx != null")

    message = load_error(policy(tmp_path, body))

    name = call.split("(")[0]
    assert "no_staging.rego:13:10: " in message
    assert f"{name} is not allowed: sovlint evaluates policies offline" in message


def test_unknown_builtin_inside_a_loop_is_found_before_the_scan(tmp_path: Path) -> None:
    # regorus itself reports it only when a resource reaches the call. (Columns count a tab
    # as four, as in the engine's own messages.)
    body = DENY.replace('contains(r.address, "staging")', 'strings.split_n(r.address, "-", 2)')

    message = load_error(policy(tmp_path, body))

    assert message.endswith("no_staging.rego:13:5: unknown function strings.split_n (neither "
                            "a builtin of the embedded engine nor a function of the policies; "
                            "see docs/policies.md, Engine limits)")


def test_unknown_function_of_an_imported_package_is_found(tmp_path: Path) -> None:
    body = "import data.sovlint.lib\n\n" + DENY.replace('contains(r.address, "staging")',
                                                      "lib.in_scope(r)")

    assert "unknown function lib.in_scope (no policy defines data.sovlint.lib.in_scope)" \
        in load_error(policy(tmp_path, body))


def test_functions_of_the_library_and_the_same_package_resolve(tmp_path: Path) -> None:
    body = "import data.sovlint.lib\n\n" + DENY.replace(
        'contains(r.address, "staging")', "lib.reportable(r)\n\tstaging(r)") + (
        '\nstaging(r) if contains(r.address, "staging")\n')

    assert "ACME100" in RegoEngine([builtin_policies_dir(), policy(tmp_path, body)]).rules()


def test_type_error_outside_loops_is_found_by_the_first_evaluation(tmp_path: Path) -> None:
    body = DENY + '\nlimit := count(input.resources) + "ten"\n'

    message = load_error(policy(tmp_path, body))

    assert "no_staging.rego:16:36: " in message
    assert "expects numeric argument" in message


def test_missing_policy_directory_is_an_error(tmp_path: Path) -> None:
    assert load_error(tmp_path / "nowhere").endswith("nowhere: no such policy file or directory")


def test_python_entries_are_not_read_as_rego(tmp_path: Path) -> None:
    module = tmp_path / "acme.py"
    module.write_text("", encoding="utf-8")

    engine = RegoEngine([builtin_policies_dir(), module, Path("python:acme.rules")])

    assert all(path.suffix == ".rego" for path in engine.files)
