"""The CI and pre-commit recipes of the README and docs/ci.md work from this repository as it
is: sovlint is not on PyPI, so they install from the git repository at a pinned commit, and the
pre-commit hook they name exists."""

from __future__ import annotations

import re

import pytest
import yaml
from helpers import REPO

RECIPE_FILES = ["README.md", "docs/ci.md", "ci/gitlab-ci-template.yml"]


@pytest.mark.parametrize("name", RECIPE_FILES)
def test_recipes_do_not_install_an_unpublished_pypi_package(name: str) -> None:
    text = (REPO / name).read_text(encoding="utf-8")
    for match in re.finditer(r"pip install[^\n`]*", text):
        command = match.group(0)
        assert not re.search(r"pip install (--quiet )?sovlint\b(?!==)", command) or (
            "not published" in text[max(0, match.start() - 300):match.start() + 300]
        ), f"{name}: {command!r} installs a package that is not published"


@pytest.mark.parametrize("name", RECIPE_FILES)
def test_recipes_pin_no_release_that_does_not_exist(name: str) -> None:
    text = (REPO / name).read_text(encoding="utf-8")
    assert "v0.1.0" not in text
    assert "@v0" not in text


def test_precommit_recipe_pins_a_revision_and_names_the_hook_of_this_repository() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    ids = {hook["id"] for hook in hooks}
    for name in ["README.md", "docs/ci.md"]:
        text = (REPO / name).read_text(encoding="utf-8")
        block = re.search(r"repos:\n(.*?)```", text, re.S)
        assert block is not None, name
        recipe = yaml.safe_load("repos:\n" + block.group(1))
        repo = recipe["repos"][0]
        assert repo["rev"] == "<sha>"
        assert {hook["id"] for hook in repo["hooks"]} <= ids


def test_precommit_hook_runs_sovlint_scan_on_the_files_sovlint_reads() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "sovlint"
    assert hook["entry"] == "sovlint scan"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    files = re.compile(hook["files"])
    for path in ["infra/main.tf", "infra/main.tf.json", "infra/main.tofu", "a/b.tofu.json",
                 "prod.tfvars", "x.auto.tfvars.json", "k8s/deploy.yaml", "k8s/svc.yml",
                 "plan.json"]:
        assert files.search(path), path
    for path in ["README.md", "main.py", "Chart.lock", "infra/main.tf.bak"]:
        assert not files.search(path), path
