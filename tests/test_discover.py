"""Discovery: classification, never-walked directories, exclusions."""

from __future__ import annotations

from pathlib import Path

from sovlint.discover import discover


def make(tmp_path: Path, *names: str) -> None:
    for name in names:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")


def test_classifies_by_name(tmp_path: Path) -> None:
    make(tmp_path, "main.tf", "x.tf.json", "prod.tfvars", "app.yaml", "plan.json", "README.md")
    found = discover([str(tmp_path)], [], tmp_path)
    kinds = {f.path.name: f.kind for f in found.files}
    assert kinds == {"main.tf": "terraform", "x.tf.json": "terraform", "prod.tfvars": "tfvars",
                     "app.yaml": "yaml", "plan.json": "json", "README.md": "other"}


def test_terraform_git_and_node_modules_are_never_walked(tmp_path: Path) -> None:
    make(tmp_path, "main.tf", ".terraform/modules/vpc/main.tf", ".git/config.yaml",
         "node_modules/x/a.yaml")
    found = discover([str(tmp_path)], [], tmp_path)
    assert [f.path.relative_to(tmp_path).as_posix() for f in found.files] == ["main.tf"]


def test_excluded_paths_are_counted_not_scanned(tmp_path: Path) -> None:
    make(tmp_path, "main.tf", "examples/demo/main.tf", "k8s/test.yaml")
    found = discover([str(tmp_path)], ["examples/**", "*.yaml"], tmp_path)
    assert [f.path.name for f in found.files] == ["main.tf"]
    assert len(found.excluded) == 2


def test_helm_templates_are_not_yaml(tmp_path: Path) -> None:
    make(tmp_path, "chart/Chart.yaml", "chart/templates/deployment.yaml", "chart/values.yaml")
    found = discover([str(tmp_path)], [], tmp_path)
    kinds = {f.path.relative_to(tmp_path).as_posix(): f.kind for f in found.files}
    assert kinds["chart/templates/deployment.yaml"] == "helm-template"
    assert kinds["chart/values.yaml"] == "yaml"


def test_missing_path_is_reported(tmp_path: Path) -> None:
    found = discover([str(tmp_path / "nope")], [], tmp_path)
    assert found.missing == [str(tmp_path / "nope")]


def test_hundreds_of_exclude_globs_are_matched_in_linear_time() -> None:
    import time

    from sovlint.globs import matches

    patterns = [f"team-{index}/**/generated-*.tf" for index in range(600)]
    patterns.append("**/" * 40 + "never")  # backtracking bait
    start = time.monotonic()
    hits = [matches(f"team-{index % 700}/a/b/generated-x.tf", patterns) for index in range(5000)]
    assert time.monotonic() - start < 2
    assert hits == [index % 700 < 600 for index in range(5000)]


def test_opentofu_files_are_terraform(tmp_path: Path) -> None:
    make(tmp_path, "only/main.tofu", "only/vars.tofu.json")
    found = discover([str(tmp_path)], [], tmp_path)
    assert {f.path.name: f.kind for f in found.files} == {
        "main.tofu": "terraform", "vars.tofu.json": "terraform"}
    assert found.terraform_dirs == [tmp_path / "only"]
