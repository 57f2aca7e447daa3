"""Generic azapi resources are classified by the ARM type their `type` names, resolved through
variables and locals; a type not known statically is a SOV004 with the reason, never a silent
data-bearing store; the configuration decides it."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import FIXTURES, run_cli

TREE = FIXTURES / "azapi-arm-types"


def _findings(path: Path, *options: str) -> list[tuple[str, str, int, str]]:
    result = run_cli("scan", str(path), "--format", "json", *options)
    return [(f["rule_id"], f["resource"], f["line"], f["message"])
            for f in json.loads(result.stdout)["findings"]]


def test_arm_types_from_a_literal_a_variable_default_and_a_local_are_classified() -> None:
    assert _findings(TREE / "compliant") == []
    # The storage account is a store on Azure; the role assignment and the lock are not.
    assert [(rule, resource) for rule, resource, _, _ in
            _findings(TREE / "compliant", "--profile", "sovereign")] == [
        ("SOV002", "azapi_resource.records")]


def test_an_arm_type_not_known_statically_is_sov004_naming_why_and_how_to_decide() -> None:
    assert _findings(TREE / "violating") == [(
        "SOV004", "azapi_resource.records", 17,
        "azapi_resource.records: whether it holds data cannot be determined statically: its "
        "ARM type is not known statically (var.resource_type has no value): write the type as "
        "a literal (Microsoft.Namespace/type@api-version), or classify it with resource_types "
        "in the configuration")]


def test_the_configuration_decides_an_unknown_arm_type(tmp_path: Path) -> None:
    config = tmp_path / "sovlint.yaml"
    config.write_text("profile: residency\nresource_types:\n  control_plane: [azapi_resource]\n")
    assert _findings(TREE / "violating", "--config", str(config)) == []


def test_a_type_given_by_the_caller_of_a_module_is_resolved(tmp_path: Path) -> None:
    module = tmp_path / "modules" / "generic"
    module.mkdir(parents=True)
    (module / "main.tf").write_text((TREE / "violating" / "main.tf").read_text())
    (tmp_path / "main.tf").write_text(
        'module "reader" {\n'
        '  source        = "./modules/generic"\n'
        '  resource_type = "Microsoft.Authorization/roleAssignments@2022-04-01"\n'
        '}\n')
    assert _findings(tmp_path, "--profile", "residency") == []
