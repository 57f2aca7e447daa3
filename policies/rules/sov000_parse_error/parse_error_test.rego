package sovlint.rules.parse_error_test

import rego.v1

import data.sovlint.rules.parse_error

test_parse_error_is_reported_with_file_and_line if {
	findings := parse_error.deny with input as {"errors": [{"file": "broken.tf", "line": 7, "message": "unexpected '}'"}], "resources": []}
	count(findings) == 1
	some finding in findings
	finding.rule_id == "SOV000"
	finding.file == "broken.tf"
	finding.line == 7
	contains(finding.message, "unexpected '}'")
}

test_no_error_no_finding if {
	count(parse_error.deny) == 0 with input as {"errors": [], "resources": []}
}
