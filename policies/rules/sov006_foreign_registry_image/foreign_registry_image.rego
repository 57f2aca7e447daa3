# METADATA
# title: foreign-registry-image
# description: |
#   A container image of an in-scope workload is pulled from a registry operated under
#   non-EU jurisdiction or located outside the allowed countries. Registries trusted with
#   `allow.registries` and registries the catalogue does not know (self-hosted) are not
#   reported.
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/dir/2022/2555/oj
#   - ref: https://www.law.cornell.edu/uscode/text/18/2713
# custom:
#   id: SOV006
#   name: foreign-registry-image
#   severity: low
package sovlint.rules.foreign_registry_image

import rego.v1

import data.sovlint.lib

deny contains {
	"rule_id": "SOV006",
	"resource": resource.address,
	"file": object.get(resource, ["source", "file"], null),
	"root": object.get(resource, "root", null),
	"message": message,
} if {
	some resource in input.resources
	resource.scope.in_scope
	offending := {describe(image) | some image in resource.images; foreign(image)}
	count(offending) > 0
	message := sprintf("%s pulls %s from outside EU jurisdiction or the allowed countries: %s", [
		resource.address,
		plural(count(offending)),
		concat("; ", sort(offending)),
	])
}

foreign(image) if {
	not trusted(image)
	operator_foreign(image)
}

foreign(image) if {
	not trusted(image)
	count(outside(image)) > 0
}

trusted(image) if image.trusted == true

trusted(image) if image.registry in allowed_registries

allowed_registries := {r | some r in input.config.allowed_registries}

# The operator is under non-EU jurisdiction and not a provider entity trusted with
# `allow.providers`.
operator_foreign(image) if {
	image.jurisdiction == "non-eu"
	not image.operator in lib.allowed_providers
}

outside(image) := sort([c |
	some c in image.countries
	not lib.allowed_country(c)
])

describe(image) := sprintf("%s (registry %s, %s)", [
	image.image,
	image.registry,
	concat(", ", array.concat(operator_reason(image), location_reason(image))),
])

operator_reason(image) := [sprintf("operated by %s, headquartered in %s", [image.operator_name, image.hq_country])] if {
	operator_foreign(image)
}

operator_reason(image) := [sprintf("operated by %s", [image.operator_name])] if {
	not operator_foreign(image)
}

location_reason(image) := [sprintf("located in %s", [concat("/", outside(image))])] if {
	count(outside(image)) > 0
}

location_reason(image) := [sprintf("region %s", [image.region])] if {
	count(outside(image)) == 0
	image.region != null
	image.region != "global"
}

location_reason(image) := ["served worldwide"] if {
	count(outside(image)) == 0
	image.region == "global"
}

location_reason(image) := [] if {
	count(outside(image)) == 0
	image.region == null
}

plural(1) := "an image"

plural(n) := sprintf("%d images", [n]) if n > 1
