"""`--format html`: one self-contained page, byte-identical with --no-timestamp, escaped."""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path

import pytest
from helpers import REPO, run_cli

from sovlint.report.html import git_commit, report_time

US_BUCKET = """\
provider "aws" {
  region = "us-east-1"
}

%s
resource "aws_s3_bucket" "exports" {
  bucket = "exports"
}
"""


def html_of(*args: str, cwd: Path | None = None, command: str = "scan") -> str:
    result = run_cli(command, *args, "--format", "html", "--no-timestamp", "--jobs", "1",
                     cwd=cwd) if command == "scan" else run_cli(
        command, *args, "--format", "html", "--no-timestamp", cwd=cwd)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def json_findings(*args: str, cwd: Path | None = None) -> list[dict[str, object]]:
    result = run_cli("scan", *args, "--format", "json", "--jobs", "1", cwd=cwd)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)["findings"]  # type: ignore[no-any-return]


def test_two_runs_with_no_timestamp_give_the_same_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    for target in (first, second):
        result = run_cli("scan", "fixtures/flows", "--format", "html", "--output", str(target),
                         "--no-timestamp", "--jobs", "1")
        assert result.exit_code == 1, result.output
    assert first.read_bytes() == second.read_bytes()
    assert "time omitted (reproducible report)" in first.read_text(encoding="utf-8")


def test_source_date_epoch_is_the_time_stated() -> None:
    stated = report_time(False, {"SOURCE_DATE_EPOCH": "1767225600"})
    assert stated is not None and stated.isoformat() == "2026-01-01T00:00:00+00:00"
    assert report_time(True, {"SOURCE_DATE_EPOCH": "1767225600"}) is None


@pytest.mark.parametrize("fixture", ["aws-health-records", "flows", "k8s-patient-portal"])
def test_page_loads_nothing_from_elsewhere(fixture: str) -> None:
    page = html_of(f"fixtures/{fixture}")
    for attribute, value in re.findall(r'\b(src|href|xlink:href|action)\s*=\s*"([^"]*)"', page):
        assert value.startswith("#") or value == "http://www.w3.org/2000/svg", (attribute, value)
    assert "<script" not in page.lower()
    assert "<link" not in page.lower()
    assert "@import" not in page and "url(http" not in page
    assert re.search(r'\b(?:src|href)\s*=\s*"(?:https?:)?//', page) is None


def test_every_finding_of_a_fixture_is_in_the_page() -> None:
    for fixture in ("aws-health-records", "flows"):
        page = html.unescape(html_of(f"fixtures/{fixture}"))
        findings = json_findings(f"fixtures/{fixture}")
        assert findings
        match = re.search(r"<h2>Findings \((\d+)\)</h2>", page)
        assert match and int(match.group(1)) == len(findings)
        for finding in findings:
            assert f"{finding['file']}:{finding['line']}" in page
            assert str(finding["message"]) in page
            assert str(finding["resource"]) in page


def test_hostile_resource_names_are_escaped(tmp_path: Path) -> None:
    (tmp_path / "pvc.yaml").write_text(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n"
        "  name: '<script>alert(\"x\")</script>'\n  namespace: \"a'b\"\n"
        "spec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n")
    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  region = "us-east-1"\n}\n'
        'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n'
        '  tags = { Name = "<img src=x onerror=alert(1)>" }\n}\n')
    page = html_of(str(tmp_path), cwd=tmp_path)
    assert "<script>" not in page
    assert "<img" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "a&#39;b" in page


def test_suppressions_appear_with_reason_owner_and_expiry(tmp_path: Path) -> None:
    ignore = ("# sovlint:ignore SOV001 owner=@dpo until=2099-12-31 -- disaster-recovery copy "
              "approved by the DPO")
    (tmp_path / "main.tf").write_text(US_BUCKET % ignore)
    page = html_of(str(tmp_path), "--profile", "residency", cwd=tmp_path)
    section = page[page.index('<section id="suppressions">'):page.index('<section id="notes">')]
    assert "Suppressions and baseline entries (1)" in section
    assert "<code>SOV001</code>" in section
    assert "disaster-recovery copy approved by the DPO" in section
    assert "@dpo" in section and "2099-12-31" in section
    assert "inline ignore" in section


def test_baseline_entries_appear_as_suppressions(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(US_BUCKET % "")
    baseline = tmp_path / "baseline.json"
    result = run_cli("scan", str(tmp_path), "--profile", "residency", "--write-baseline",
                     str(baseline), "--format", "json", cwd=tmp_path)
    assert result.exit_code == 1, result.output
    page = html_of(str(tmp_path), "--profile", "residency", "--baseline", str(baseline),
                   cwd=tmp_path)
    section = page[page.index('<section id="suppressions">'):page.index('<section id="notes">')]
    assert "Suppressions and baseline entries (1)" in section
    assert "baseline" in section and "aws_s3_bucket.exports" in section
    assert "PASSED" in page
    assert "baseline.json</code> SHA-256 <code>" in page


def test_configuration_in_force_names_trusted_providers(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(US_BUCKET % "")
    config = tmp_path / "sovlint.yaml"
    config.write_text("allow:\n  countries: [FR]\n  providers: [aws]\n")
    page = html_of(str(tmp_path), "--config", str(config), cwd=tmp_path)
    start = page.index('<section id="configuration">')
    section = page[start:page.index('<section id="residency">')]
    assert "<b>aws</b> Amazon Web Services" in section
    assert "FR, that is 1 countries" in section
    assert "FR France" in section


def test_inventory_html_shows_stores_and_flows_without_a_verdict() -> None:
    page = html_of("fixtures/flows", command="inventory")
    assert "<h1>Data sovereignty data inventory</h1>" in page
    assert "INVENTORY" in page and "FAILED" not in page
    assert '<section id="findings">' not in page
    stores = re.search(r"<b>(\d+)</b> hold data", page)
    assert stores and int(stores.group(1)) > 100
    assert 'class="flow cross-border"' in page and 'class="flow inside"' in page
    assert "<svg" in page


def test_provenance_hashes_every_input_file() -> None:
    page = html_of("fixtures/aws-health-records")
    for name in ("database.tf", "main.tf", "storage.tf"):
        digest = hashlib.sha256((REPO / "fixtures/aws-health-records" / name).read_bytes())
        assert f"<code>fixtures/aws-health-records/{name}</code></td><td><code>" \
               f"{digest.hexdigest()}</code>" in page


def test_git_commit_is_read_from_the_git_files(tmp_path: Path) -> None:
    commit = "0123456789abcdef0123456789abcdef01234567"
    git = tmp_path / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    assert git_commit(tmp_path) is None  # the branch has no commit yet
    (git / "packed-refs").write_text(f"# pack-refs with: peeled\n{commit} refs/heads/main\n")
    assert git_commit(tmp_path / "sub") == {"commit": commit, "ref": "refs/heads/main"}
    (git / "refs" / "heads" / "main").write_text(commit.replace("0", "f") + "\n")
    assert git_commit(tmp_path)["commit"] == commit.replace("0", "f")  # type: ignore[index]
    (git / "HEAD").write_text("ref: refs/../../../etc/passwd\n")
    assert git_commit(tmp_path) is None


def test_remote_modules_not_read_are_listed_in_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  region = "eu-west-3"\n}\n'
        'module "db" {\n  source  = "terraform-aws-modules/rds/aws"\n  version = "6.0.0"\n}\n')
    page = html_of(str(tmp_path), cwd=tmp_path)
    row = page[page.index("<th>Not read</th>"):page.index('<section id="residency">')]
    assert "the verdict does not cover their contents" in row
    assert "<code>main.tf:4</code> module.db: source &#39;terraform-aws-modules/rds/aws&#39;" in row
