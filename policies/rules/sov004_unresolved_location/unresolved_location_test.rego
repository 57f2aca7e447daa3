package sovlint.rules.unresolved_location_test

import rego.v1

import data.sovlint.rules.unresolved_location as rule

config := {"allowed_countries": ["DE", "EU", "FR", "IE"]}

store(location) := {
	"address": "aws_s3_bucket.b",
	"data_bearing": true,
	"scope": {"in_scope": true},
	"location": location,
}

test_unset_variable_is_reported_and_named if {
	unknown := {"mode": "unknown", "countries": [], "regions": [], "unresolved_reason": "var.region has no value"}
	findings := rule.deny with input as {"config": config, "resources": [store(unknown)]}
	some finding in findings
	finding.rule_id == "SOV004"
	contains(finding.message, "var.region has no value")
}

test_mixed_candidates_are_reported if {
	mixed := {"mode": "candidates", "countries": ["FR", "US"], "regions": ["eu-west-3", "us-east-1"], "unresolved_reason": "var.region has no value"}
	findings := rule.deny with input as {"config": config, "resources": [store(mixed)]}
	some finding in findings
	contains(finding.message, "may be located in US")
}

test_all_allowed_candidates_pass if {
	eu := {"mode": "candidates", "countries": ["FR", "DE"], "regions": ["fr-par", "de-fra"], "unresolved_reason": "no region set"}
	count(rule.deny) == 0 with input as {"config": config, "resources": [store(eu)]}
}

test_all_outside_candidates_are_sov001_not_this_rule if {
	us := {"mode": "candidates", "countries": ["US"], "regions": ["us-east-1"], "unresolved_reason": "x"}
	count(rule.deny) == 0 with input as {"config": config, "resources": [store(us)]}
}

test_unknown_without_reason_is_not_judged if {
	cluster := {"mode": "unknown", "countries": [], "regions": [], "unresolved_reason": null}
	count(rule.deny) == 0 with input as {"config": config, "resources": [store(cluster)]}
}

test_control_plane_is_not_reported if {
	unknown := {"mode": "unknown", "countries": [], "regions": [], "unresolved_reason": "var.region has no value"}
	sg := object.union(store(unknown), {"data_bearing": false})
	count(rule.deny) == 0 with input as {"config": config, "resources": [sg]}
}

test_flow_with_unknown_target_is_reported if {
	unknown := {"mode": "unknown", "countries": [], "regions": [], "unresolved_reason": "var.dr_region has no value"}
	paris := {"mode": "single", "countries": ["FR"], "regions": ["eu-west-3"], "unresolved_reason": null}
	carrier := {
		"address": "aws_dynamodb_table.sessions",
		"data_bearing": true,
		"scope": {"in_scope": true},
		"location": paris,
		"flows": [{"kind": "replication", "attribute": "replica[0].region_name", "source": paris, "target": unknown}],
	}
	findings := rule.deny with input as {"config": config, "resources": [carrier]}
	some finding in findings
	contains(finding.message, "replica[0].region_name")
	contains(finding.message, "var.dr_region has no value")
}

test_resource_whose_class_is_unknown_is_reported_with_the_reason if {
	paris := {"mode": "single", "countries": ["FR"], "regions": ["francecentral"], "unresolved_reason": null}
	generic := object.union(store(paris), {
		"address": "azapi_resource.store",
		"unclassified_reason": "its ARM type is not known statically (var.resource_type has no value)",
	})
	findings := rule.deny with input as {"config": config, "resources": [generic]}
	some finding in findings
	finding.message == "azapi_resource.store: whether it holds data cannot be determined statically: its ARM type is not known statically (var.resource_type has no value)"
}

test_resource_whose_class_is_known_is_not_reported if {
	paris := {"mode": "single", "countries": ["FR"], "regions": ["francecentral"], "unresolved_reason": null}
	decided := object.union(store(paris), {"unclassified_reason": null})
	count(rule.deny) == 0 with input as {"config": config, "resources": [decided]}
}

unread_call(location) := object.union(store(location), {"address": "module.db", "type": "module"})

test_unread_module_located_inside_is_still_reported if {
	paris := {"mode": "single", "countries": ["FR"], "regions": ["eu-west-3"], "region": "eu-west-3", "unresolved_reason": "module source 'x/db/aws' was not read"}
	findings := rule.deny with input as {"config": config, "resources": [unread_call(paris)]}
	some finding in findings
	finding.rule_id == "SOV004"
	contains(finding.message, "its resources cannot be checked")
}

test_unread_module_located_outside_is_left_to_sov001 if {
	us := {"mode": "single", "countries": ["US"], "regions": ["us-east-1"], "region": "us-east-1", "unresolved_reason": "module source 'x/db/aws' was not read"}
	count(rule.deny) == 0 with input as {"config": config, "resources": [unread_call(us)]}
}
