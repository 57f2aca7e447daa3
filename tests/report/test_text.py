"""`--format text`: the report people read in a terminal (SPEC §7)."""

from __future__ import annotations

from sovlint.model import Diagnostic, Finding, ScanResult, Severity, Suppression
from sovlint.report import render
from sovlint.report.text import FIX_HINTS

REPLICATION = Finding(
    "SOV003", "cross-border-replication", "high",
    "replicates to us-east-1 (US) via rule.destination.bucket",
    "aws_s3_bucket_replication_configuration.health", "aws_s3_bucket_replication_configuration",
    "infra/main.tf", 12, 30,
)
DATABASE = Finding(
    "SOV001", "non-eu-region", "high", "located in us-east-1 (US)",
    "aws_db_instance.health", "aws_db_instance", "infra/db.tf", 4, 20,
)
UNRESOLVED = Finding(
    "SOV004", "unresolved-location", "medium", "region from var.region has no value",
    "aws_s3_bucket.logs", "aws_s3_bucket", "infra/logs.tf", 1, 9,
)
IMAGE = Finding(
    "SOV006", "foreign-registry-image", "low", "image nginx:1.27 is pulled from docker.io",
    "Deployment/web/nginx", "Deployment", "k8s/web.yaml", 18, 18,
)
ARCHIVE = Finding(
    "SOV001", "non-eu-region", "high", "located in us-east-1 (US)",
    "aws_s3_bucket.archive", "aws_s3_bucket", "infra/main.tf", 40, 52,
    suppression=Suppression(
        reason="legacy archive, deleted after migration", owner="@dpo-team",
        until="2027-03-31", file="infra/main.tf", line=39,
    ),
)


def scan_result(
    *findings: Finding, diagnostics: tuple[Diagnostic, ...] = (), fail_on: Severity = "low"
) -> ScanResult:
    return ScanResult(
        profile="sovereign", files=12, resources=(), findings=findings, errors=(),
        diagnostics=diagnostics, fail_on=fail_on,
    )


def test_finding_line_has_file_line_resource_and_message() -> None:
    output = render(scan_result(REPLICATION), "text")

    assert (
        "  infra/main.tf:12  aws_s3_bucket_replication_configuration.health"
        "  replicates to us-east-1 (US) via rule.destination.bucket\n"
    ) in output


def test_group_header_names_rule_and_severity() -> None:
    output = render(scan_result(REPLICATION), "text")

    assert output.startswith("SOV003 cross-border-replication (high) — 1 finding\n")


def test_group_ends_with_the_rules_fix_hint() -> None:
    output = render(scan_result(REPLICATION), "text")

    assert f"    fix: {FIX_HINTS['SOV003']}\n" in output


def test_every_builtin_rule_has_a_fix_hint() -> None:
    assert sorted(FIX_HINTS) == [f"SOV00{n}" for n in range(8)]


def test_groups_most_severe_rule_first() -> None:
    output = render(scan_result(IMAGE, UNRESOLVED, REPLICATION, DATABASE), "text")

    headers = [line.split()[0] for line in output.splitlines() if line.startswith("SOV")]
    assert headers == ["SOV001", "SOV003", "SOV004", "SOV006"]


def test_summary_line_when_failed() -> None:
    output = render(scan_result(REPLICATION, DATABASE, UNRESOLVED, ARCHIVE), "text")

    assert output.endswith(
        "\n3 findings (2 high, 1 medium), 1 suppressed, 12 files, 0 resources"
        " — failed (fail-on: low)\n"
    )


def test_summary_line_when_passed_below_fail_on() -> None:
    output = render(scan_result(IMAGE, fail_on="medium"), "text")

    assert output.endswith(
        "\n1 finding (1 low), 12 files, 0 resources — passed (fail-on: medium)\n"
    )


def test_clean_scan_is_only_the_summary_line() -> None:
    output = render(scan_result(), "text")

    assert output == "0 findings, 12 files, 0 resources — passed (fail-on: low)\n"


def test_suppressed_findings_listed_with_reason_owner_until() -> None:
    output = render(scan_result(ARCHIVE), "text")

    assert (
        "suppressed (1)\n"
        "  infra/main.tf:40  SOV001  aws_s3_bucket.archive  — reason: legacy archive, deleted"
        " after migration; owner: @dpo-team; until: 2027-03-31\n"
    ) in output
    assert "SOV001 non-eu-region" not in output


def test_diagnostics_in_notes_section() -> None:
    notes = (
        Diagnostic(file="main.tf", message='module "vpc": source not available locally'),
        Diagnostic(file="k8s", line=None, message="cluster location unknown"),
    )

    output = render(scan_result(diagnostics=notes), "text")

    assert (
        "notes (2)\n"
        "  k8s: cluster location unknown\n"
        '  main.tf: module "vpc": source not available locally\n'
    ) in output


def test_no_ansi_codes_without_color() -> None:
    output = render(scan_result(REPLICATION, ARCHIVE, UNRESOLVED), "text", color=False)

    assert "\033[" not in output


def test_severity_coloured_with_color() -> None:
    output = render(scan_result(UNRESOLVED), "text", color=True)

    assert "(\033[33mmedium\033[0m)" in output


def test_same_result_gives_identical_text() -> None:
    first = render(scan_result(REPLICATION, DATABASE, ARCHIVE), "text")
    second = render(scan_result(ARCHIVE, DATABASE, REPLICATION), "text")

    assert first == second
