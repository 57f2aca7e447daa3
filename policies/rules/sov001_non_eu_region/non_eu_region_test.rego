package sovlint.rules.non_eu_region_test

import rego.v1

import data.sovlint.rules.non_eu_region

config := {"allowed_countries": ["AT", "BE", "DE", "EU", "FR", "IE", "NL"]}

store(address, location) := {
	"address": address,
	"data_bearing": true,
	"scope": {"in_scope": true},
	"location": location,
}

paris := {"mode": "single", "region": "eu-west-3", "regions": ["eu-west-3"], "countries": ["FR"]}

virginia := {"mode": "single", "region": "us-east-1", "regions": ["us-east-1"], "countries": ["US"]}

test_store_in_virginia_is_reported if {
	findings := non_eu_region.deny with input as {"config": config, "resources": [store("aws_s3_bucket.dr", virginia)]}
	some finding in findings
	finding.rule_id == "SOV001"
	finding.resource == "aws_s3_bucket.dr"
	contains(finding.message, "us-east-1 (US)")
}

test_store_in_paris_passes if {
	count(non_eu_region.deny) == 0 with input as {"config": config, "resources": [store("aws_s3_bucket.docs", paris)]}
}

test_control_plane_is_not_reported if {
	sg := object.union(store("aws_security_group.dr", virginia), {"data_bearing": false})
	count(non_eu_region.deny) == 0 with input as {"config": config, "resources": [sg]}
}

test_out_of_scope_is_not_reported if {
	other := object.union(store("aws_s3_bucket.logs", virginia), {"scope": {"in_scope": false}})
	count(non_eu_region.deny) == 0 with input as {"config": config, "resources": [other]}
}

test_dual_region_with_one_member_outside_is_reported if {
	eur5 := {"mode": "multi", "region": "EUR5", "regions": ["EUR5"], "countries": ["BE", "GB"]}
	findings := non_eu_region.deny with input as {"config": config, "resources": [store("google_storage_bucket.b", eur5)]}
	some finding in findings
	contains(finding.message, "GB outside")
}

test_candidates_all_allowed_pass if {
	any_eu := {"mode": "candidates", "region": null, "regions": ["fr-par", "nl-ams"], "countries": ["FR", "NL"]}
	count(non_eu_region.deny) == 0 with input as {"config": config, "resources": [store("scaleway_object_bucket.b", any_eu)]}
}

test_candidates_mixed_pass_this_rule if {
	mixed := {"mode": "candidates", "region": null, "regions": ["eu-west-3", "us-east-1"], "countries": ["FR", "US"]}
	count(non_eu_region.deny) == 0 with input as {"config": config, "resources": [store("aws_s3_bucket.b", mixed)]}
}

test_candidates_none_allowed_are_reported if {
	us_only := {"mode": "candidates", "region": null, "regions": ["us-east-1", "us-west-2"], "countries": ["US"]}
	count(non_eu_region.deny) == 1 with input as {"config": config, "resources": [store("aws_s3_bucket.b", us_only)]}
}

test_global_location_is_not_this_rule if {
	global := {"mode": "global", "region": null, "regions": [], "countries": []}
	count(non_eu_region.deny) == 0 with input as {"config": config, "resources": [store("aws_cloudfront_distribution.cdn", global)]}
}
