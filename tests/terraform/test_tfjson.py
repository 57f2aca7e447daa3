"""Terraform JSON syntax gives the same blocks as HCL, with lines."""

from __future__ import annotations

from pathlib import Path

from helpers import run_cli

from sovlint.parsers.tfjson import parse_tf_json
from sovlint.terraform.syntax import Literal, Template

CONFIG = """{
  "provider": {
    "aws": [
      {"region": "eu-west-3"},
      {"alias": "dr", "region": "us-east-1"}
    ]
  },
  "resource": {
    "aws_s3_bucket": {
      "dr": {
        "provider": "aws.dr",
        "bucket": "records-${var.env}",
        "tags": {"data-classification": "health"}
      }
    }
  }
}
"""


def test_blocks_and_lines() -> None:
    parsed, error = parse_tf_json(CONFIG, "main.tf.json")
    assert error is None and parsed is not None
    providers = [b for b in parsed.blocks if b.type == "provider"]
    assert [(b.labels, b.line) for b in providers] == [(("aws",), 4), (("aws",), 5)]
    bucket = next(b for b in parsed.blocks if b.type == "resource")
    assert bucket.labels == ("aws_s3_bucket", "dr")
    assert bucket.line == 10
    assert isinstance(bucket.body.attributes["bucket"].expr, Template)
    assert bucket.body.attributes["provider"].expr == Literal(11, "aws.dr")


def test_invalid_json_is_an_error_with_line() -> None:
    parsed, error = parse_tf_json('{\n  "resource": {,\n}\n', "bad.tf.json")
    assert parsed is None
    assert error is not None and error.line == 2


def test_json_syntax_resource_is_scanned(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text(CONFIG.replace('"provider": "aws.dr"',
                                                          '"provider": "${aws.dr}"'))
    result = run_cli("scan", str(tmp_path), "--profile", "residency", cwd=tmp_path)
    assert result.exit_code == 1
    assert "main.tf.json:10  aws_s3_bucket.dr" in result.stdout
