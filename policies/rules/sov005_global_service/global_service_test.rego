package sovlint.rules.global_service_test

import rego.v1

import data.sovlint.rules.global_service as rule

resource(mode, data_bearing) := {
	"address": "aws_cloudfront_distribution.portal",
	"type": "aws_cloudfront_distribution",
	"data_bearing": data_bearing,
	"scope": {"in_scope": true},
	"location": {"mode": mode, "how": "aws_cloudfront_distribution is global", "countries": []},
}

test_cdn_is_reported if {
	findings := rule.deny with input as {"resources": [resource("global", true)]}
	some finding in findings
	finding.rule_id == "SOV005"
	contains(finding.message, "has no fixed region")
}

test_regional_service_passes if {
	count(rule.deny) == 0 with input as {"resources": [resource("single", true)]}
}

test_control_plane_global_is_not_reported if {
	count(rule.deny) == 0 with input as {"resources": [resource("global", false)]}
}
