"""Generates a synthetic but realistic Terraform and Kubernetes repository for benchmarks.

    python bench/generate.py --resources 10000 --out bench/corpus/10000

The tree is split into teams of 50 stacks. Each stack is a directory of several files
(providers, variables, storage, databases, network) for a mix of providers (AWS with a DR
provider alias, Azure, Google Cloud, OVHcloud, Scaleway), with variables, locals, tfvars,
`for_each`, default tags and calls to a team-local module; one stack in six is a set of
Kubernetes manifests instead (StorageClass with allowed topologies, PersistentVolumeClaim,
Deployment and StatefulSet with region node selectors, Service, ConfigMap). Deterministic for
a size and seed.
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

module "archive" {{
  source     = "../modules/archive"
  name       = "${{local.prefix}}-archive"
  kms_key_id = aws_kms_key.records.arn
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
  type = string
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
        "terraform.tfvars": f'location = "{region}"\n',
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


K8S_ZONES = {
    "ebs.csi.aws.com": ["eu-west-3a", "eu-west-3b", "eu-central-1a", "us-east-1a"],
    "disk.csi.azure.com": ["francecentral-1", "westeurope-2", "eastus-1"],
    "pd.csi.storage.gke.io": ["europe-west9-a", "europe-west1-b", "us-central1-c"],
}
K8S_REGIONS = ["eu-west-3", "eu-central-1", "francecentral", "europe-west9", "us-east-1"]


def k8s_module(index: int, rng: random.Random) -> dict[str, str]:
    provisioner = rng.choice(sorted(K8S_ZONES))
    zone = rng.choice(K8S_ZONES[provisioner])
    region = rng.choice(K8S_REGIONS)
    name = f"records-{index}"
    registry = f"registry.example.eu/health/{name}"
    return {
        "manifests.yaml": f'''apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: {name}-ssd
provisioner: {provisioner}
allowedTopologies:
  - matchLabelExpressions:
      - key: topology.kubernetes.io/zone
        values: [{zone}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {name}-uploads
  namespace: {name}
  labels:
    data-classification: health
spec:
  storageClassName: {name}-ssd
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 50Gi
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}-api
  namespace: {name}
  labels:
    app.kubernetes.io/name: {name}-api
    data-classification: health
spec:
  replicas: 3
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}-api
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {name}-api
    spec:
      nodeSelector:
        topology.kubernetes.io/region: {region}
      containers:
        - name: api
          image: {registry}/api:1.{index % 40}.0
          ports:
            - containerPort: 8080
          envFrom:
            - configMapRef:
                name: {name}-config
          volumeMounts:
            - name: uploads
              mountPath: /var/lib/uploads
      volumes:
        - name: uploads
          persistentVolumeClaim:
            claimName: {name}-uploads
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {name}-db
  namespace: {name}
spec:
  serviceName: {name}-db
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}-db
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {name}-db
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
              - matchExpressions:
                  - key: topology.kubernetes.io/region
                    operator: In
                    values: [{region}]
      containers:
        - name: postgres
          image: {registry}/postgres:15.{index % 7}
          volumeMounts:
            - name: data
              mountPath: /var/lib/postgresql/data
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: [ReadWriteOnce]
        storageClassName: {name}-ssd
        resources:
          requests:
            storage: 100Gi
---
apiVersion: v1
kind: Service
metadata:
  name: {name}-api
  namespace: {name}
spec:
  selector:
    app.kubernetes.io/name: {name}-api
  ports:
    - name: http
      port: 80
      targetPort: 8080
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-config
  namespace: {name}
data:
  DATABASE_HOST: {name}-db.{name}.svc.cluster.local
  LOG_LEVEL: info
''',
    }


# The module every AWS stack of a team calls (two resources per call).
ARCHIVE_MODULE = {
    "main.tf": '''variable "name" {
  type = string
}

variable "kms_key_id" {
  type    = string
  default = null
}

resource "aws_s3_bucket" "this" {
  bucket = var.name
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_id
    }
  }
}

output "arn" {
  value = aws_s3_bucket.this.arn
}
''',
}

BUILDERS = [aws_module, aws_module, azure_module, google_module, eu_module, k8s_module]
RESOURCES_PER_BUILDER = {aws_module: 12, azure_module: 4, google_module: 3, eu_module: 3,
                         k8s_module: 6}


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
        team_dir = out / f"team-{index // 50:03d}"
        if index % 50 == 0:
            archive = team_dir / "modules" / "archive"
            archive.mkdir(parents=True)
            for name, text in ARCHIVE_MODULE.items():
                (archive / name).write_text(text)
                files += 1
        module_dir = team_dir / f"stack-{index:05d}"
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
