package sovlint.rules.foreign_jurisdiction_provider_test

import rego.v1

import data.sovlint.rules.foreign_jurisdiction_provider as rule

aws := {"id": "aws", "name": "Amazon Web Services", "hq_country": "US", "jurisdiction": "non-eu", "law_notes": ["US CLOUD Act, 18 U.S.C. 2713"]}

eusc := {"id": "aws-eusc", "name": "AWS European Sovereign Cloud", "hq_country": "DE", "jurisdiction": "non-eu", "law_notes": []}

ovh := {"id": "ovh", "name": "OVHcloud", "hq_country": "FR", "jurisdiction": "eu", "law_notes": []}

store(address, provider) := {
	"address": address,
	"data_bearing": true,
	"scope": {"in_scope": true},
	"provider": provider,
}

test_us_provider_in_paris_is_reported if {
	findings := rule.deny with input as {"config": {"allowed_providers": []}, "resources": [store("aws_s3_bucket.docs", aws)]}
	some finding in findings
	finding.rule_id == "SOV002"
	finding.resource == "aws_s3_bucket.docs"
	contains(finding.message, "CLOUD Act")
}

test_eu_provider_passes if {
	count(rule.deny) == 0 with input as {"config": {"allowed_providers": []}, "resources": [store("ovh_cloud_project_database.db", ovh)]}
}

test_trusted_entity_passes if {
	count(rule.deny) == 0 with input as {"config": {"allowed_providers": ["aws-eusc"]}, "resources": [store("aws_s3_bucket.b", eusc)]}
}

test_trusting_eusc_does_not_trust_aws if {
	count(rule.deny) == 1 with input as {"config": {"allowed_providers": ["aws-eusc"]}, "resources": [store("aws_s3_bucket.b", aws)]}
}

test_control_plane_is_not_reported if {
	iam := object.union(store("aws_iam_role.replication", aws), {"data_bearing": false})
	count(rule.deny) == 0 with input as {"config": {"allowed_providers": []}, "resources": [iam]}
}

test_unread_module_call_is_left_to_sov001_and_sov004 if {
	call := object.union(store("module.label", aws), {"type": "module"})
	count(rule.deny) == 0 with input as {"config": {"allowed_providers": []}, "resources": [call]}
}

test_unknown_class_is_said_in_the_message if {
	unknown := object.union(store("azapi_resource.this", aws), {"unclassified_reason": "its ARM type is not known statically"})
	findings := rule.deny with input as {"config": {"allowed_providers": []}, "resources": [unknown]}
	some finding in findings
	endswith(finding.message, "; it is reported because whether it holds data is not known: its ARM type is not known statically")
}

test_known_class_has_no_note if {
	findings := rule.deny with input as {"config": {"allowed_providers": []}, "resources": [store("aws_s3_bucket.docs", aws)]}
	some finding in findings
	not contains(finding.message, "whether it holds data")
}
