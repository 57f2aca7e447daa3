package sovlint.rules.cross_border_replication_test

import rego.v1

import data.sovlint.rules.cross_border_replication as rule

config := {"allowed_countries": ["DE", "EU", "FR", "IE"]}

paris := {"mode": "single", "region": "eu-west-3", "countries": ["FR"], "resource": "aws_s3_bucket.health"}

virginia := {"mode": "single", "region": "us-east-1", "countries": ["US"], "resource": "aws_s3_bucket.dr", "country": "US"}

frankfurt := {"mode": "single", "region": "eu-central-1", "countries": ["DE"], "resource": "aws_s3_bucket.dr", "country": "DE"}

carrier(flow) := {
	"address": "aws_s3_bucket_replication_configuration.health",
	"data_bearing": false,
	"scope": {"in_scope": true},
	"source": {"file": "main.tf", "line": 30},
	"flows": [flow],
}

flow(source, target) := {"kind": "replication", "source": source, "target": target, "attribute": "rule[0].destination[0].bucket", "line": 42}

test_replication_to_virginia_is_reported_on_the_configuration if {
	findings := rule.deny with input as {"config": config, "resources": [carrier(flow(paris, virginia))]}
	some finding in findings
	finding.rule_id == "SOV003"
	finding.resource == "aws_s3_bucket_replication_configuration.health"
	finding.message == "replicates aws_s3_bucket.health (eu-west-3, FR) to aws_s3_bucket.dr (us-east-1, US) via rule[0].destination[0].bucket (main.tf:42)"
	finding.target == {"region": "us-east-1", "country": "US", "resource": "aws_s3_bucket.dr"}
}

test_replication_inside_the_eu_passes if {
	count(rule.deny) == 0 with input as {"config": config, "resources": [carrier(flow(paris, frankfurt))]}
}

test_data_already_outside_is_not_this_rule if {
	count(rule.deny) == 0 with input as {"config": config, "resources": [carrier(flow(virginia, virginia))]}
}

test_unknown_target_is_not_this_rule if {
	unknown := {"mode": "unknown", "region": null, "countries": [], "resource": null}
	count(rule.deny) == 0 with input as {"config": config, "resources": [carrier(flow(paris, unknown))]}
}

test_edge_flows_are_not_this_rule if {
	edge := object.union(flow(paris, virginia), {"kind": "edge"})
	count(rule.deny) == 0 with input as {"config": config, "resources": [carrier(edge)]}
}

test_out_of_scope_carrier_is_not_reported if {
	out := object.union(carrier(flow(paris, virginia)), {"scope": {"in_scope": false}})
	count(rule.deny) == 0 with input as {"config": config, "resources": [out]}
}

test_a_copy_declared_on_the_receiving_side_names_its_source if {
	source := {"mode": "single", "region": "eu-west-3", "countries": ["FR"], "resource": null}
	target := {"mode": "single", "region": "us-east-1", "countries": ["US"], "country": "US", "resource": "aws_ami_copy.his"}
	copy := {
		"address": "aws_ami_copy.his",
		"scope": {"in_scope": true},
		"source": {"file": "main.tf", "line": 38},
		"flows": [{"kind": "backup-copy", "source": source, "target": target, "attribute": "source_ami_region", "line": 40}],
	}
	some finding in rule.deny with input as {"config": config, "resources": [copy]}
	finding.message == "copies backups of its source (eu-west-3, FR) to aws_ami_copy.his (us-east-1, US) via source_ami_region (main.tf:40)"
}
