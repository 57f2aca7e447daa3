# METADATA
# title: non-eu-region
# description: |
#   An in-scope resource that holds data is located outside the allowed countries
#   (by default the EU and the EEA).
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2016/679/oj
#   - ref: https://curia.europa.eu/juris/liste.jsf?num=C-311/18
# custom:
#   id: SOV001
#   name: non-eu-region
#   severity: high
package sovlint.rules.non_eu_region

import rego.v1

import data.sovlint.lib

deny contains {
	"rule_id": "SOV001",
	"resource": resource.address,
	"file": object.get(resource, ["source", "file"], null),
	"root": object.get(resource, "root", null),
	"message": message,
} if {
	some resource in input.resources
	lib.reportable(resource)
	lib.location_outside(resource.location)
	message := sprintf("%s is located in %s: %s outside the allowed countries%s", [
		resource.address,
		lib.describe_location(resource.location),
		verb(resource.location),
		lib.class_note(resource),
	])
}

verb(location) := "every candidate region is" if location.mode == "candidates"

verb(location) := concat(", ", lib.outside_countries(location)) if location.mode != "candidates"
