"""The composite action (action.yml): it parses, every input is used, third-party actions are
pinned by SHA, and its scan step, run by bash as the runner runs it, scans and reports."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import FIXTURES, REPO


def action() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    return document


def test_action_is_a_composite_that_installs_from_its_own_checkout() -> None:
    runs = action()["runs"]
    assert runs["using"] == "composite"
    install = next(step for step in runs["steps"] if step.get("name") == "Install sovlint")
    assert install["run"] == 'python -m pip install --quiet "$GITHUB_ACTION_PATH"'


def test_every_input_is_used_and_every_used_input_is_declared() -> None:
    document = action()
    steps = yaml.safe_dump(document["runs"])
    used = set(re.findall(r"inputs\.([a-z][a-z0-9-]*)", steps))
    assert used == set(document["inputs"])
    for name, spec in document["inputs"].items():
        assert spec["description"], name
        assert "default" in spec, name


def test_third_party_actions_are_pinned_by_commit_sha() -> None:
    for step in action()["runs"]["steps"]:
        if "uses" in step:
            assert re.fullmatch(r"[\w./-]+@[0-9a-f]{40}", step["uses"]), step["uses"]


# Each pin is the commit its tag named in the comment points to (`git rev-parse TAG^{commit}`
# in a clone of the action's repository); a pin and its comment change together.
_PIN = re.compile(r"^[ -]*uses: ([\w.-]+/[\w./-]+)@([0-9a-f]+) # (v\d+\.\d+\.\d+)$", re.MULTILINE)
_PINNED_FILES = ("action.yml", ".github/workflows/release.yml")


def test_every_pin_names_its_release_tag_and_is_the_same_in_every_file() -> None:
    seen: dict[str, tuple[str, str]] = {}
    for name in _PINNED_FILES:
        text = (REPO / name).read_text(encoding="utf-8")
        uses = re.findall(r"^[ -]*uses: \S+", text, re.MULTILINE)
        pins = _PIN.findall(text)
        assert len(pins) == len(uses), f"{name}: a `uses:` without a SHA and a # vX.Y.Z tag"
        for repository, sha, tag in pins:
            owner_name = "/".join(repository.split("/")[:2])
            assert len(sha) == 40, (name, repository)
            assert seen.setdefault(owner_name, (sha, tag)) == (sha, tag), (name, owner_name)


def test_outputs_name_the_steps_that_set_them() -> None:
    outputs = action()["outputs"]
    assert outputs["exit-code"]["value"] == "${{ steps.scan.outputs.exit-code }}"
    assert outputs["sarif"]["value"] == "${{ steps.scan.outputs.sarif }}"


def run_scan_step(tmp_path: Path, **inputs: str) -> tuple[dict[str, str], str]:
    """Run the Scan step's script the way the runner does (bash -e, env from the inputs)."""
    document = action()
    step = next(s for s in document["runs"]["steps"] if s.get("id") == "scan")
    values = {name: spec["default"] for name, spec in document["inputs"].items()} | inputs
    env = dict(os.environ, RUNNER_TEMP=str(tmp_path), GITHUB_OUTPUT=str(tmp_path / "out"),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    for key, expression in step["env"].items():
        name = re.fullmatch(r"\$\{\{ inputs\.([a-z-]+) \}\}", expression)
        assert name is not None, expression
        env[key] = values[name.group(1)]
    completed = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                                step["run"]], cwd=values["working-directory"], env=env,
                               capture_output=True, text=True, check=True, timeout=300)
    lines = (tmp_path / "out").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines), completed.stdout


@pytest.mark.skipif(shutil.which("bash") is None
                    or not (Path(sys.executable).parent / "sovlint").exists(),
                    reason="bash and an installed sovlint are needed")
def test_scan_step_annotates_writes_sarif_and_reports_the_exit_code(tmp_path: Path) -> None:
    outputs, log = run_scan_step(tmp_path, path=str(FIXTURES / "aws-health-records"),
                                 **{"fail-on": "high", "format": "junit",
                                    "output": str(tmp_path / "sovlint.xml")})

    assert outputs["exit-code"] == "1"
    assert "::error file=" in log
    assert Path(outputs["sarif"]).read_text().startswith("{")
    assert (tmp_path / "sovlint.xml").read_text().startswith("<?xml")


@pytest.mark.skipif(shutil.which("bash") is None
                    or not (Path(sys.executable).parent / "sovlint").exists(),
                    reason="bash and an installed sovlint are needed")
def test_scan_step_passes_rule_severity_and_exclude_inputs(tmp_path: Path) -> None:
    tree = tmp_path / "infra"
    (tree / "examples").mkdir(parents=True)
    (tree / "main.tf").write_text('provider "aws" {\n  region = "us-east-1"\n}\n'
                                  'resource "aws_s3_bucket" "records" {}\n')
    (tree / "examples" / "x.tf").write_text('resource "aws_s3_bucket" "x" {}\n')

    outputs, _ = run_scan_step(tmp_path, **{
        "working-directory": str(tree), "profile": "residency", "rules": "SOV001,SOV004",
        "skip-rules": "SOV004", "severity": "high", "exclude": "examples *.md",
        "format": "json", "output": "out.json"})

    assert outputs["exit-code"] == "1"
    findings = json.loads((tree / "out.json").read_text())["findings"]
    assert [(f["rule_id"], f["file"]) for f in findings] == [("SOV001", "main.tf")]
