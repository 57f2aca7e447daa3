"""The remote OPA engine, against the stand-in server of opa_standin.py (not OPA itself).

The stand-in answers OPA's REST API with the embedded engine behind it, so these tests check
what sovlint sends and how it reads the answers and the failures, not OPA's evaluation.
"""

from __future__ import annotations

import dataclasses
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import FIXTURES, REPO, run_cli
from opa_standin import OpaStandIn

from sovlint.config import load_config
from sovlint.engine import PolicyError
from sovlint.engine.metadata import read_metadata
from sovlint.engine.opa import OpaEngine, parse_opa_url, policy_uploads, push_policies
from sovlint.engine.python import is_python_policy
from sovlint.engine.rego import RegoEngine, policy_files
from sovlint.report import render
from sovlint.resources import builtin_policies_dir
from sovlint.scan import scan

BUILTIN = builtin_policies_dir()
CUSTOM_RULE = """# METADATA
# title: no-staging-bucket
# custom:
#   id: ACME001
#   name: no-staging-bucket
#   severity: critical
package sovlint.rules.acme.no_staging_bucket

import rego.v1

deny contains {"rule_id": "ACME001", "resource": r.address, "message": "staging bucket"} if {
\tsome r in input.resources
\tr.type == "aws_s3_bucket"
\tcontains(r.address, "dr")
}
"""


@pytest.fixture(scope="module")
def pushed() -> Iterator[OpaStandIn]:
    """One stand-in for the module, with the built-in policies pushed by sovlint."""
    with OpaStandIn() as server:
        push_policies(server.url, [])
        yield server


@pytest.fixture()
def server() -> Iterator[OpaStandIn]:
    """An empty stand-in of its own."""
    with OpaStandIn() as standin:
        yield standin


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def sample_input() -> dict[str, object]:
    config = load_config(None, start=FIXTURES / "aws-health-records")
    from sovlint.scan import policy_input

    result = scan([str(FIXTURES / "aws-health-records")], config)
    return policy_input(result.resources, result.errors, config)


# --- failures --------------------------------------------------------------------------------


def test_unreachable_server_is_a_clear_error() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(PolicyError, match=rf"^cannot reach OPA at {url}: .*refused"):
        OpaEngine(url, [BUILTIN])


def test_health_check_answering_500_is_a_clear_error(server: OpaStandIn) -> None:
    server.health_status = 500
    with pytest.raises(PolicyError, match=rf"^OPA at {server.url} answered 500: "):
        OpaEngine(server.url, [BUILTIN])
    assert server.requests == [("GET", "/health")] * 2  # the client's check, then the reason


def test_evaluation_answering_an_error_is_a_clear_error(pushed: OpaStandIn) -> None:
    engine = OpaEngine(pushed.url, [BUILTIN])
    pushed.data_status = 503
    try:
        with pytest.raises(PolicyError, match=rf"OPA at {pushed.url} answered 503: "
                                              "internal_error: stand-in told to fail"):
            engine.evaluate({"resources": []})
    finally:
        pushed.data_status = 200


def test_policy_failing_at_evaluation_gives_the_server_message(server: OpaStandIn) -> None:
    push_policies(server.url, [])
    server.put_policy("conflict.rego", "package sovlint.rules.conflict\n\nimport rego.v1\n\n"
                      "value := 1 if { true }\n\nvalue := 2 if { true }\n\n"
                      'deny contains {"rule_id": "X", "resource": null, '
                      '"message": sprintf("%v", [value])} if { true }\n')
    engine = OpaEngine(server.url, [BUILTIN])
    with pytest.raises(PolicyError, match=r"answered 500: internal_error: conflict\.rego:7:1: "
                                          "rule conflicts"):
        engine.evaluate({"resources": [], "errors": [], "config": {}})


def test_timeout_is_a_clear_error(pushed: OpaStandIn) -> None:
    engine = OpaEngine(pushed.url, [BUILTIN], timeout=0.3)  # the health check is not slowed
    pushed.delay = 1.5
    try:
        with pytest.raises(PolicyError, match=rf"OPA at {pushed.url} did not answer within "
                                              r"0\.3 s \(raise the timeout"):
            engine.evaluate({"resources": []})
    finally:
        pushed.delay = 0.0


def test_server_without_sovlint_policies_is_a_clear_error(server: OpaStandIn) -> None:
    engine = OpaEngine(server.url, [BUILTIN])
    with pytest.raises(PolicyError, match=r"no policies under data\.sovlint\.rules: push them "
                                          r"with `sovlint opa push`"):
        engine.evaluate({"resources": []})


@pytest.mark.parametrize(("url", "message"), [
    ("localhost:8181", "expected http:// or https://"),
    ("ftp://opa.example", "expected http:// or https://"),
    ("http://", "no host"),
    ("http://user:secret@opa.example", "credentials do not belong in the URL"),
    ("http://opa.example:99999", "invalid OPA URL"),
    ("http://opa.example/v1/data/sovlint/rules", "without /v1/"),
    ("http://opa.example/?x=1", "no query or fragment"),
])
def test_bad_url_is_rejected_before_any_connection(url: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        OpaEngine(url, [BUILTIN])


def test_url_forms() -> None:
    assert parse_opa_url("http://opa.example").url == "http://opa.example:80"
    assert parse_opa_url("HTTPS://opa.example/").url == "https://opa.example:443"
    server = parse_opa_url("https://[::1]:8443/policy/opa/")
    assert (server.url, server.client_host, server.api_version) == (
        "https://[::1]:8443/policy/opa", "[::1]", "policy/opa/v1")


def test_bad_timeout_is_rejected() -> None:
    with pytest.raises(PolicyError, match="timeout must be positive"):
        OpaEngine("http://127.0.0.1:1", [BUILTIN], timeout=0)


# --- push and evaluate -----------------------------------------------------------------------


def test_push_sends_every_non_test_policy_with_stable_ids(server: OpaStandIn) -> None:
    ids = push_policies(server.url, [])
    expected = policy_files([BUILTIN])
    assert len(ids) == len(expected) and len(ids) == len(server.policies)
    assert ids[0] == "sovlint/lib/sovlint.rego"  # the library before the rules that import it
    assert "sovlint/rules/non_eu_region/non_eu_region.rego" in ids
    assert not any(i.endswith("_test.rego") for i in ids)
    assert push_policies(server.url, []) == ids  # pushing again replaces, adds nothing
    assert len(server.policies) == len(ids)
    assert server.requests[0] == ("GET", "/health")


def test_push_then_evaluate_gives_the_embedded_engine_denies(server: OpaStandIn) -> None:
    push_policies(server.url, [])
    document = sample_input()
    engine = OpaEngine(server.url, [BUILTIN])
    denies = engine.evaluate(document)
    assert denies == RegoEngine([BUILTIN]).evaluate(document)
    assert denies  # the AWS fixture has findings
    assert engine.rules() == RegoEngine([BUILTIN]).rules()
    data_requests = [r for r in server.requests if r[0] == "POST"]
    assert data_requests == [("POST", "/v1/data/sovlint/rules")]  # one request, whole input
    assert server.inputs == [document]


def test_bundle_preloaded_on_the_server_needs_no_push() -> None:
    bundle = {f"bundle/{path.relative_to(BUILTIN).as_posix()}": path.read_text("utf-8")
              for path in policy_files([BUILTIN])}
    with OpaStandIn(bundle=bundle) as server:
        document = sample_input()
        assert OpaEngine(server.url, [BUILTIN]).evaluate(document) == RegoEngine(
            [BUILTIN]).evaluate(document)
        assert not [r for r in server.requests if r[0] == "PUT"]


def test_custom_policies_are_pushed_and_keep_their_local_severity(
        server: OpaStandIn, tmp_path: Path) -> None:
    custom = tmp_path / "acme"
    custom.mkdir()
    (custom / "no_staging_bucket.rego").write_text(CUSTOM_RULE, encoding="utf-8")
    (custom / "no_staging_bucket_test.rego").write_text(
        "package sovlint.rules.acme.no_staging_bucket_test\n", encoding="utf-8")
    ids = push_policies(server.url, [custom])
    assert "sovlint/rules/acme/no_staging_bucket/no_staging_bucket.rego" in ids
    assert not any("_test" in i for i in ids)
    config = load_config(None, start=FIXTURES / "aws-health-records")
    paths = [str(FIXTURES / "aws-health-records")]
    remote = scan(paths, config, engine=OpaEngine(server.url, [BUILTIN, custom]))
    local = scan(paths, config, engine=RegoEngine([BUILTIN, custom]))
    assert remote.findings == local.findings
    acme = [f for f in remote.findings if f.rule_id == "ACME001"]
    assert acme and {f.severity for f in acme} == {"critical"}


def test_push_of_a_broken_policy_names_the_file_and_the_server_message(
        server: OpaStandIn, tmp_path: Path) -> None:
    broken = tmp_path / "broken.rego"
    broken.write_text("package sovlint.rules.broken\n\nimport rego.v1\n\nx if {\n",
                      encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        push_policies(server.url, [tmp_path])
    message = str(caught.value)
    assert message.startswith(f"{broken}: OPA at {server.url} answered an error: "
                              "invalid_parameter: error(s) occurred while compiling")
    assert "sovlint/rules/broken/broken.rego:" in message


def test_two_files_with_the_same_id_are_refused(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "rule.rego").write_text("package sovlint.rules.same\n",
                                                   encoding="utf-8")
    with pytest.raises(PolicyError, match=r"would both be pushed as sovlint/rules/same/rule\.rego"):
        policy_uploads([tmp_path])


def test_prune_deletes_policies_no_longer_pushed(server: OpaStandIn, tmp_path: Path) -> None:
    (tmp_path / "rule.rego").write_text(CUSTOM_RULE, encoding="utf-8")
    push_policies(server.url, [tmp_path])
    stale = "sovlint/rules/acme/no_staging_bucket/rule.rego"
    server.put_policy("other/kept.rego", "package other\n")
    assert stale in server.policies
    lines: list[str] = []
    push_policies(server.url, [], prune=True, report=lines.append)
    assert stale not in server.policies
    assert "other/kept.rego" in server.policies  # not under sovlint/: not ours to delete
    assert lines[-1] == f"deleted {stale}"


def test_path_prefix_and_bearer_token(monkeypatch: pytest.MonkeyPatch) -> None:
    with OpaStandIn(prefix="/policy/opa", token="s3cret") as server:
        with pytest.raises(PolicyError, match="answered 401: unauthorized"):
            push_policies(server.url, [])
        monkeypatch.setenv("SOVLINT_OPA_TOKEN", "s3cret")
        push_policies(server.url, [])
        document = sample_input()
        assert OpaEngine(server.url, [BUILTIN]).evaluate(document) == RegoEngine(
            [BUILTIN]).evaluate(document)
        assert ("POST", "/policy/opa/v1/data/sovlint/rules") in server.requests
        assert server.authorizations[-1] == "Bearer s3cret"


# --- the same findings as the embedded engine, fixture by fixture ----------------------------

FIXTURE_DIRS = sorted(p.relative_to(REPO).as_posix() for p in FIXTURES.iterdir() if p.is_dir())
# A fixture directory with its own configuration (custom policies, profile, allowed countries)
# is scanned from there too, so that its configuration applies.
CONFIGURED_DIRS = sorted({p.parent.relative_to(REPO).as_posix()
                          for p in FIXTURES.rglob(".sovlint.yaml")} - set(FIXTURE_DIRS))


@pytest.mark.parametrize("target", [*FIXTURE_DIRS, *CONFIGURED_DIRS, "fixtures"])
def test_findings_and_reports_identical_to_embedded_engine(
        target: str, pushed: OpaStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan as the command line runs it (`default_engine`), with and without `opa.url`."""
    monkeypatch.chdir(REPO)
    config = load_config(None, start=(REPO / target).absolute())
    custom = [Path(p) for p in config.policies if not is_python_policy(p)]
    local = scan([target], config)
    if custom:  # a server of its own: these rules must not leak into other fixtures
        with OpaStandIn() as server:
            push_policies(server.url, custom)
            remote = scan([target], dataclasses.replace(config, opa_url=server.url))
            assert server.requests.count(("POST", "/v1/data/sovlint/rules")) == 1
        custom_ids = {m.id for f in policy_files(custom) if (m := read_metadata(f))}
        assert custom_ids & {f.rule_id for f in remote.findings}  # evaluated on the server
    else:
        remote = scan([target], dataclasses.replace(config, opa_url=pushed.url))
    assert remote.findings == local.findings
    assert render(remote, "json") == render(local, "json")
    assert render(remote, "sarif") == render(local, "sarif")


def test_fixture_comparison_covers_custom_policies_and_findings() -> None:
    assert len(FIXTURE_DIRS) >= 10  # a new fixture directory is compared automatically
    assert "fixtures/custom-policies/infra" in CONFIGURED_DIRS
    custom_config = load_config(None, start=REPO / "fixtures/custom-policies/infra")
    assert any(not is_python_policy(p) for p in custom_config.policies)


# --- command line ----------------------------------------------------------------------------


def test_cli_push_and_check(server: OpaStandIn, tmp_path: Path) -> None:
    custom = tmp_path / "acme"
    custom.mkdir()
    (custom / "no_staging_bucket.rego").write_text(CUSTOM_RULE, encoding="utf-8")
    empty = run_cli("opa", "check", "--opa-url", server.url)
    assert empty.exit_code == 1
    assert "0 sovlint rule packages" in empty.stdout
    result = run_cli("opa", "push", "--opa-url", server.url, "--policy-dir", str(custom))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("pushed sovlint/lib/sovlint.rego (")
    assert any(line.startswith("pushed sovlint/rules/acme/no_staging_bucket/") for line in lines)
    assert lines[-1] == f"{len(server.policies)} policies pushed to {server.url}"
    check = run_cli("opa", "check", "--opa-url", server.url)
    assert check.exit_code == 0, check.output
    assert "  sovlint.rules.acme.no_staging_bucket" in check.stdout
    assert "  sovlint.rules.non_eu_region" in check.stdout


def test_cli_push_to_an_unreachable_server_exits_2() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    result = run_cli("opa", "push", "--opa-url", url)
    assert result.exit_code == 2
    assert f"sovlint: cannot reach OPA at {url}: " in result.stderr


def test_cli_push_needs_a_url(tmp_path: Path) -> None:
    result = run_cli("opa", "push", cwd=tmp_path)
    assert result.exit_code == 2
    assert "no OPA server: give --opa-url URL" in result.stderr


def test_cli_loads_no_network_client_until_asked() -> None:
    code = ("import sys, sovlint.cli, sovlint.scan; "
            "print(sorted(m for m in sys.modules if m.startswith(('opa_client', 'requests', "
            "'sovlint.engine.opa'))))")
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_cli_push_skips_python_policies_and_refuses_a_missing_directory(
        server: OpaStandIn, tmp_path: Path) -> None:
    result = run_cli("opa", "push", "--opa-url", server.url, "--policy-dir", "python:acme.rules",
                     "--policy-dir", str(tmp_path / "rules.py"))
    assert result.exit_code == 0, result.output
    assert len(server.policies) == len(policy_files([BUILTIN]))
    missing = run_cli("opa", "push", "--opa-url", server.url, "--policy-dir",
                      str(tmp_path / "nowhere"))
    assert missing.exit_code == 2
    assert "nowhere: no such policy directory or file" in missing.stderr


def test_cli_scan_with_opa_url_reports_what_the_embedded_engine_reports(
        pushed: OpaStandIn) -> None:
    target = "fixtures/aws-health-records"
    local = run_cli("scan", target, "--format", "json", "--no-cache")
    remote = run_cli("scan", target, "--format", "json", "--no-cache", "--opa-url", pushed.url)
    assert remote.exit_code == local.exit_code == 1, remote.output
    assert remote.stdout == local.stdout
    assert ("POST", "/v1/data/sovlint/rules") in pushed.requests
