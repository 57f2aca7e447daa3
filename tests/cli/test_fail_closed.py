"""Fail closed (SPEC §2): what sovlint did not read is a finding or an error, never a pass."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import run_cli


def scan_json(*args: str, cwd: Path) -> tuple[int, dict]:
    result = run_cli("scan", *args, "--format", "json", "--no-cache", cwd=cwd)
    return result.exit_code, json.loads(result.output)


def rules_on(document: dict, address: str) -> dict[str, str]:
    return {f["rule_id"]: f["message"] for f in document["findings"]
            if f["resource"] == address}


def test_remote_module_with_region_argument_outside_is_sov001(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'module "db" {\n'
        '  source  = "GoogleCloudPlatform/sql-db/google//modules/mysql"\n'
        '  region  = "us-central1"\n'
        '  name    = "orders"\n'
        '}\n')

    code, document = scan_json(".", cwd=tmp_path)

    rules = rules_on(document, "module.db")
    assert code == 1
    assert "us-central1" in rules["SOV001"]
    assert "SOV004" not in rules


def test_remote_module_with_region_argument_inside_is_not_sov001(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'module "db" {\n'
        '  source  = "GoogleCloudPlatform/sql-db/google//modules/mysql"\n'
        '  region  = "europe-west9"\n'
        '}\n')

    code, document = scan_json(".", cwd=tmp_path)

    rules = rules_on(document, "module.db")
    assert "SOV001" not in rules
    # The region argument is inside, but the module's resources were not read: not a pass.
    assert code == 1
    assert "its resources cannot be checked" in rules["SOV004"]


def test_remote_module_without_location_is_sov004_saying_how_to_read_it(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'module "net" {\n'
        '  source = "git::https://example.com/net.git?ref=v1"\n'
        '  cidr   = "10.0.0.0/16"\n'
        '}\n')

    code, document = scan_json(".", cwd=tmp_path)

    message = rules_on(document, "module.net")["SOV004"]
    assert code == 1
    assert "git::https://example.com/net.git?ref=v1" in message
    assert "terraform init" in message
    [finding] = [f for f in document["findings"] if f["resource"] == "module.net"
                 and f["rule_id"] == "SOV004"]
    assert (finding["file"], finding["line"]) == ("main.tf", 1)


def test_local_module_is_read_not_reported_as_unread(tmp_path: Path) -> None:
    (tmp_path / "child").mkdir()
    (tmp_path / "child" / "main.tf").write_text('variable "x" {}\n')
    (tmp_path / "main.tf").write_text('module "c" {\n  source = "./child"\n  x = "y"\n}\n')

    _, document = scan_json(".", cwd=tmp_path)

    assert rules_on(document, "module.c") == {}


def test_missing_var_file_exits_2_naming_it(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('variable "region" {}\n')

    result = run_cli("scan", ".", "--var-file", "prod.tfvars", "--no-cache", cwd=tmp_path)

    assert result.exit_code == 2
    assert "prod.tfvars" in result.output


def test_missing_scan_path_exits_2_not_a_parse_error(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("")

    result = run_cli("scan", "main.tf", "infra", "--no-cache", cwd=tmp_path)

    assert result.exit_code == 2
    assert "no such file or directory: infra" in result.output
    assert "SOV000" not in result.output


def test_non_input_files_are_skipped_by_reason_not_sov000(tmp_path: Path) -> None:
    (tmp_path / ".devcontainer").mkdir()
    (tmp_path / ".devcontainer" / "devcontainer.json").write_text(
        '{\n  // the image\n  "name": "dev",\n  "workspaceFolder": "${localWorkspaceFolder}",\n}\n')
    (tmp_path / "events.json").write_text('{"a": 1}\n{"b": 2}\n')
    (tmp_path / "cloud-init.yaml").write_text(
        "#cloud-config\nruncmd:\n%{ for x in xs ~}\n  - echo ${x}\n%{ endfor ~}\n")
    (tmp_path / "values.tpl.yaml").write_text("image: {{ .Values.image }}\n  bad: [\n")

    code, document = scan_json(".", cwd=tmp_path)

    assert code == 0
    assert document["errors"] == []
    notes = {d["message"] for d in document["diagnostics"]}
    assert any("JSON with comments" in n and ".devcontainer/devcontainer.json" in n
               for n in notes)
    assert any("JSON Lines" in n and "events.json" in n for n in notes)
    assert any("templatefile() input" in n and "cloud-init.yaml" in n for n in notes)
    assert any("Go/Helm template" in n and "values.tpl.yaml" in n for n in notes)


def test_unparseable_manifest_and_plan_are_still_sov000(tmp_path: Path) -> None:
    (tmp_path / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: [\n")
    (tmp_path / "plan.json").write_text(
        '{"format_version": "1.2", "planned_values": {,}}\n')

    code, document = scan_json(".", cwd=tmp_path)

    assert code == 1
    assert sorted(e["file"] for e in document["errors"]) == ["deploy.yaml", "plan.json"]


def test_telemetry_site_not_known_statically_is_sov004_not_the_default(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "dd_api" {}\n'
        'provider "datadog" {\n  api_url = var.dd_api\n}\n'
        'resource "datadog_monitor" "cpu" {\n  name = "cpu"\n}\n')

    _, document = scan_json(".", cwd=tmp_path)

    rules = rules_on(document, "provider.datadog")
    assert "SOV007" not in rules
    assert "not known statically" in rules["SOV004"]
    assert "var.dd_api" in rules["SOV004"]
    assert "datadoghq.com" not in rules["SOV004"]


def test_telemetry_site_not_set_is_still_the_documented_default(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'provider "datadog" {}\nresource "datadog_monitor" "cpu" {\n  name = "cpu"\n}\n')

    _, document = scan_json(".", cwd=tmp_path)

    assert "default https://api.datadoghq.com/" in rules_on(document, "provider.datadog")["SOV007"]


def test_allow_providers_typo_exits_2_with_the_closest_ids(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("")
    (tmp_path / ".sovlint.yaml").write_text("allow:\n  providers: [amazon, ovh]\n")

    result = run_cli("scan", ".", "--no-cache", cwd=tmp_path)

    assert result.exit_code == 2
    assert "'amazon' is not a provider entity" in result.output
    assert "did you mean aws" in result.output


def test_allow_providers_terraform_name_of_several_entities_exits_2(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("")
    (tmp_path / ".sovlint.yaml").write_text("allow:\n  providers: [azurerm]\n")

    result = run_cli("scan", ".", "--no-cache", cwd=tmp_path)

    assert result.exit_code == 2
    assert "azure, azure-china, azure-government" in result.output


def test_allow_providers_terraform_name_of_one_entity_trusts_it(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'provider "google" {\n  region = "europe-west9"\n}\n'
        'resource "google_storage_bucket" "b" {\n  name = "b"\n  location = "europe-west9"\n}\n')
    (tmp_path / ".sovlint.yaml").write_text("allow:\n  providers: [google]\n")

    _, document = scan_json(".", cwd=tmp_path)

    assert "SOV002" not in rules_on(document, "google_storage_bucket.b")


def test_render_errors_are_the_same_in_every_run(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    kubectl = bin_dir / "kubectl"
    kubectl.write_text(
        "#!/bin/sh\n"
        "echo \"E1202 $(date +%H:%M:%S).$$ $$ run.go:74] error: at $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        " pid=$$ cannot read $(mktemp -d)/base\" >&2\nexit 1\n")
    kubectl.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    work = tmp_path / "work"
    (work / "overlay").mkdir(parents=True)
    (work / "overlay" / "kustomization.yaml").write_text("resources:\n  - cm.yaml\n")
    (work / "overlay" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")

    first = scan_json(".", cwd=work)[1]["diagnostics"]
    second = scan_json(".", cwd=work)[1]["diagnostics"]

    [note] = [d for d in first if "kustomization not rendered" in d["message"]]
    assert note["file"] == "overlay/kustomization.yaml"
    assert "kubectl kustomize failed: error: at pid=N cannot read <temporary path>" in (
        note["message"])
    assert first == second


def test_unread_module_call_is_not_sov002_on_a_guessed_provider(tmp_path: Path) -> None:
    # The provider of an unread module is guessed from its source address; a label or lookup
    # module holds nothing. The call is SOV004 (or SOV001), never SOV002 on the guess.
    (tmp_path / "main.tf").write_text(
        'module "label" {\n'
        '  source = "cloudposse/label/aws"\n'
        '  name   = "app"\n'
        '}\n')

    code, document = scan_json(".", cwd=tmp_path)

    rules = rules_on(document, "module.label")
    assert code == 1
    assert set(rules) == {"SOV004"}


def test_missing_local_module_says_the_directory_is_not_in_the_tree(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'module "net" {\n'
        '  source = "./modules/net"\n'
        '}\n')

    code, document = scan_json(".", cwd=tmp_path)

    message = rules_on(document, "module.net")["SOV004"]
    assert code == 1
    assert "not in the scanned tree" in message
    assert "terraform init" not in message


def test_a_global_argument_does_not_locate_an_unread_module(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'module "vpc" {\n'
        '  source       = "terraform-google-modules/network/google"\n'
        '  routing_mode = "GLOBAL"\n'
        '}\n')

    _, document = scan_json(".", cwd=tmp_path)

    rules = rules_on(document, "module.vpc")
    assert "SOV005" not in rules
    assert "was not read" in rules["SOV004"]


REMOTE_CALLS = (
    'module "net" {\n'
    '  source = "git::https://example.com/net.git?ref=v1"\n'
    '}\n'
    'module "db" {\n'
    '  source = "GoogleCloudPlatform/sql-db/google//modules/mysql"\n'
    '  region = "us-central1"\n'
    '}\n')


def test_unread_modules_lowered_to_a_diagnostic_by_a_trusted_config(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(REMOTE_CALLS)
    (tmp_path / "ci.yaml").write_text("terraform:\n  unread_modules: diagnostic\n")

    code, document = scan_json(".", "--config", "ci.yaml", cwd=tmp_path)

    assert "SOV004" not in rules_on(document, "module.net")
    [note] = [d for d in document["diagnostics"] if "lowered" in d["message"]]
    assert (note["file"], note["line"]) == ("main.tf", 1)
    assert note["message"].startswith("module.net: not checked (SOV004, lowered by "
                                      "terraform.unread_modules): ")
    assert "git::https://example.com/net.git?ref=v1" in note["message"]
    # An argument naming a place outside is a known violation, not an unknown: it stays.
    assert "us-central1" in rules_on(document, "module.db")["SOV001"]
    assert code == 1


def test_unread_modules_only_call_lowered_passes_with_notes(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(REMOTE_CALLS.split("module \"db\"")[0])
    (tmp_path / "ci.yaml").write_text("terraform:\n  unread_modules: diagnostic\n")

    code, document = scan_json(".", "--config", "ci.yaml", cwd=tmp_path)

    assert code == 0
    assert any("module.net" in d["message"] for d in document["diagnostics"])


def test_repository_config_may_not_lower_unread_modules(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(REMOTE_CALLS)
    (tmp_path / ".sovlint.yaml").write_text("terraform:\n  unread_modules: diagnostic\n")

    code, document = scan_json(".", cwd=tmp_path)

    assert code == 1
    assert "terraform init" in rules_on(document, "module.net")["SOV004"]
    assert any("terraform.unread_modules: diagnostic not applied" in d["message"]
               for d in document["diagnostics"])


def test_unread_modules_setting_is_validated(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("")
    (tmp_path / "ci.yaml").write_text("terraform:\n  unread_modules: silent\n")

    result = run_cli("scan", ".", "--config", "ci.yaml", "--no-cache", cwd=tmp_path)

    assert result.exit_code == 2
    assert "terraform.unread_modules" in result.output
    assert "finding, diagnostic" in result.output


def test_files_terraform_reads_are_skipped_by_reason_not_sov000(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "certs").mkdir()
    (tmp_path / "main.tf").write_text(
        'variable "names" {\n  default = ["a", "b"]\n}\n'
        'resource "kubernetes_manifest" "app" {\n'
        '  manifest = yamldecode(templatefile("${path.module}/templates/app.tpl.yaml", {}))\n'
        '}\n'
        'resource "local_file" "cert" {\n'
        '  for_each = toset(var.names)\n'
        '  content  = file("${path.module}/certs/${each.key}.json")\n'
        '  filename = "out"\n'
        '}\n')
    # A template that claims to be a manifest and is not YAML as it stands: SOV000 before.
    (tmp_path / "templates" / "app.tpl.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n"
        "data:\n%{ for k, v in data ~}\n  ${k}: [${v}\n%{ endfor ~}\n")
    (tmp_path / "templates" / "app.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n"
        "data:\n%{ for k, v in data ~}\n  ${k}: [${v}\n%{ endfor ~}\n")
    (tmp_path / "certs" / "a.json").write_text('{"apiVersion": "v1", "kind": "Secret",}\n')

    code, document = scan_json(".", cwd=tmp_path)

    # templates/app.yaml is read by nobody: it claims to be a manifest and stays SOV000.
    assert [e["file"] for e in document["errors"]] == ["templates/app.yaml"]
    reasons = document["summary"]["skipped_by_reason"]
    assert reasons["read by a Terraform file() or templatefile() call"] == 2
    assert sum(reasons.values()) == document["summary"]["skipped_files"]
    assert code == 1


def test_a_manifest_terraform_reads_with_file_is_still_scanned(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "kubectl_manifest" "pvc" {\n'
        '  yaml_body = file("pvc.yaml")\n'
        '}\n')
    (tmp_path / "pvc.yaml").write_text(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n"
        "spec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n")

    _, document = scan_json(".", cwd=tmp_path)

    assert document["summary"]["files"] == 2  # main.tf and pvc.yaml, read as a manifest
    assert document["summary"]["resources"] == 2
    assert "read by a Terraform file() or templatefile() call" not in (
        document["summary"]["skipped_by_reason"])


def test_summary_accounts_for_every_file_by_reason(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# docs\n")
    (tmp_path / ".gitlab-ci.yml").write_text("stages: [test]\n")
    (tmp_path / "events.json").write_text('{"a": 1}\n{"b": 2}\n')
    (tmp_path / "main.tf").write_text("")

    result = run_cli("scan", ".", "--no-cache", cwd=tmp_path)
    _, document = scan_json(".", cwd=tmp_path)

    assert document["summary"]["skipped_by_reason"] == {
        "JSON Lines": 1,
        "neither a Kubernetes manifest nor a Terraform plan": 1,
        "not an infrastructure file type": 1,
    }
    assert "3 skipped (1 JSON Lines, 1 not a manifest or plan, 1 not IaC)" in result.output


# An azapi resource whose ARM type comes from an unread module's outputs: its class is unknown
# only because of that module call.
TYPE_FROM_UNREAD_MODULE = (
    'provider "azapi" {}\n'
    'module "interfaces" {\n'
    '  source  = "Azure/avm-utl-interfaces/azure"\n'
    '  version = "0.6.0"\n'
    '}\n'
    'resource "azapi_resource" "assignment" {\n'
    '  for_each  = module.interfaces.role_assignments_azapi\n'
    '  name      = each.value.name\n'
    '  parent_id = "/subscriptions/0/resourceGroups/rg"\n'
    '  type      = each.value.type\n'
    '  body      = each.value.body\n'
    '}\n')


def test_resource_classed_by_an_unread_module_is_reported_at_the_module_call(
        tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TYPE_FROM_UNREAD_MODULE)

    code, document = scan_json(".", cwd=tmp_path)

    assert code == 1
    assert rules_on(document, "azapi_resource.assignment") == {}
    message = rules_on(document, "module.interfaces")["SOV004"]
    assert "terraform init" in message
    assert message.endswith("; 1 resource whose class comes from its outputs is reported here, "
                            "not one by one (SOV002, SOV004): azapi_resource.assignment "
                            "(main.tf:6)")


def test_resource_classed_by_an_unread_module_stays_reported_when_the_call_is_not(
        tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TYPE_FROM_UNREAD_MODULE)
    (tmp_path / "ci.yaml").write_text("terraform:\n  unread_modules: diagnostic\n")

    code, document = scan_json(".", "--config", "ci.yaml", cwd=tmp_path)

    # The call is lowered to a note, so its dependants are reported one by one (fail closed).
    assert code == 1
    assert "module.interfaces" not in {f["resource"] for f in document["findings"]}
    reported = rules_on(document, "azapi_resource.assignment")
    assert set(reported) == {"SOV002", "SOV004"}
    assert "whether it holds data is not known" in reported["SOV002"]


def test_resource_with_a_literal_arm_type_is_not_folded_into_an_unread_call(
        tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TYPE_FROM_UNREAD_MODULE.replace(
        "each.value.type", '"Microsoft.Storage/storageAccounts@2023-05-01"'))

    code, document = scan_json(".", cwd=tmp_path)

    assert code == 1
    assert "SOV002" in rules_on(document, "azapi_resource.assignment")
    assert "reported here" not in rules_on(document, "module.interfaces")["SOV004"]
