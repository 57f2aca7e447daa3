"""Start-up stays light: a pre-commit run on Terraform files loads only what it needs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import sys
sys.argv = ["sovlint", "scan", "main.tf"]
from sovlint.cli import main
try:
    main()
except SystemExit:
    pass
heavy = ("yaml", "sovlint.parsers.yamldocs", "sovlint.parsers.render", "sovlint.parsers.tfplan",
         "sovlint.normalise.kubernetes", "opa_client", "requests")
print(",".join(sorted(name for name in heavy if name in sys.modules)), file=sys.stderr)
"""


def test_a_terraform_only_scan_does_not_import_the_yaml_and_kubernetes_machinery(
        tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  region = "eu-west-3"\n}\n\n'
        'resource "aws_s3_bucket" "records" {\n  bucket = "records"\n}\n')
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    for _ in range(2):  # the first run fills the catalogue cache, the second reads it
        probe = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=env,
                               capture_output=True, text=True, timeout=120)
    assert probe.stderr.strip().splitlines()[-1:] in ([], [""]), probe.stderr
