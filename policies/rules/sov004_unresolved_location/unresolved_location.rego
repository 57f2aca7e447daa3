# METADATA
# title: unresolved-location
# description: |
#   The location of an in-scope resource that holds data cannot be determined statically:
#   a variable without a value, a reference known only after apply, a region the catalogue
#   does not know, or candidates some of which are outside the allowed countries; or
#   whether it holds data cannot be decided (an azapi resource whose ARM type is unknown).
#   Fail-closed: what cannot be proven inside is reported.
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2016/679/oj
# custom:
#   id: SOV004
#   name: unresolved-location
#   severity: medium
package sovlint.rules.unresolved_location

import rego.v1

import data.sovlint.lib

# A location with no reason is deliberately not judged (e.g. Kubernetes workloads when the
# cluster location is not configured: one diagnostic says so instead).
deny contains {
	"rule_id": "SOV004",
	"resource": resource.address,
	"file": object.get(resource, ["source", "file"], null),
	"root": object.get(resource, "root", null),
	"message": sprintf("%s: location cannot be determined statically: %s", [
		resource.address,
		resource.location.unresolved_reason,
	]),
} if {
	some resource in input.resources
	lib.reportable(resource)
	resource.location.mode == "unknown"
	resource.location.unresolved_reason != null
}

deny contains {
	"rule_id": "SOV004",
	"resource": resource.address,
	"file": object.get(resource, ["source", "file"], null),
	"root": object.get(resource, "root", null),
	"message": sprintf("%s may be located in %s, outside the allowed countries: %s", [
		resource.address,
		concat(", ", lib.outside_countries(resource.location)),
		resource.location.unresolved_reason,
	]),
} if {
	some resource in input.resources
	lib.reportable(resource)
	resource.location.mode == "candidates"
	outside := lib.outside_countries(resource.location)
	count(outside) > 0
	count(outside) < count(resource.location.countries)
}

# A module call whose source was not read, located by an argument inside the allowed countries:
# the argument is known, the module's resources (replicas, backups, other regions) are not.
deny contains {
	"rule_id": "SOV004",
	"resource": resource.address,
	"file": object.get(resource, ["source", "file"], null),
	"root": object.get(resource, "root", null),
	"message": sprintf("%s: its resources cannot be checked: %s", [
		resource.address,
		resource.location.unresolved_reason,
	]),
} if {
	some resource in input.resources
	lib.reportable(resource)
	object.get(resource, "type", "") == "module"
	resource.location.mode != "unknown"
	resource.location.unresolved_reason != null
	not lib.location_outside(resource.location)
}

# A flow whose target cannot be determined, from data known to be inside.
deny contains {
	"rule_id": "SOV004",
	"resource": resource.address,
	"file": object.get(resource, ["source", "file"], null),
	"root": object.get(resource, "root", null),
	"message": sprintf("%s: the target of %s via %s cannot be determined statically: %s", [
		resource.address,
		flow.kind,
		flow.attribute,
		flow.target.unresolved_reason,
	]),
} if {
	some resource in input.resources
	resource.scope.in_scope
	some flow in resource.flows
	lib.location_undetermined(flow.target)
	not lib.location_outside(flow.source)
}

# The class of the resource could not be decided (an azapi resource whose ARM type is not
# known statically): it counts as data-bearing, and the reason says how to decide it.
deny contains {
	"rule_id": "SOV004",
	"resource": resource.address,
	"file": object.get(resource, ["source", "file"], null),
	"root": object.get(resource, "root", null),
	"message": sprintf("%s: whether it holds data cannot be determined statically: %s", [
		resource.address,
		resource.unclassified_reason,
	]),
} if {
	some resource in input.resources
	lib.reportable(resource)
	object.get(resource, "unclassified_reason", null) != null
}
