# METADATA
# title: global-service
# description: |
#   An in-scope data path goes through a service with no fixed region: a CDN, a global load
#   balancer, a key ring in `global`. Its data is handled wherever the operator's edge is.
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2016/679/oj
# custom:
#   id: SOV005
#   name: global-service
#   severity: medium
package sovlint.rules.global_service

import rego.v1

import data.sovlint.lib

deny contains {
	"rule_id": "SOV005",
	"resource": resource.address,
	"file": object.get(resource, ["source", "file"], null),
	"root": object.get(resource, "root", null),
	"message": sprintf("%s (%s) has no fixed region: %s", [
		resource.address,
		resource.type,
		resource.location.how,
	]),
} if {
	some resource in input.resources
	lib.reportable(resource)
	resource.location.mode == "global"
}
