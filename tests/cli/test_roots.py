"""Identity across roots (SPEC §3): one module deployed by two roots is two resources, with
their own findings, fingerprints, baseline entries, report rows and inventory nodes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from helpers import FIXTURES, run_cli

TREE = FIXTURES / "shared-module-roots"
BUCKET = "module.records.aws_s3_bucket.records"


def _terraform_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "repo"
    shutil.copytree(TREE, tree, ignore=shutil.ignore_patterns("k8s"))
    return tree


def _scan(tree: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = run_cli("scan", ".", "--format", "json", *args, cwd=tree)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def _active(report: dict[str, Any], rule_id: str) -> list[tuple[str | None, str | None]]:
    return sorted((f["root"], f["resource"]) for f in report["findings"]
                  if f["rule_id"] == rule_id and not f["suppressed"])


def test_each_root_has_its_own_findings_with_its_own_location(tmp_path: Path) -> None:
    _, report = _scan(_terraform_tree(tmp_path))

    assert _active(report, "SOV001") == [("envs/dr", "module.records.aws_kms_key.records"),
                                         ("envs/dr", BUCKET)]
    assert _active(report, "SOV002") == [
        ("envs/dr", "module.records.aws_kms_key.records"), ("envs/dr", BUCKET),
        ("envs/prod", "module.records.aws_kms_key.records"), ("envs/prod", BUCKET)]
    for finding in report["findings"]:
        # Message and location come from one record: the region named is the root's own.
        region = finding["location"]["region"]
        assert region == {"envs/dr": "us-east-1", "envs/prod": "eu-west-3"}[finding["root"]]
        if finding["rule_id"] == "SOV001":
            assert region in finding["message"]


def test_dump_input_names_the_root_of_every_resource(tmp_path: Path) -> None:
    result = run_cli("scan", ".", "--dump-input", cwd=_terraform_tree(tmp_path))
    document = json.loads(result.stdout)

    assert sorted((r["root"], r["address"]) for r in document["resources"]
                  if r["address"] == BUCKET) == [("envs/dr", BUCKET), ("envs/prod", BUCKET)]


def test_a_baseline_of_one_root_never_covers_a_new_violation_in_another(tmp_path: Path) -> None:
    tree = _terraform_tree(tmp_path)
    baseline = tmp_path / "baseline.json"
    assert run_cli("scan", ".", "--write-baseline", str(baseline), cwd=tree).exit_code == 1
    recorded = json.loads(baseline.read_text())
    assert recorded["version"] == 2
    assert {e["root"] for e in recorded["findings"]} == {"envs/dr", "envs/prod"}

    code, report = _scan(tree, "--baseline", str(baseline))
    assert code == 0 and report["summary"]["findings"] == 0  # nothing new yet

    prod = tree / "envs/prod/main.tf"
    prod.write_text(prod.read_text().replace("eu-west-3", "us-west-2"))
    code, report = _scan(tree, "--baseline", str(baseline))

    assert code == 1
    assert _active(report, "SOV001") == [("envs/prod", "module.records.aws_kms_key.records"),
                                         ("envs/prod", BUCKET)]


def test_a_version_1_entry_covers_nothing_when_several_roots_share_its_fingerprint(
        tmp_path: Path) -> None:
    from sovlint.model import Finding
    from sovlint.suppress import legacy_fingerprint

    tree = _terraform_tree(tmp_path)
    prod = tree / "envs/prod/main.tf"
    prod.write_text(prod.read_text().replace("eu-west-3", "us-west-2"))
    finding = Finding("SOV001", "non-eu-region", "high", "", BUCKET, "aws_s3_bucket",
                      "modules/records/main.tf", 6, 12)
    baseline = tmp_path / "v1.json"
    baseline.write_text(json.dumps({"version": 1, "tool": "sovlint", "findings": [
        {"fingerprint": legacy_fingerprint(finding), "rule_id": "SOV001", "resource": BUCKET,
         "file": "modules/records/main.tf"}]}))

    code, report = _scan(tree, "--baseline", str(baseline))

    assert code == 1
    assert ("envs/dr", BUCKET) in _active(report, "SOV001")
    assert ("envs/prod", BUCKET) in _active(report, "SOV001")
    assert any("version 1" in d["message"] for d in report["diagnostics"])


def test_a_version_1_entry_still_covers_a_finding_only_one_root_has(tmp_path: Path) -> None:
    from sovlint.model import Finding
    from sovlint.suppress import legacy_fingerprint

    tree = _terraform_tree(tmp_path)
    finding = Finding("SOV001", "non-eu-region", "high", "", BUCKET, "aws_s3_bucket",
                      "modules/records/main.tf", 6, 12)
    baseline = tmp_path / "v1.json"
    baseline.write_text(json.dumps({"version": 1, "findings": [
        {"fingerprint": legacy_fingerprint(finding)}]}))

    _, report = _scan(tree, "--baseline", str(baseline))

    assert ("envs/dr", BUCKET) not in _active(report, "SOV001")
    assert ("envs/dr", "module.records.aws_kms_key.records") in _active(report, "SOV001")


def test_reports_keep_roots_apart(tmp_path: Path) -> None:
    tree = _terraform_tree(tmp_path)
    sarif = json.loads(run_cli("scan", ".", "--format", "sarif", cwd=tree).stdout)
    results = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "SOV002"]
    assert len({r["partialFingerprints"]["sovlintFingerprint/v1"] for r in results}) == 4
    roots = sorted(r["properties"]["rootModule"] for r in results)
    assert roots == ["envs/dr", "envs/dr", "envs/prod", "envs/prod"]
    assert {"fullyQualifiedName": "envs/prod", "kind": "module"} in [
        logical for r in results for logical in r["locations"][0]["logicalLocations"]]

    gitlab = json.loads(run_cli("scan", ".", "--format", "gitlab", cwd=tree).stdout)
    assert len({issue["fingerprint"] for issue in gitlab}) == len(gitlab) == 6

    junit = run_cli("scan", ".", "--format", "junit", cwd=tree).stdout
    assert f'name="envs/dr: {BUCKET}"' in junit and f'name="envs/prod: {BUCKET}"' in junit

    github = run_cli("scan", ".", "--format", "github", cwd=tree).stdout
    assert "title=SOV001 non-eu-region (envs/dr)" in github

    text = run_cli("scan", ".", cwd=tree).stdout
    assert f"envs/dr: {BUCKET}" in text and f"envs/prod: {BUCKET}" in text


def test_a_single_root_scan_names_no_root(tmp_path: Path) -> None:
    tree = _terraform_tree(tmp_path)
    text = run_cli("scan", "envs/dr", cwd=tree).stdout

    assert f"  {BUCKET}  " in text and "envs/dr: " not in text


def test_inventory_draws_one_node_per_root_in_its_own_country(tmp_path: Path) -> None:
    mermaid = run_cli("inventory", ".", "--format", "mermaid",
                      cwd=_terraform_tree(tmp_path)).stdout
    # Country boxes open at two spaces of indentation; a node reads "address<br/>root".
    boxes = ["  subgraph " + box for box in mermaid.split("\n  subgraph ")[1:]]
    [france] = [box for box in boxes if box.startswith('  subgraph c0["FR France')]
    [usa] = [box for box in boxes if '["US United States' in box.splitlines()[0]]

    assert f"{BUCKET}<br/>envs/prod" in france and f"{BUCKET}<br/>envs/dr" not in france
    assert f"{BUCKET}<br/>envs/dr" in usa and f"{BUCKET}<br/>envs/prod" not in usa


def _many_roots(tmp_path: Path, roots: int) -> Path:
    tree = tmp_path / "many"
    for number in range(4):
        module = tree / f"modules/m{number}"
        module.mkdir(parents=True)
        (module / "main.tf").write_text(
            'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'
            'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    regions = ["eu-west-3", "us-east-1", "eu-central-1", "ap-south-1"]
    for number in range(roots):
        env = tree / f"envs/e{number:02d}"
        env.mkdir(parents=True)
        calls = "".join(f'module "m{m}" {{\n  source = "../../modules/m{m}"\n}}\n'
                        for m in range(4) if (number + m) % 2 == 0 or m == 0)
        (env / "main.tf").write_text(
            f'provider "aws" {{\n  region = "{regions[number % 4]}"\n}}\n{calls}')
    return tree


def test_reports_are_byte_identical_for_any_number_of_jobs(tmp_path: Path) -> None:
    tree = _many_roots(tmp_path, 44)  # more files than the parallel threshold
    outputs = {jobs: run_cli("scan", ".", "--format", "json", "--jobs", str(jobs),
                             cwd=tree).stdout for jobs in (1, 2, 3)}

    assert outputs[1] == outputs[2] == outputs[3]
    report = json.loads(outputs[1])
    outside = {(f["root"], f["resource"]) for f in report["findings"]
               if f["rule_id"] == "SOV001"}
    assert len(outside) == len([f for f in report["findings"] if f["rule_id"] == "SOV001"])
    # 22 of the 44 roots are outside the EU; each deploys module m0 (and sometimes m2).
    assert len({root for root, _ in outside}) == 22


def test_a_changed_file_of_a_shared_module_is_evaluated_through_every_caller(
        tmp_path: Path) -> None:
    tree = _terraform_tree(tmp_path)
    (tree / ".git").mkdir()  # the repository root, where the walk for callers stops

    _, report = _scan_files(tree, "modules/records/main.tf")

    assert _active(report, "SOV001") == [("envs/dr", "module.records.aws_kms_key.records"),
                                         ("envs/dr", BUCKET)]
    assert _active(report, "SOV004") == []  # the module alone has no region: never judged so
    assert {f["root"] for f in report["findings"]} == {"envs/dr", "envs/prod"}


def test_a_changed_file_of_a_root_is_evaluated_in_that_root_only(tmp_path: Path) -> None:
    tree = _terraform_tree(tmp_path)
    (tree / ".git").mkdir()

    _, report = _scan_files(tree, "envs/prod/main.tf")

    assert {f["root"] for f in report["findings"]} == {"envs/prod"}
    assert _active(report, "SOV001") == []


def _scan_files(tree: Path, *files: str) -> tuple[int, dict[str, Any]]:
    result = run_cli("scan", *files, "--format", "json", cwd=tree)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)
