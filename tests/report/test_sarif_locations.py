"""SARIF locations as code review tools place them: the causing line first, the resource block
related; paths relative to the repository root whatever the working directory."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from helpers import FIXTURES, run_cli

SCHEMA_FILE = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"

US_BUCKET = """\
resource "aws_s3_bucket" "exports" {
  bucket = "exports"
}
"""
PROVIDER = """\
provider "aws" {
  alias  = "unused"
  region = "eu-west-3"
}

provider "aws" {
  region = "us-east-1"
}
"""


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    return jsonschema.Draft4Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def sarif_of(*args: str, cwd: Path) -> dict[str, Any]:
    output = run_cli("scan", *args, "--format", "sarif", "--no-cache", cwd=cwd)
    assert output.exit_code in (0, 1), output.stderr
    return json.loads(output.stdout)  # type: ignore[no-any-return]


def results(document: dict[str, Any], rule_id: str) -> list[dict[str, Any]]:
    return [r for r in document["runs"][0]["results"] if r["ruleId"] == rule_id]


def place(location: dict[str, Any]) -> tuple[str, int]:
    physical = location["physicalLocation"]
    return physical["artifactLocation"]["uri"], physical["region"]["startLine"]


@pytest.fixture()
def repository(tmp_path: Path) -> Path:
    """A repository (`.git` at its top) holding the AWS health-records stack in infra/aws."""
    (tmp_path / ".git").mkdir()
    shutil.copytree(FIXTURES / "aws-health-records", tmp_path / "infra" / "aws")
    return tmp_path


def test_a_region_set_by_the_provider_points_at_its_region_line(repository: Path) -> None:
    document = sarif_of("infra/aws", cwd=repository)
    [result] = [r for r in results(document, "SOV001")
                if r["locations"][0]["logicalLocations"][-1]["fullyQualifiedName"]
                == "aws_s3_bucket.dr"]
    # storage.tf:39 is the bucket; providers.tf:18 is `region = "us-east-1"` of aws.dr.
    assert place(result["locations"][0]) == ("infra/aws/providers.tf", 18)
    [block] = result["relatedLocations"]
    assert place(block) == ("infra/aws/storage.tf", 39)
    assert block["message"]["text"] == "resource block aws_s3_bucket.dr"


def test_a_region_attribute_of_the_resource_is_its_primary_line(repository: Path) -> None:
    document = sarif_of("infra/aws", cwd=repository)
    [result] = [r for r in results(document, "SOV001")
                if r["locations"][0]["logicalLocations"][-1]["fullyQualifiedName"]
                == "aws_sqs_queue.lab_results"]
    assert place(result["locations"][0]) == ("infra/aws/main.tf", 28)
    assert place(result["relatedLocations"][0]) == ("infra/aws/main.tf", 27)


def test_a_flow_points_at_the_attribute_that_creates_it(repository: Path) -> None:
    [result] = results(sarif_of("infra/aws", cwd=repository), "SOV003")
    assert place(result["locations"][0]) == ("infra/aws/storage.tf", 83)
    assert place(result["relatedLocations"][0]) == ("infra/aws/storage.tf", 59)


def test_a_provider_finding_stays_on_the_block(repository: Path) -> None:
    for result in results(sarif_of("infra/aws", cwd=repository), "SOV002"):
        assert "relatedLocations" not in result


@pytest.mark.parametrize("cwd, path", [
    (".", "envs/prod"),
    ("envs", "prod"),
    ("envs/prod", "."),
    ("envs/prod", "main.tf"),
    ("other", "../envs/prod"),
])
def test_paths_are_relative_to_the_repository_root_from_any_directory(
        tmp_path: Path, cwd: str, path: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "envs" / "prod").mkdir(parents=True)
    (tmp_path / "other").mkdir()
    (tmp_path / "envs" / "prod" / "main.tf").write_text(PROVIDER + "\n" + US_BUCKET)

    document = sarif_of(path, "--profile", "residency", cwd=tmp_path / cwd)

    [result] = results(document, "SOV001")
    assert place(result["locations"][0]) == ("envs/prod/main.tf", 7)
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] \
        == "%SRCROOT%"
    assert place(result["relatedLocations"][0]) == ("envs/prod/main.tf", 10)
    assert document["runs"][0]["automationDetails"] == {"id": "sovlint/envs/prod/"}


def test_without_a_repository_paths_are_relative_to_the_scanned_directory(
        tmp_path: Path) -> None:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(PROVIDER + "\n" + US_BUCKET)
    if any((parent / ".git").exists() for parent in tmp_path.parents):
        pytest.skip("the temporary directory is inside a repository")

    document = sarif_of("infra", "--profile", "residency", cwd=tmp_path)

    [result] = results(document, "SOV001")
    assert place(result["locations"][0]) == ("main.tf", 7)
    assert document["runs"][0]["automationDetails"] == {"id": "sovlint/"}


def test_the_driver_has_a_full_name(repository: Path) -> None:
    driver = sarif_of("infra/aws", cwd=repository)["runs"][0]["tool"]["driver"]
    date = driver["properties"]["catalogueDate"]
    assert driver["fullName"].startswith(
        f"sovlint {driver['version']} (catalogue {date}), data-sovereignty")


@pytest.mark.parametrize("fixture", sorted(
    p.name for p in FIXTURES.iterdir() if p.is_dir()))
def test_the_sarif_of_every_fixture_validates(
        fixture: str, tmp_path: Path, validator: jsonschema.Draft4Validator) -> None:
    document = sarif_of(str(FIXTURES / fixture), cwd=tmp_path)
    validator.validate(document)
    for result in document["runs"][0]["results"]:
        for location in result["locations"] + result.get("relatedLocations", []):
            uri = location["physicalLocation"]["artifactLocation"]["uri"]
            assert not uri.startswith(("/", "../")), uri


def test_the_sarif_with_custom_rules_validates(
        validator: jsonschema.Draft4Validator) -> None:
    """fixtures/custom-policies/infra with its configuration's Rego and Python rules (the
    scan of the whole fixture above does not load them): custom rules in the driver."""
    document = sarif_of(".", "--trust-repo-config",
                        cwd=FIXTURES / "custom-policies" / "infra")
    validator.validate(document)
    driver_rules = {rule["id"] for rule in document["runs"][0]["tool"]["driver"]["rules"]}
    reported = {result["ruleId"] for result in document["runs"][0]["results"]}
    assert {"ACME001", "ACME004"} <= reported <= driver_rules
