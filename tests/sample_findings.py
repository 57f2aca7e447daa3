"""Findings shared by the report tests: a cross-border flow, a suppressed store, a parse error."""

from __future__ import annotations

from sovlint.model import Finding, Suppression

REPLICATION = Finding(
    rule_id="SOV003",
    rule_name="cross-border-replication",
    severity="high",
    message="replicates to us-east-1 (US) via rule.destination.bucket",
    resource="aws_s3_bucket_replication_configuration.health",
    resource_type="aws_s3_bucket_replication_configuration",
    file="infra/main.tf",
    line=12,
    end_line=30,
    location={"provider": "aws", "region": "eu-west-3", "country": "FR"},
    target={"region": "us-east-1", "country": "US", "resource": "aws_s3_bucket.dr"},
)
ARCHIVE = Finding(
    rule_id="SOV001",
    rule_name="non-eu-region",
    severity="high",
    message="located in us-east-1 (US)",
    resource="aws_s3_bucket.archive",
    resource_type="aws_s3_bucket",
    file="infra/main.tf",
    line=40,
    end_line=52,
    suppression=Suppression(
        reason="legacy archive, deleted after migration",
        owner="@dpo-team",
        until="2027-03-31",
        file="infra/main.tf",
        line=39,
    ),
)
PARSE_ERROR = Finding(
    rule_id="SOV000",
    rule_name="parse-error",
    severity="high",
    message="unexpected token '}'",
    resource=None,
    resource_type=None,
    file="bad.tf",
    line=3,
    end_line=3,
)
