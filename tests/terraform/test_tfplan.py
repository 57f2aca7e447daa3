"""Terraform plan JSON (`terraform show -json PLAN`) as an input.

The two plans under fixtures/plans/ were made by the real `terraform` binary
(fixtures/plans/make_plans.sh); the small plans written here follow the same format.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers import FIXTURES, REPO, findings_of, run_cli

from sovlint.normalise.terraform import normalise_instance
from sovlint.parsers.hcl import parse_hcl
from sovlint.parsers.tfplan import PlanResult, is_plan_json, load_plan
from sovlint.terraform.values import Unknown

PLANS = "fixtures/plans"
AWS_PLAN = f"{PLANS}/aws-health-records.plan.json"
MODULES_PLAN = f"{PLANS}/modules.plan.json"


def _load(name: str) -> PlanResult:
    text = (FIXTURES / "plans" / name).read_text(encoding="utf-8")
    return load_plan(text, f"{PLANS}/{name}")


def _by_address(result: PlanResult) -> dict[str, Any]:
    return {instance.address: instance for instance in result.resources}


def _scan(*args: str, input: str | None = None) -> tuple[int, dict[str, Any]]:
    result = run_cli("scan", *args, "--format", "json", input=input)
    assert result.exit_code in (0, 1), result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return result.exit_code, report


def _plan(
    resources: list[dict[str, Any]],
    configuration: dict[str, Any] | None = None,
    changes: list[dict[str, Any]] | None = None,
    variables: dict[str, Any] | None = None,
    child_modules: list[dict[str, Any]] | None = None,
) -> str:
    plan: dict[str, Any] = {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "planned_values": {"root_module": {"resources": resources}},
    }
    if child_modules:
        plan["planned_values"]["root_module"]["child_modules"] = child_modules
    if variables is not None:
        plan["variables"] = variables
    if changes is not None:
        plan["resource_changes"] = changes
    if configuration is not None:
        plan["configuration"] = configuration
    return json.dumps(plan, indent=2)


def _resource(address: str, values: dict[str, Any], mode: str = "managed") -> dict[str, Any]:
    local = address.split("module.")[-1].split(".", 1)[-1] if "module." in address else address
    parts = local.split("[")[0].split(".")
    rtype, name = (parts[1], parts[2]) if mode == "data" else (parts[0], parts[1])
    return {"address": address, "mode": mode, "type": rtype, "name": name,
            "provider_name": "registry.terraform.io/hashicorp/aws", "values": values}


# --------------------------------------------------------------------------- detection


def test_plan_json_is_recognised_by_its_keys() -> None:
    assert is_plan_json((FIXTURES / "plans" / "modules.plan.json").read_text())
    assert is_plan_json('{"format_version": "1.2", "resource_changes": []}')
    assert is_plan_json('\ufeff {"planned_values": {}, "format_version": "1.0"}')
    # A truncated plan is still a plan: its error is reported as one.
    assert is_plan_json('{"format_version": "1.2", "planned_values": {"root_module": {')
    assert not is_plan_json('{"format_version": "1.2"}')
    assert not is_plan_json('{"apiVersion": "v1", "kind": "ConfigMap", "data": '
                            '{"plan": "{\\"format_version\\": 1, \\"planned_values\\": {}}"}}')
    assert not is_plan_json('[{"format_version": "1.2", "planned_values": {}}]')
    assert not is_plan_json('{"values": {"format_version": "1", "planned_values": {}}}')
    assert not is_plan_json("format_version: 1\nplanned_values: {}\n")


# --------------------------------------------------------------------------- resources


def test_resources_and_addresses_come_from_planned_values_with_child_modules() -> None:
    result = _load("modules.plan.json")
    assert result.errors == []
    assert result.diagnostics == []
    assert result.backend is None
    assert [(r.address, r.mode, r.type, r.name, r.module_path) for r in result.resources] == [
        ("aws_s3_bucket.scans[0]", "managed", "aws_s3_bucket", "scans", ""),
        ("aws_s3_bucket.scans[1]", "managed", "aws_s3_bucket", "scans", ""),
        ('module.archive["cardiology"].aws_dynamodb_table.this', "managed",
         "aws_dynamodb_table", "this", 'module.archive["cardiology"]'),
        ('module.archive["oncology"].aws_dynamodb_table.this', "managed",
         "aws_dynamodb_table", "this", 'module.archive["oncology"]'),
        ("module.events.aws_kms_key.events", "managed", "aws_kms_key", "events",
         "module.events"),
        ("module.events.aws_sqs_queue.events", "managed", "aws_sqs_queue", "events",
         "module.events"),
    ]


def test_values_are_the_attributes() -> None:
    resources = _by_address(_load("modules.plan.json"))
    assert resources["aws_s3_bucket.scans[1]"].attributes["bucket"] == "imaging-scans-1"
    archive = resources['module.archive["oncology"].aws_dynamodb_table.this']
    assert archive.attributes["name"] == "archive-oncology"
    assert archive.attributes["attribute"] == [{"name": "id", "type": "S"}]


def test_resource_lines_point_at_planned_values_in_the_plan_file() -> None:
    resources = _by_address(_load("modules.plan.json"))
    lines = (FIXTURES / "plans" / "modules.plan.json").read_text().splitlines()
    for address in ("aws_s3_bucket.scans[0]",
                    'module.archive["oncology"].aws_dynamodb_table.this',
                    "module.events.aws_sqs_queue.events"):
        instance = resources[address]
        assert instance.file == MODULES_PLAN
        assert instance.end_line == instance.line
        assert lines[instance.line - 1].strip() == f'"address": {json.dumps(address)},'
        # planned_values comes before resource_changes, which repeats every address
        assert instance.line < next(number for number, text in enumerate(lines, 1)
                                    if '"resource_changes"' in text)


def test_a_single_line_plan_puts_every_resource_on_line_one() -> None:
    text = json.dumps(json.loads((FIXTURES / "plans" / "modules.plan.json").read_text()))
    result = load_plan(text, "plan.json")
    assert {(r.file, r.line) for r in result.resources} == {("plan.json", 1)}


def test_hcl_lines_callback_maps_addresses_to_their_blocks() -> None:
    text = (FIXTURES / "plans" / "aws-health-records.plan.json").read_text()
    blocks = {"aws_s3_bucket.dr": ("fixtures/aws-health-records/storage.tf", 39, 46)}
    result = load_plan(text, AWS_PLAN, blocks.get)
    resources = _by_address(result)
    assert (resources["aws_s3_bucket.dr"].file, resources["aws_s3_bucket.dr"].line,
            resources["aws_s3_bucket.dr"].end_line) == (
        "fixtures/aws-health-records/storage.tf", 39, 46)
    assert (resources["aws_kms_key.dr"].file, resources["aws_kms_key.dr"].line) == (
        AWS_PLAN, 184)


# --------------------------------------------------------------------------- providers


def test_provider_region_from_a_constant() -> None:
    resources = _by_address(_load("aws-health-records.plan.json"))
    dr = resources["aws_s3_bucket.dr"]
    assert dr.provider_ref == "aws.dr"
    assert dr.provider is not None
    assert (dr.provider.name, dr.provider.alias, dr.provider.attributes["region"]) == (
        "aws", "dr", "us-east-1")
    assert (dr.provider.file, dr.provider.line) == (AWS_PLAN, 1)
    assert dr.provider.attributes["default_tags"] == [{"tags": {
        "environment": "production-dr", "owner": "platform-team", "project": "dossier-patient"}}]
    records = resources["aws_kms_key.records"]
    assert records.provider_ref == "aws"
    assert records.provider is not None
    assert (records.provider.alias, records.provider.attributes["region"]) == (None, "eu-west-3")


def test_provider_region_from_a_variable_reference() -> None:
    resources = _by_address(_load("modules.plan.json"))
    scans = resources["aws_s3_bucket.scans[0]"]
    assert scans.provider is not None
    # region = var.region, default eu-central-1, given as -var region=eu-west-1
    assert scans.provider.attributes["region"] == "eu-west-1"


def test_provider_passed_into_a_for_each_module() -> None:
    resources = _by_address(_load("modules.plan.json"))
    archive = resources['module.archive["cardiology"].aws_dynamodb_table.this']
    assert archive.provider_ref == "aws.us"
    assert archive.provider is not None
    assert (archive.provider.alias, archive.provider.attributes["region"]) == ("us", "us-west-2")


def test_module_provider_region_from_the_module_argument() -> None:
    resources = _by_address(_load("modules.plan.json"))
    queue = resources["module.events.aws_sqs_queue.events"]
    assert queue.provider_ref == "aws"
    assert queue.provider is not None
    # provider "aws" { region = var.home } in the module; module "events" { home = var.region }
    assert queue.provider.attributes["region"] == "eu-west-1"


def _module_config(call_expressions: dict[str, Any], module_variables: dict[str, Any],
                   call_extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "provider_config": {
            "module.m:aws": {"name": "aws", "module_address": "module.m",
                             "expressions": {"region": {"references": ["var.where"]}}},
        },
        "root_module": {"module_calls": {"m": {
            "source": "./m", "expressions": call_expressions, **(call_extra or {}),
            "module": {"resources": [{"address": "aws_sqs_queue.q", "mode": "managed",
                                      "type": "aws_sqs_queue", "name": "q",
                                      "provider_config_key": "module.m:aws"}],
                       "variables": module_variables},
        }}},
    }


def _module_region(configuration: dict[str, Any], variables: dict[str, Any] | None = None
                   ) -> Any:
    text = _plan([], configuration, variables=variables, child_modules=[{
        "address": "module.m", "resources": [_resource("module.m.aws_sqs_queue.q", {})]}])
    result = load_plan(text, "plan.json")
    assert [r.address for r in result.resources] == ["module.m.aws_sqs_queue.q"]
    provider = result.resources[0].provider
    assert provider is not None
    return provider.attributes["region"]


def test_module_variable_resolution_cases() -> None:
    # a constant module argument
    assert _module_region(_module_config({"where": {"constant_value": "eu-north-1"}},
                                         {"where": {}})) == "eu-north-1"
    # not passed: the module variable's default
    assert _module_region(_module_config({}, {"where": {"default": "eu-south-1"}})
                          ) == "eu-south-1"
    # a root variable through the module argument
    assert _module_region(_module_config({"where": {"references": ["var.home"]}}, {"where": {}}),
                          {"home": {"value": "eu-west-2"}}) == "eu-west-2"


def test_module_variable_that_the_plan_cannot_give_is_unknown_naming_it() -> None:
    each = _module_region(_module_config({"where": {"references": ["each.value"]}},
                                         {"where": {}}))
    assert each == Unknown("module.m argument where depends on each.value, not evaluated in "
                           "the plan")
    missing = _module_region(_module_config({}, {"where": {}}))
    assert missing == Unknown("module.m.var.where has no value in the plan")


def test_expression_with_resource_references_is_unknown_with_those_resources() -> None:
    configuration = {
        "provider_config": {"aws": {"name": "aws", "expressions": {
            "region": {"references": ["aws_ssm_parameter.region.value",
                                      "aws_ssm_parameter.region"]}}}},
        "root_module": {"resources": [{"address": "aws_sqs_queue.q", "mode": "managed",
                                       "type": "aws_sqs_queue", "name": "q",
                                       "provider_config_key": "aws"}]},
    }
    result = load_plan(_plan([_resource("aws_sqs_queue.q", {})], configuration), "plan.json")
    provider = result.resources[0].provider
    assert provider is not None
    assert provider.attributes["region"] == Unknown(
        "provider aws region depends on aws_ssm_parameter.region.value, not evaluated in the "
        "plan", frozenset({"aws_ssm_parameter.region"}))


def test_old_module_provider_key_falls_back_to_the_inherited_configuration() -> None:
    configuration = {
        "provider_config": {"aws": {"name": "aws",
                                    "expressions": {"region": {"constant_value": "eu-west-3"}}}},
        "root_module": {"module_calls": {"m": {"module": {"resources": [{
            "address": "aws_sqs_queue.q", "mode": "managed", "type": "aws_sqs_queue",
            "name": "q", "provider_config_key": "module.m:aws"}]}}}},
    }
    text = _plan([], configuration, child_modules=[{
        "address": "module.m", "resources": [_resource("module.m.aws_sqs_queue.q", {})]}])
    instance = load_plan(text, "plan.json").resources[0]
    assert instance.provider is not None
    assert instance.provider.attributes["region"] == "eu-west-3"


def test_without_configuration_the_provider_is_unknown_and_a_diagnostic_says_so() -> None:
    result = load_plan(_plan([_resource("aws_s3_bucket.b", {"bucket": "b"})]), "plan.json")
    assert result.resources[0].provider is None
    assert result.resources[0].provider_ref == "aws"
    assert [d.message for d in result.diagnostics] == [
        "plan JSON has no configuration: provider regions are not known"]


# --------------------------------------------------------------------------- unknown values


def test_values_known_only_after_apply_are_unknown_with_the_resources_they_refer_to() -> None:
    resources = _by_address(_load("aws-health-records.plan.json"))
    replication = resources["aws_s3_bucket_replication_configuration.patient_documents"]
    destination = replication.attributes["rule"][0]["destination"][0]
    address = "aws_s3_bucket_replication_configuration.patient_documents"
    assert destination["bucket"] == Unknown(
        f"{address}.rule[0].destination[0].bucket is known only after apply",
        frozenset({"aws_s3_bucket.dr"}))
    assert destination["encryption_configuration"][0]["replica_kms_key_id"] == Unknown(
        f"{address}.rule[0].destination[0].encryption_configuration[0].replica_kms_key_id "
        "is known only after apply", frozenset({"aws_kms_key.dr"}))
    assert destination["storage_class"] == "STANDARD_IA"
    assert replication.attributes["bucket"] == Unknown(
        f"{address}.bucket is known only after apply",
        frozenset({"aws_s3_bucket.patient_documents"}))
    assert replication.references == {
        "bucket": ["aws_s3_bucket.patient_documents"],
        "rule": ["aws_s3_bucket.dr", "aws_kms_key.dr"],
    }


def test_computed_attributes_the_configuration_does_not_set_are_left_out() -> None:
    # AWS provider 5 computes a bucket's `region` at apply: it must not hide the provider's.
    bucket = _by_address(_load("aws-health-records.plan.json"))["aws_s3_bucket.dr"]
    assert "region" not in bucket.attributes
    assert "arn" not in bucket.attributes
    assert bucket.attributes["bucket"] == "hsa-patient-documents-dr"


def test_references_inside_modules_carry_the_module_instance() -> None:
    queue = _by_address(_load("modules.plan.json"))["module.events.aws_sqs_queue.events"]
    assert queue.attributes["kms_master_key_id"] == Unknown(
        "module.events.aws_sqs_queue.events.kms_master_key_id is known only after apply",
        frozenset({"module.events.aws_kms_key.events"}))
    assert queue.references == {"kms_master_key_id": ["module.events.aws_kms_key.events"]}


def test_without_configuration_every_unknown_value_is_unknown() -> None:
    changes = [{"address": "aws_s3_bucket.b", "change": {
        "actions": ["create"], "after": {"bucket": "b"},
        "after_unknown": {"arn": True, "tags": {"owner": True}, "grant": [False, True]}}}]
    text = _plan([_resource("aws_s3_bucket.b", {"bucket": "b", "grant": [{"x": 1}]})],
                 changes=changes)
    attributes = load_plan(text, "plan.json").resources[0].attributes
    assert attributes == {
        "bucket": "b",
        "arn": Unknown("aws_s3_bucket.b.arn is known only after apply"),
        "tags": {"owner": Unknown("aws_s3_bucket.b.tags.owner is known only after apply")},
        "grant": [{"x": 1}, Unknown("aws_s3_bucket.b.grant[1] is known only after apply")],
    }


# --------------------------------------------------------------------------- other shapes


def test_resource_changes_alone_give_the_resources_that_remain() -> None:
    plan = {"format_version": "1.2", "resource_changes": [
        {"address": "aws_s3_bucket.kept", "mode": "managed", "type": "aws_s3_bucket",
         "name": "kept", "change": {"actions": ["create"], "after": {"bucket": "k"}}},
        {"address": "aws_s3_bucket.gone", "mode": "managed", "type": "aws_s3_bucket",
         "name": "gone", "change": {"actions": ["delete"], "after": None}},
        {"address": "module.m[0].aws_sqs_queue.q", "module_address": "module.m[0]",
         "mode": "managed", "type": "aws_sqs_queue", "name": "q",
         "change": {"actions": ["delete", "create"], "after": {"name": "q"}}},
    ]}
    result = load_plan(json.dumps(plan), "plan.json")
    assert [(r.address, r.module_path, r.attributes) for r in result.resources] == [
        ("aws_s3_bucket.kept", "", {"bucket": "k"}),
        ("module.m[0].aws_sqs_queue.q", "module.m[0]", {"name": "q"}),
    ]


def test_data_sources_are_kept_with_mode_data() -> None:
    text = _plan([_resource("data.aws_region.here", {"name": "eu-west-3"}, mode="data")])
    [instance] = load_plan(text, "plan.json").resources
    assert (instance.mode, instance.type, instance.name, instance.block.type) == (
        "data", "aws_region", "here", "data")


def test_header_diagnostics() -> None:
    plan = json.loads(_plan([], {"root_module": {}}))
    plan.update({"format_version": "2.0", "errored": True, "complete": False})
    result = load_plan(json.dumps(plan), "plan.json")
    assert [d.message for d in result.diagnostics] == [
        "plan JSON format_version '2.0' is not 1.x; read as 1.x",
        "the plan errored: Terraform stopped planning, resources may be missing",
        "the plan is incomplete (targeting or deferred changes): resources not planned are not "
        "in it",
    ]


def test_invalid_json_is_a_parse_error_with_its_line() -> None:
    text = '{\n  "format_version": "1.2",\n  "planned_values": {\n    "root_module": {,\n'
    result = load_plan(text, "plan.json")
    assert result.resources == []
    assert [(e.file, e.line, e.column, e.message) for e in result.errors] == [
        ("plan.json", 4, 21, "invalid JSON: Expecting property name enclosed in double quotes")]


def test_a_json_value_that_is_not_an_object_is_a_diagnostic() -> None:
    result = load_plan("[1, 2]", "plan.json")
    assert (result.resources, result.errors) == ([], [])
    assert [d.message for d in result.diagnostics] == [
        "not a Terraform plan: the JSON is not an object; skipped"]


_ODD_VALUES: list[Any] = [None, 1, "x", [1, "x", None], {"a": 1}, True]


def _mutations(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            paths.extend(_mutations(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value[:1]):
            paths.extend(_mutations(item, (*path, index)))
    return paths


def test_unexpected_shapes_never_raise() -> None:
    base = json.loads((FIXTURES / "plans" / "modules.plan.json").read_text())
    for key in ("prior_state", "relevant_attributes", "timestamp"):
        base.pop(key)
    base_text = json.dumps(base)
    checked = 0
    for path in _mutations(base):
        if not path or len(path) > 6:
            continue
        for odd in _ODD_VALUES:
            plan = json.loads(base_text)  # a fresh copy
            target = plan
            for step in path[:-1]:
                target = target[step]
            target[path[-1]] = odd
            result = load_plan(json.dumps(plan), "plan.json")
            for instance in result.resources:
                normalise_instance(instance)
            checked += 1
    assert checked > 500


# --------------------------------------------------------------------------- scanning


def test_scanning_the_aws_plan_reports_the_same_stores_as_the_hcl() -> None:
    code, report = _scan(AWS_PLAN)
    assert code == 1
    assert report["errors"] == []
    assert report["diagnostics"] == []
    assert findings_of(report, "SOV001") == [
        ("aws_dynamodb_table.appointment_cache", AWS_PLAN, 107),
        ("aws_kms_key.dr", AWS_PLAN, 184),
        ("aws_s3_bucket.dr", AWS_PLAN, 250),
    ]
    # The plan was made with AWS provider 5, without the queue's provider 6 `region`: every
    # other SOV001 of the HCL fixture is found in the plan.
    _, hcl = _scan("fixtures/aws-health-records")
    hcl_sov001 = {resource for resource, _, _ in findings_of(hcl, "SOV001")}
    plan_sov001 = {resource for resource, _, _ in findings_of(report, "SOV001")}
    assert hcl_sov001 - plan_sov001 == {"aws_sqs_queue.lab_results"}
    assert plan_sov001 <= hcl_sov001


def test_scanning_the_modules_plan() -> None:
    code, report = _scan(MODULES_PLAN)
    assert code == 1
    assert findings_of(report, "SOV001") == [
        ('module.archive["cardiology"].aws_dynamodb_table.this', MODULES_PLAN, 71),
        ('module.archive["oncology"].aws_dynamodb_table.this', MODULES_PLAN, 124),
    ]
    assert report["summary"]["resources"] == 6
    assert report["summary"]["files"] == 1


def test_provider_6_resource_region_in_the_plan_values_wins(tmp_path: Path) -> None:
    configuration = {
        "provider_config": {"aws": {"name": "aws",
                                    "expressions": {"region": {"constant_value": "eu-west-3"}}}},
        "root_module": {"resources": [
            {"address": f"aws_sqs_queue.{name}", "mode": "managed", "type": "aws_sqs_queue",
             "name": name, "provider_config_key": "aws",
             "expressions": {"name": {"constant_value": name}}}
            for name in ("paris", "ohio")]},
    }
    text = _plan([_resource("aws_sqs_queue.ohio", {"name": "ohio", "region": "us-east-2"}),
                  _resource("aws_sqs_queue.paris", {"name": "paris", "region": "eu-west-3"})],
                 configuration)
    (tmp_path / "v6.plan.json").write_text(text)
    _, report = _scan(str(tmp_path / "v6.plan.json"))
    assert [(resource, line) for resource, _, line in findings_of(report, "SOV001")] == [
        ("aws_sqs_queue.ohio", 8)]


def test_a_plan_piped_on_stdin() -> None:
    text = (FIXTURES / "plans" / "aws-health-records.plan.json").read_text()
    _, report = _scan("-", input=text)
    assert findings_of(report, "SOV001") == [
        ("aws_dynamodb_table.appointment_cache", "<stdin>", 107),
        ("aws_kms_key.dr", "<stdin>", 184),
        ("aws_s3_bucket.dr", "<stdin>", 250),
    ]


def test_an_invalid_plan_file_is_sov000_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "broken.plan.json").write_text(
        '{\n  "format_version": "1.2",\n  "planned_values": {\n    "root_module": {\n')
    code, report = _scan(str(tmp_path / "broken.plan.json"))
    assert code == 1
    [finding] = [f for f in report["findings"] if f["rule_id"] == "SOV000"]
    assert (finding["file"].rsplit("/", 1)[-1], finding["line"]) == ("broken.plan.json", 5)
    assert [(e["line"], e["message"]) for e in report["errors"]] == [
        (5, "invalid JSON: Expecting property name enclosed in double quotes")]


@pytest.mark.parametrize("name", ["aws-health-records.plan.json", "modules.plan.json"])
def test_fixture_plans_hold_no_credentials_or_local_paths(name: str) -> None:
    text = (FIXTURES / "plans" / name).read_text()
    assert "AKIA" not in text
    assert "secret_key" not in text and "access_key" not in text
    assert '"/' not in text


def test_plan_beside_its_configuration_maps_to_hcl_lines_and_replaces_it(tmp_path: Path) -> None:
    for source in (REPO / "fixtures" / "aws-health-records").glob("*.tf"):
        shutil.copy(source, tmp_path / source.name)
    shutil.copy(REPO / "fixtures" / "plans" / "aws-health-records.plan.json",
                tmp_path / "plan.json")
    result = run_cli("scan", ".", "--profile", "residency", "--format", "json", cwd=tmp_path)
    report = json.loads(result.stdout)
    sov001 = [(f["resource"], f["file"], f["line"]) for f in report["findings"]
              if f["rule_id"] == "SOV001"]
    assert sov001 == [
        ("aws_dynamodb_table.appointment_cache", "database.tf", 36),
        ("aws_kms_key.dr", "main.tf", 14),
        ("aws_s3_bucket.dr", "storage.tf", 39),
    ]
    assert any("the plan replaces" in d["message"] for d in report["diagnostics"])


def test_flows_of_a_plan_beside_its_configuration_point_at_the_hcl_attribute(
        tmp_path: Path) -> None:
    for source in (REPO / "fixtures" / "aws-health-records").glob("*.tf"):
        shutil.copy(source, tmp_path / source.name)
    shutil.copy(REPO / "fixtures" / "plans" / "aws-health-records.plan.json",
                tmp_path / "plan.json")
    result = run_cli("scan", ".", "--profile", "residency", "--format", "json", cwd=tmp_path)
    [finding] = [f for f in json.loads(result.stdout)["findings"] if f["rule_id"] == "SOV003"]
    assert (finding["resource"], finding["file"], finding["line"]) == (
        "aws_s3_bucket_replication_configuration.patient_documents", "storage.tf", 59)
    # storage.tf:83 is `bucket = aws_s3_bucket.dr.arn` inside the destination block.
    assert finding["message"].endswith("via rule[0].destination[0].bucket (storage.tf:83)")


def test_hcl_files_callback_gives_the_plan_resource_its_block() -> None:
    text = (FIXTURES / "plans" / "aws-health-records.plan.json").read_text()
    address = "aws_s3_bucket_replication_configuration.patient_documents"
    file = "fixtures/aws-health-records/storage.tf"
    parsed, _ = parse_hcl((REPO / file).read_text(), file)
    result = load_plan(text, AWS_PLAN, {address: (file, 59, 92)}.get,
                       {file: parsed}.get)
    block = _by_address(result)[address].block
    assert (block.line, sorted(block.body.attributes)) == (59, ["bucket", "depends_on", "role"])
    # Without the parsed file the block is empty: flows point at the resource line.
    bare = load_plan(text, AWS_PLAN, {address: (file, 59, 92)}.get)
    assert _by_address(bare)[address].block.body.attributes == {}


def test_a_nested_flow_target_uses_its_own_arn_not_a_sibling_reference(tmp_path: Path) -> None:
    remote = "arn:aws:backup:us-east-1:123456789012:backup-vault:dr"
    configuration = {
        "provider_config": {"aws": {"name": "aws",
                                    "expressions": {"region": {"constant_value": "eu-west-3"}}}},
        "root_module": {"resources": [
            {"address": "aws_backup_vault.local", "mode": "managed", "type": "aws_backup_vault",
             "name": "local", "provider_config_key": "aws",
             "expressions": {"name": {"constant_value": "local"}}},
            {"address": "aws_backup_plan.p", "mode": "managed", "type": "aws_backup_plan",
             "name": "p", "provider_config_key": "aws",
             "expressions": {"name": {"constant_value": "p"}, "rule": [{
                 "target_vault_name": {"references": ["aws_backup_vault.local.name",
                                                      "aws_backup_vault.local"]},
                 "copy_action": [{"destination_vault_arn": {"constant_value": remote}}],
             }]}},
        ]},
    }
    text = _plan([
        _resource("aws_backup_vault.local", {"name": "local"}),
        _resource("aws_backup_plan.p", {"name": "p", "rule": [{
            "target_vault_name": "local", "copy_action": [{"destination_vault_arn": remote}]}]}),
    ], configuration)
    (tmp_path / "backup.plan.json").write_text(text)
    _, report = _scan(str(tmp_path / "backup.plan.json"), "--profile", "residency")
    assert any(f["rule_id"] == "SOV003" and "us-east-1" in f["message"]
               for f in report["findings"]), report["findings"]
