"""Root modules: variables, locals, provider aliases, modules, count and for_each."""

from __future__ import annotations

from pathlib import Path

from sovlint.model import ParseError
from sovlint.parsers.hcl import parse_hcl
from sovlint.terraform.loader import TerraformLoader
from sovlint.terraform.syntax import ConfigFile
from sovlint.terraform.values import Unknown


def _parse(path: Path) -> tuple[ConfigFile | None, ParseError | None]:
    return parse_hcl(path.read_text(), path.name)


def load(tmp_path: Path, files: dict[str, str], **kwargs: object) -> dict[str, object]:
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    loader = TerraformLoader(tmp_path, tmp_path, _parse, environ={}, **kwargs)  # type: ignore[arg-type]
    loaded = loader.load()
    return {r.address: r for r in loaded.resources} | {"__diagnostics__": loaded.diagnostics}


PROVIDERS = """
provider "aws" { region = "eu-west-3" }
provider "aws" {
  alias  = "dr"
  region = "us-east-1"
}
"""


def test_resource_uses_aliased_provider(tmp_path: Path) -> None:
    found = load(tmp_path, {"main.tf": PROVIDERS + """
resource "aws_s3_bucket" "dr" {
  provider = aws.dr
}
"""})
    bucket = found["aws_s3_bucket.dr"]
    assert bucket.provider.ref == "aws.dr"  # type: ignore[attr-defined]
    assert bucket.provider.attributes["region"] == "us-east-1"  # type: ignore[attr-defined]


def test_variable_default_and_tfvars_precedence(tmp_path: Path) -> None:
    found = load(tmp_path, {
        "main.tf": 'variable "region" { default = "eu-west-1" }\n'
                   'resource "aws_sqs_queue" "q" { region = var.region }\n',
        "terraform.tfvars": 'region = "eu-west-3"\n',
        "z.auto.tfvars": 'region = "eu-central-1"\n',
    })
    assert found["aws_sqs_queue.q"].attributes["region"] == "eu-central-1"  # type: ignore[attr-defined]


def test_cli_var_wins_over_files(tmp_path: Path) -> None:
    found = load(tmp_path, {
        "main.tf": 'variable "region" {}\nresource "aws_sqs_queue" "q" { region = var.region }\n',
        "terraform.tfvars": 'region = "eu-west-3"\n',
    }, variables={"region": "eu-north-1"})
    assert found["aws_sqs_queue.q"].attributes["region"] == "eu-north-1"  # type: ignore[attr-defined]


def test_unset_variable_stays_unknown(tmp_path: Path) -> None:
    found = load(tmp_path, {
        "main.tf": 'variable "region" {}\nresource "aws_sqs_queue" "q" { region = var.region }\n',
    })
    region = found["aws_sqs_queue.q"].attributes["region"]  # type: ignore[attr-defined]
    assert isinstance(region, Unknown) and "var.region" in region.reason


def test_for_each_expands_with_keys(tmp_path: Path) -> None:
    found = load(tmp_path, {"main.tf": """
resource "aws_s3_bucket" "site" {
  for_each = { paris = "eu-west-3", dublin = "eu-west-1" }
  region   = each.value
}
"""})
    assert found['aws_s3_bucket.site["paris"]'].attributes["region"] == "eu-west-3"  # type: ignore[attr-defined]
    assert found['aws_s3_bucket.site["dublin"]'].attributes["region"] == "eu-west-1"  # type: ignore[attr-defined]


def test_module_called_with_provider_alias(tmp_path: Path) -> None:
    found = load(tmp_path, {
        "main.tf": PROVIDERS + """
module "primary" {
  source = "./modules/store"
}
module "replica" {
  source    = "./modules/store"
  providers = { aws = aws.dr }
}
""",
        "modules/store/main.tf": 'resource "aws_dynamodb_table" "this" { name = "t" }\n',
    })
    primary = found["module.primary.aws_dynamodb_table.this"]
    replica = found["module.replica.aws_dynamodb_table.this"]
    assert primary.provider.attributes["region"] == "eu-west-3"  # type: ignore[attr-defined]
    assert replica.provider.attributes["region"] == "us-east-1"  # type: ignore[attr-defined]


def test_remote_module_without_init_is_a_diagnostic(tmp_path: Path) -> None:
    call = 'module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n'
    found = load(tmp_path, {"main.tf": call})
    diagnostics = found["__diagnostics__"]
    assert [d.message for d in diagnostics] == [  # type: ignore[attr-defined]
        "module.vpc: source 'terraform-aws-modules/vpc/aws' is not available locally "
        "(run `terraform init` to read it)"
    ]


def test_reference_to_another_resource_keeps_its_address(tmp_path: Path) -> None:
    found = load(tmp_path, {"main.tf": """
resource "aws_s3_bucket" "dr" {}
resource "aws_s3_bucket_replication_configuration" "r" {
  rule {
    destination { bucket = aws_s3_bucket.dr.arn }
  }
}
"""})
    replication = found["aws_s3_bucket_replication_configuration.r"]
    target = replication.attributes["rule"][0]["destination"][0]["bucket"]  # type: ignore[attr-defined]
    assert isinstance(target, Unknown)
    assert target.refs == frozenset({"aws_s3_bucket.dr"})


def test_merge_keeps_the_known_members_and_the_unknown_one(tmp_path: Path) -> None:
    found = load(tmp_path, {"main.tf": """
variable "extra" {}
resource "aws_s3_bucket" "b" {
  tags = merge({ a = "1" }, { b = var.extra })
}
"""})
    tags = found["aws_s3_bucket.b"].attributes["tags"]  # type: ignore[attr-defined]
    assert tags["a"] == "1"  # Terraform knows merge()'s keys and the known values
    assert isinstance(tags["b"], Unknown) and "var.extra" in tags["b"].reason


def test_provider_configured_from_a_module_output(tmp_path: Path) -> None:
    found = load(tmp_path, {
        "main.tf": """
module "settings" {
  source = "./settings"
}
provider "aws" { region = module.settings.region }
resource "aws_s3_bucket" "b" {}
""",
        "settings/outputs.tf": 'output "region" { value = "eu-west-3" }\n',
    })
    bucket = found["aws_s3_bucket.b"]
    assert bucket.provider.attributes["region"] == "eu-west-3"  # type: ignore[attr-defined]


def test_aws_region_data_source_gives_the_provider_region(tmp_path: Path) -> None:
    found = load(tmp_path, {"main.tf": PROVIDERS + """
data "aws_region" "dr" {
  provider = aws.dr
}
resource "aws_sqs_queue" "q" {
  name   = "q-${data.aws_region.dr.name}"
  region = data.aws_region.dr.name
}
"""})
    queue = found["aws_sqs_queue.q"]
    assert queue.attributes == {"name": "q-us-east-1", "region": "us-east-1"}  # type: ignore[attr-defined]


def test_opentofu_file_replaces_the_tf_file_of_the_same_name(tmp_path: Path) -> None:
    found = load(tmp_path, {
        "main.tf": 'provider "aws" { region = "eu-west-3" }\n'
                   'resource "aws_s3_bucket" "terraform_only" { bucket = "a" }\n',
        "main.tofu": 'provider "aws" { region = "us-east-1" }\n'
                     'resource "aws_s3_bucket" "tofu" { bucket = "b" }\n',
        "other.tf": 'resource "aws_s3_bucket" "shared" { bucket = "c" }\n',
    })
    assert "aws_s3_bucket.terraform_only" not in found
    assert {"aws_s3_bucket.tofu", "aws_s3_bucket.shared"} <= set(found)


def test_configuration_files_order_and_tofu_json(tmp_path: Path) -> None:
    from sovlint.terraform.loader import configuration_files

    for name in ("a.tf", "b.tofu", "c.tf.json", "c.tofu.json", "d.tf.json", "notes.txt"):
        (tmp_path / name).write_text("{}" if name.endswith("json") else "")
    assert [p.name for p in configuration_files(tmp_path)] == [
        "a.tf", "b.tofu", "c.tofu.json", "d.tf.json"]


WORKSPACE_REGIONS = """
locals {
  regions = { default = "eu-west-3", us = "us-east-1" }
}
provider "aws" { region = lookup(local.regions, terraform.workspace, "eu-central-1") }
resource "aws_s3_bucket" "b" { bucket = "x" }
"""


def _bucket_region(found: dict[str, object]) -> object:
    return found["aws_s3_bucket.b"].provider.attributes["region"]  # type: ignore[attr-defined]


def test_workspace_is_default_then_selected_then_tf_workspace(tmp_path: Path) -> None:
    assert _bucket_region(load(tmp_path, {"main.tf": WORKSPACE_REGIONS})) == "eu-west-3"
    (tmp_path / ".terraform").mkdir()
    (tmp_path / ".terraform" / "environment").write_text("us\n")
    assert _bucket_region(load(tmp_path, {"main.tf": WORKSPACE_REGIONS})) == "us-east-1"
    loader = TerraformLoader(tmp_path, tmp_path, _parse, environ={"TF_WORKSPACE": "staging"})
    loaded = loader.load()
    assert [r.provider.attributes["region"] for r in loaded.resources  # type: ignore[union-attr]
            if r.address == "aws_s3_bucket.b"] == ["eu-central-1"]


def test_alias_only_provider_block_in_a_child_declares_what_the_caller_passes(
        tmp_path: Path) -> None:
    found = load(tmp_path, {
        "main.tf": PROVIDERS + """
module "replica" {
  source    = "./replica"
  providers = { aws = aws, aws.dr = aws.dr }
}
""",
        "replica/main.tf": """
provider "aws" {
  alias = "dr"
}
provider "aws" {}
resource "aws_s3_bucket" "copy" {
  provider = aws.dr
}
resource "aws_s3_bucket" "main" {}
""",
    })
    copy = found["module.replica.aws_s3_bucket.copy"]
    main = found["module.replica.aws_s3_bucket.main"]
    assert copy.provider.attributes["region"] == "us-east-1"  # type: ignore[attr-defined]
    assert main.provider.attributes["region"] == "eu-west-3"  # type: ignore[attr-defined]


def test_a_child_provider_block_with_settings_still_configures(tmp_path: Path) -> None:
    found = load(tmp_path, {
        "main.tf": PROVIDERS + 'module "m" {\n  source = "./m"\n}\n',
        "m/main.tf": 'provider "aws" {\n  region = "eu-north-1"\n}\n'
                     'resource "aws_s3_bucket" "b" {}\n',
    })
    bucket = found["module.m.aws_s3_bucket.b"]
    assert bucket.provider.attributes["region"] == "eu-north-1"  # type: ignore[attr-defined]


def test_count_given_as_a_string_is_converted_like_terraform_does(tmp_path: Path) -> None:
    found = load(tmp_path, {"main.tf": """
resource "aws_s3_bucket" "two" {
  count = "2"
}
resource "aws_s3_bucket" "bad" {
  count = "several"
}
"""})
    assert {"aws_s3_bucket.two[0]", "aws_s3_bucket.two[1]"} <= set(found)
    assert not any(address.startswith("aws_s3_bucket.bad[") for address in found)


def test_opentofu_provider_for_each_gives_one_configuration_per_key(tmp_path: Path) -> None:
    found = load(tmp_path, {"main.tofu": """
variable "regions" {
  default = { paris = "eu-west-3", virginia = "us-east-1" }
}
provider "aws" {
  alias    = "by_region"
  for_each = var.regions
  region   = each.value
}
resource "aws_s3_bucket" "copy" {
  for_each = var.regions
  provider = aws.by_region[each.key]
}
"""})
    regions = {address: found[address].provider.attributes["region"]  # type: ignore[attr-defined]
               for address in ('aws_s3_bucket.copy["paris"]', 'aws_s3_bucket.copy["virginia"]')}
    assert regions == {'aws_s3_bucket.copy["paris"]': "eu-west-3",
                       'aws_s3_bucket.copy["virginia"]': "us-east-1"}


def test_provider_for_each_over_an_unknown_collection_is_unknown(tmp_path: Path) -> None:
    found = load(tmp_path, {"main.tofu": """
variable "regions" {}
provider "aws" {
  alias    = "by_region"
  for_each = var.regions
  region   = each.value
}
resource "aws_s3_bucket" "copy" {
  provider = aws.by_region["paris"]
}
"""})
    region = found["aws_s3_bucket.copy"].provider.attributes["region"]  # type: ignore[attr-defined]
    assert isinstance(region, Unknown) and "var.regions" in region.reason


def test_each_inside_a_module_whose_for_each_is_unknown_gives_the_for_each_reason(
        tmp_path: Path) -> None:
    found = load(tmp_path, {
        "main.tf": 'variable "regions" { type = list(string) }\n'
                   'module "gw" {\n'
                   '  source   = "./gw"\n'
                   '  for_each = toset(var.regions)\n'
                   '  region   = each.value\n'
                   '}\n',
        "gw/main.tf": 'variable "region" { type = string }\n'
                      'resource "aws_sqs_queue" "q" { region = var.region }\n',
    })

    queue = found["module.gw.aws_sqs_queue.q"]
    region = queue.attributes["region"]  # type: ignore[attr-defined]
    assert isinstance(region, Unknown)
    assert "for_each is not known statically (var.regions has no value)" in region.reason
    assert "each is not defined" not in region.reason


def test_a_parent_passed_through_a_module_variable_is_a_reference_of_the_child(
        tmp_path: Path) -> None:
    # Azure Verified Modules pass the parent's id down: parent_id = var.storage_account_id, or a
    # template built on it. The child's reference reaches the caller's resource.
    found = load(tmp_path, {
        "main.tf": 'resource "azapi_resource" "sa" {\n'
                   '  type     = "Microsoft.Storage/storageAccounts@2023-01-01"\n'
                   '  location = "francecentral"\n'
                   '}\n'
                   'module "q" {\n'
                   '  source     = "./q"\n'
                   '  account_id = azapi_resource.sa.id\n'
                   '}\n',
        "q/main.tf": 'variable "account_id" { type = string }\n'
                     'module "inner" {\n'
                     '  source = "../inner"\n'
                     '  parent = "${var.account_id}/queueServices/default"\n'
                     '}\n',
        "inner/main.tf": 'variable "parent" { type = string }\n'
                         'resource "azapi_resource" "queue" {\n'
                         '  type      = "Microsoft.Storage/storageAccounts/queueServices/'
                         'queues@2023-01-01"\n'
                         '  parent_id = var.parent\n'
                         '}\n',
    })

    queue = found["module.q.module.inner.azapi_resource.queue"]
    assert queue.references["parent_id"] == ["azapi_resource.sa"]  # type: ignore[attr-defined]
