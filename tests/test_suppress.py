"""Inline ignores (reason required, expiry, ignorable) and baselines that survive line moves."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli

from sovlint import suppress
from sovlint.model import Finding
from sovlint.suppress import apply_inline_ignores, parse_ignore

US_BUCKET = """\
provider "aws" {
  region = "us-east-1"
}

%s
resource "aws_s3_bucket" "exports" {
  bucket = "exports"
}
"""


def scan(tmp_path: Path, text: str, *args: str) -> dict[str, Any]:
    (tmp_path / "main.tf").write_text(text)
    result = run_cli("scan", str(tmp_path), "--profile", "residency", "--format", "json", *args,
                     cwd=tmp_path)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_grammar_with_options_in_any_order() -> None:
    ignore = parse_ignore("# sovlint:ignore SOV001, SOV003 owner=@dpo until=2027-03-31 -- DR copy"
                          " approved by the DPO", "main.tf", 4)
    assert ignore is not None
    assert ignore.rule_ids == ("SOV001", "SOV003")
    assert ignore.owner == "@dpo"
    assert ignore.until == datetime.date(2027, 3, 31)
    assert ignore.reason == "DR copy approved by the DPO"
    assert ignore.problem is None


def test_double_slash_comment_inside_block_is_read() -> None:
    ignore = parse_ignore('  bucket = "x" // sovlint:ignore SOV001 -- test data', "main.tf", 7)
    assert ignore is not None and ignore.rule_ids == ("SOV001",)


def test_ignore_with_reason_suppresses_and_keeps_the_trail(tmp_path: Path) -> None:
    report = scan(tmp_path, US_BUCKET % "# sovlint:ignore SOV001 owner=@dpo -- synthetic data")
    [finding] = report["findings"]
    assert finding["suppressed"] is True
    assert finding["suppression_reason"] == "synthetic data"
    assert finding["suppression"] == {"reason": "synthetic data", "owner": "@dpo", "until": None,
                                      "file": "main.tf", "line": 5, "kind": "inline"}
    assert report["summary"]["passed"] is True


def test_ignore_without_reason_does_not_suppress_and_is_reported(tmp_path: Path) -> None:
    report = scan(tmp_path, US_BUCKET % "# sovlint:ignore SOV001")
    [finding] = report["findings"]
    assert finding["suppressed"] is False
    assert any("sovlint:ignore at main.tf:5 does not suppress: a reason is required"
               in d["message"] for d in report["diagnostics"])


def test_expired_ignore_stops_suppressing(tmp_path: Path) -> None:
    report = scan(tmp_path, US_BUCKET % "# sovlint:ignore SOV001 until=2020-01-01 -- migration")
    assert report["findings"][0]["suppressed"] is False
    assert any("expired on 2020-01-01" in d["message"] for d in report["diagnostics"])


def test_rule_not_ignorable_refuses_the_ignore(tmp_path: Path) -> None:
    (tmp_path / ".sovlint.yaml").write_text("rules:\n  SOV001: {ignorable: false}\n")
    report = scan(tmp_path, US_BUCKET % "# sovlint:ignore SOV001 -- we promise")
    assert report["findings"][0]["suppressed"] is False
    assert any("not ignorable" in d["message"] for d in report["diagnostics"])


def test_ignore_of_another_rule_does_not_suppress(tmp_path: Path) -> None:
    report = scan(tmp_path, US_BUCKET % "# sovlint:ignore SOV003 -- replication reviewed")
    assert report["findings"][0]["suppressed"] is False


def test_ignore_above_another_block_does_not_apply(tmp_path: Path) -> None:
    text = US_BUCKET % "" + '\nresource "aws_sqs_queue" "q" {}\n'
    text = text.replace('provider "aws" {', '# sovlint:ignore SOV001 -- provider only\n'
                        'provider "aws" {')
    report = scan(tmp_path, text)
    assert all(not f["suppressed"] for f in report["findings"])


def test_yaml_ignore_above_a_document(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(
        "# sovlint:ignore SOV001 -- analytics on synthetic data\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: stats\nspec:\n"
        "  template:\n    spec:\n      nodeSelector:\n"
        "        topology.kubernetes.io/region: us-east-1\n")
    result = run_cli("scan", str(tmp_path), "--profile", "residency", "--format", "json",
                     cwd=tmp_path)
    [finding] = json.loads(result.stdout)["findings"]
    assert finding["suppressed"] is True


def test_baseline_hides_old_findings_and_shows_new_ones_after_lines_move(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    scan(tmp_path, US_BUCKET % "", "--write-baseline", str(baseline))
    moved = "\n\n\n" + US_BUCKET % "" + '\nresource "aws_sqs_queue" "new" {}\n'
    report = scan(tmp_path, moved, "--baseline", str(baseline))
    states = {f["resource"]: f["suppressed"] for f in report["findings"]}
    assert states == {"aws_s3_bucket.exports": True, "aws_sqs_queue.new": False}
    old = next(f for f in report["findings"] if f["resource"] == "aws_s3_bucket.exports")
    assert old["suppression"]["kind"] == "baseline"


def test_unreadable_baseline_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("")
    result = run_cli("scan", str(tmp_path), "--baseline", str(tmp_path / "missing.json"),
                     cwd=tmp_path)
    assert result.exit_code == 2
    assert "cannot read baseline" in result.stderr


def test_unknown_rule_id_in_ignore_is_a_diagnostic_with_file_and_line(tmp_path: Path) -> None:
    report = scan(tmp_path, US_BUCKET % "# sovlint:ignore SOV01 -- typo")
    assert report["findings"][0]["suppressed"] is False
    [diagnostic] = [d for d in report["diagnostics"] if "unknown rule id SOV01" in d["message"]]
    assert diagnostic["file"] == "main.tf"
    assert "main.tf:5" in diagnostic["message"]


def _finding(rule_id: str, line: int, end_line: int) -> Finding:
    return Finding(rule_id=rule_id, rule_name="r", severity="high", message="m",
                   resource=f"x.b{line}", resource_type="x", file="main.tf", line=line,
                   end_line=end_line)


def test_unknown_rule_id_in_a_file_without_findings_is_reported(tmp_path: Path) -> None:
    (tmp_path / "other.tf").write_text('# sovlint:ignore SOV0003 -- typo\n'
                                        'resource "aws_s3_bucket" "logs" {\n'
                                        '  bucket = "logs"\n  region = "eu-west-3"\n}\n')
    report = scan(tmp_path, US_BUCKET % "")
    [diagnostic] = [d for d in report["diagnostics"] if "SOV0003" in d["message"]]
    assert diagnostic["file"] == "other.tf"
    assert diagnostic["line"] == 1
    assert "did you mean SOV003" in diagnostic["message"]


def test_an_ignore_with_one_unknown_id_suppresses_nothing(tmp_path: Path) -> None:
    report = scan(tmp_path, US_BUCKET % "# sovlint:ignore SOV001,SOV01 -- typo in the second")
    assert not any(f["suppressed"] for f in report["findings"])


def test_a_known_custom_rule_id_is_not_unknown(tmp_path: Path) -> None:
    finding = _finding("HDS001", 2, 2)
    (tmp_path / "main.tf").write_text("# sovlint:ignore HDS001 -- custom\nresource {}\n")
    _, notes = apply_inline_ignores([finding], tmp_path, datetime.date(2026, 1, 1),
                                    lambda _: True, known_rules={"SOV001", "HDS001"},
                                    files=["main.tf"])
    assert notes == []
    _, notes = apply_inline_ignores([finding], tmp_path, datetime.date(2026, 1, 1),
                                    lambda _: True, known_rules={"SOV001"}, files=["main.tf"])
    assert [n.line for n in notes] == [1]
    assert "unknown rule id HDS001" in notes[0].message


def test_ignores_are_matched_per_rule_not_against_every_ignore(tmp_path: Path) -> None:
    # 5,000 blocks, each with its own ignore: every finding is suppressed by the ignore
    # above it and no other (the matcher indexes ignores by file and rule id).
    count = 5_000
    rows = []
    for n in range(count):
        rows += [f"# sovlint:ignore SOV001 -- synthetic {n}", f'resource "x" "b{n}" {{', "}"]
    (tmp_path / "main.tf").write_text("\n".join(rows) + "\n")
    findings = [_finding("SOV001", 3 * n + 2, 3 * n + 3) for n in range(count)]
    result, notes = apply_inline_ignores(findings, tmp_path, datetime.date(2026, 1, 1),
                                         lambda _: True, known_rules={"SOV001"})
    assert notes == []
    assert [f.suppression.line for f in result if f.suppression] == [3 * n + 1
                                                                       for n in range(count)]


class _CountingPattern:
    def __init__(self, pattern: Any) -> None:
        self.pattern, self.calls = pattern, 0

    def match(self, text: str) -> Any:
        self.calls += 1
        return self.pattern.match(text)


def test_matching_ignores_reads_each_line_once(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # 10,000 ignores of one rule in one file: each finding used to walk every ignore and the
    # lines between (minutes); now every line is classified once, whatever the counts.
    count = 10_000
    rows = []
    for n in range(count):
        rows += [f"# sovlint:ignore SOV001 -- synthetic {n}", "# more words", f'resource "x" '
                 f'"b{n}" {{', "}"]
    (tmp_path / "main.tf").write_text("\n".join(rows) + "\n")
    findings = [_finding("SOV001", 4 * n + 3, 4 * n + 4) for n in range(count)]
    counting = _CountingPattern(suppress._COMMENT_LINE)
    monkeypatch.setattr(suppress, "_COMMENT_LINE", counting)

    result, notes = apply_inline_ignores(findings, tmp_path, datetime.date(2026, 1, 1),
                                         lambda _: True, known_rules={"SOV001"})

    assert notes == []
    assert [f.suppression.line for f in result if f.suppression] == [4 * n + 1
                                                                       for n in range(count)]
    assert counting.calls <= len(rows)


def test_an_ignore_covers_through_comments_only(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        "# sovlint:ignore SOV001 -- a\n"      # 1: code on line 2 between: does not cover 3
        "locals {}\n"                          # 2
        'resource "x" "a" {\n}\n'              # 3-4
        "# sovlint:ignore SOV001 -- b\n"       # 5: comments only between: covers 8
        "// more\n"                            # 6
        "# and more\n"                         # 7
        'resource "x" "b" {\n'                 # 8
        "  # sovlint:ignore SOV001 -- c\n"     # 9: inside the block: covers 8
        "}\n"                                  # 10
        'resource "x" "c" {\n}\n')             # 11-12: nothing covers it
    findings = [_finding("SOV001", 3, 4), _finding("SOV001", 8, 10), _finding("SOV001", 11, 12)]

    result, _ = apply_inline_ignores(findings, tmp_path, datetime.date(2026, 1, 1),
                                     lambda _: True, known_rules={"SOV001"})

    assert [f.suppression.line if f.suppression else None for f in result] == [None, 5, None]
