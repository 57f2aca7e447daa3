"""The pre-commit hook, run by the real pre-commit against this checkout (try-repo)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import REPO

pytestmark = pytest.mark.skipif(shutil.which("pre-commit") is None or shutil.which("git") is None,
                                reason="pre-commit and git are needed")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture(scope="module")
def precommit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(repo: Path, home: Path, *files: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")
    return subprocess.run(
        ["pre-commit", "try-repo", str(REPO), "sovlint", "--files", *files],
        cwd=repo, env=env, capture_output=True, text=True, timeout=600, check=False,
    )


def make_repo(tmp_path: Path, region: str) -> Path:
    repo = tmp_path / "infra"
    (repo / "storage").mkdir(parents=True)
    providers = f'provider "aws" {{\n  region = "{region}"\n}}\n'
    (repo / "storage" / "providers.tf").write_text(providers)
    (repo / "storage" / "main.tf").write_text('resource "aws_s3_bucket" "records" {}\n')
    (repo / ".sovlint.yaml").write_text("profile: residency\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    return repo


def test_hook_fails_on_a_violating_change(tmp_path: Path, precommit_home: Path) -> None:
    repo = make_repo(tmp_path, "us-east-1")
    result = try_repo(repo, precommit_home, "storage/main.tf")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "SOV001" in result.stdout
    assert "storage/main.tf" in result.stdout


def test_hook_passes_on_a_clean_change(tmp_path: Path, precommit_home: Path) -> None:
    repo = make_repo(tmp_path, "eu-west-3")
    result = try_repo(repo, precommit_home, "storage/main.tf")
    assert result.returncode == 0, result.stdout + result.stderr
