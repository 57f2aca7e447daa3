# METADATA
# title: parse-error
# description: |
#   An input file could not be parsed. A gate must not pass on what it could not read.
# related_resources:
#   - ref: https://developer.hashicorp.com/terraform/language/syntax/configuration
#   - ref: https://yaml.org/spec/1.2.2/
# custom:
#   id: SOV000
#   name: parse-error
#   severity: high
package sovlint.rules.parse_error

import rego.v1

deny contains {
	"rule_id": "SOV000",
	"resource": null,
	"file": error.file,
	"line": error.line,
	"message": sprintf("cannot parse %s: %s", [error.file, error.message]),
} if {
	some error in input.errors
}
