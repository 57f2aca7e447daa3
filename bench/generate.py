"""Generates a synthetic but realistic Terraform repository for benchmarks.

    python bench/generate.py --resources 10000 --out bench/corpus/10k

Each module is a directory of several files (providers, variables, storage, databases,
network) for a mix of providers (AWS, Azure, Google, OVHcloud, Scaleway), with variables,
locals, tfvars, aliases and tags, about 10 resources per module. Deterministic for a size.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

AWS_REGIONS = ["eu-west-3", "eu-west-1", "eu-central-1", "us-east-1", "eu-north-1"]
AZURE_REGIONS = ["francecentral", "westeurope", "northeurope", "eastus"]
GOOGLE_REGIONS = ["europe-west1", "europe-west9", "us-central1"]
SCALEWAY_REGIONS = ["fr-par", "nl-ams", "pl-waw"]
OVH_REGIONS = ["GRA", "SBG", "DE"]


def aws_module(index: int, rng: random.Random) -> dict[str, str]:
    region = rng.choice(AWS_REGIONS)
    dr = rng.choice(AWS_REGIONS)
    return {
        "providers.tf": f'''provider "aws" {{
  region = var.region
  default_tags {{
    tags = {{ team = "records-{index}", data-classification = "health" }}
  }}
}}

provider "aws" {{
  alias  = "dr"
  region = "{dr}"
}}
''',
        "variables.tf": f'''variable "region" {{
  type    = string
  default = "{region}"
}}

variable "environment" {{
  type    = string
  default = "prod"
}}

locals {{
  prefix = "hospital-{index}-${{var.environment}}"
}}
''',
        "storage.tf": f'''resource "aws_s3_bucket" "documents" {{
  bucket = "${{local.prefix}}-documents"
}}

resource "aws_s3_bucket_versioning" "documents" {{
  bucket = aws_s3_bucket.documents.id
  versioning_configuration {{
    status = "Enabled"
  }}
}}

resource "aws_s3_bucket" "dr" {{
  provider = aws.dr
  bucket   = "${{local.prefix}}-dr"
}}

resource "aws_kms_key" "records" {{
  description = "records key {index}"
}}
''',
        "database.tf": '''resource "aws_db_instance" "records" {
  identifier        = "${local.prefix}-db"
  engine            = "postgres"
  instance_class    = "db.t3.medium"
  allocated_storage = 50
  kms_key_id        = aws_kms_key.records.arn
}

resource "aws_dynamodb_table" "sessions" {
  name         = "${local.prefix}-sessions"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {
    name = "id"
    type = "S"
  }
}

resource "aws_sqs_queue" "events" {
  for_each = toset(["admissions", "discharges"])
  name     = "${local.prefix}-${each.key}"
}
''',
        "network.tf": '''resource "aws_security_group" "db" {
  name = "db"
}

resource "aws_iam_role" "app" {
  name               = "app"
  assume_role_policy = "{}"
}
''',
    }


def azure_module(index: int, rng: random.Random) -> dict[str, str]:
    region = rng.choice(AZURE_REGIONS)
    return {
        "main.tf": f'''provider "azurerm" {{
  features {{}}
}}

variable "location" {{
  default = "{region}"
}}

resource "azurerm_resource_group" "rg" {{
  name     = "rg-health-{index}"
  location = var.location
}}

resource "azurerm_storage_account" "records" {{
  name                     = "sthealth{index}"
  resource_group_name      = azurerm_resource_group.rg.name
  location                 = azurerm_resource_group.rg.location
  account_tier             = "Standard"
  account_replication_type = "LRS"
  tags = {{ data-classification = "health" }}
}}

resource "azurerm_postgresql_flexible_server" "db" {{
  name                = "psql-health-{index}"
  resource_group_name = azurerm_resource_group.rg.name
  location            = var.location
  sku_name            = "GP_Standard_D2s_v3"
}}

resource "azurerm_key_vault" "kv" {{
  name                = "kv-health-{index}"
  location            = var.location
  resource_group_name = azurerm_resource_group.rg.name
  sku_name            = "standard"
  tenant_id           = "00000000-0000-0000-0000-000000000000"
}}
''',
    }


def google_module(index: int, rng: random.Random) -> dict[str, str]:
    region = rng.choice(GOOGLE_REGIONS)
    return {
        "main.tf": f'''provider "google" {{
  project = "health-{index}"
  region  = "{region}"
}}

resource "google_storage_bucket" "imaging" {{
  name     = "imaging-{index}"
  location = "EU"
  labels   = {{ data-classification = "health" }}
}}

resource "google_sql_database_instance" "records" {{
  name             = "records-{index}"
  database_version = "POSTGRES_15"
  settings {{
    tier = "db-custom-2-7680"
  }}
}}

resource "google_compute_network" "vpc" {{
  name = "vpc-{index}"
}}
''',
    }


def eu_module(index: int, rng: random.Random) -> dict[str, str]:
    region = rng.choice(SCALEWAY_REGIONS)
    return {
        "main.tf": f'''provider "scaleway" {{
  region = "{region}"
}}

resource "scaleway_object_bucket" "archive" {{
  name = "archive-{index}"
}}

resource "scaleway_rdb_instance" "db" {{
  name      = "db-{index}"
  node_type = "DB-DEV-S"
  engine    = "PostgreSQL-15"
}}

resource "ovh_cloud_project_database" "pg" {{
  service_name = "project-{index}"
  engine       = "postgresql"
  version      = "15"
  plan         = "essential"
  flavor       = "db1-4"
  nodes {{
    region = "{rng.choice(OVH_REGIONS)}"
  }}
}}
''',
    }


BUILDERS = [aws_module, aws_module, azure_module, google_module, eu_module]
RESOURCES_PER_BUILDER = {aws_module: 10, azure_module: 4, google_module: 3, eu_module: 3}


def generate(resources: int, out: Path, seed: int = 7) -> tuple[int, int]:
    """Write the corpus; returns (files, resources) written."""
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    written_resources = 0
    files = 0
    index = 0
    while written_resources < resources:
        builder = BUILDERS[index % len(BUILDERS)]
        module_dir = out / f"team-{index // 50:03d}" / f"stack-{index:05d}"
        module_dir.mkdir(parents=True)
        for name, text in builder(index, rng).items():
            (module_dir / name).write_text(text)
            files += 1
        written_resources += RESOURCES_PER_BUILDER[builder]
        index += 1
    return files, written_resources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    files, resources = generate(args.resources, args.out, args.seed)
    print(f"{args.out}: {files} files, {resources} resources")


if __name__ == "__main__":
    main()
