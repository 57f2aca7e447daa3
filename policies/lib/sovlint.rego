# METADATA
# title: sovlint shared helpers
# description: Functions the built-in rules share. Custom policies may import them too.
package sovlint.lib

import rego.v1

# A country (ISO 3166-1 alpha-2, or "EU" for a spread over EU member states) is allowed when
# the configuration's `allow.countries` covers it.
# A rule, not a comprehension inside the function: evaluated once per query, not per call.
allowed_countries := {c | some c in input.config.allowed_countries}

allowed_country(country) if country in allowed_countries

allowed_providers := {p | some p in input.config.allowed_providers}

# Resources the residency rules report: in scope and holding customer data.
reportable(resource) if {
	resource.scope.in_scope
	resource.data_bearing
}

# Why a reported resource counts as holding data although its class is not known (fail
# closed), to end a message with; empty when the catalogue or the configuration decided it.
class_note(resource) := sprintf("; it is reported because whether it holds data is not known: %s", [
	resource.unclassified_reason,
]) if {
	is_string(object.get(resource, "unclassified_reason", null))
}

class_note(resource) := "" if {
	not is_string(object.get(resource, "unclassified_reason", null))
}

# Countries of a location that are outside the allowed ones, sorted.
outside_countries(location) := sort([c |
	some c in location.countries
	not c in allowed_countries
])

# Several regions at once, or one known region: outside when any member is.
location_outside(location) if {
	location.mode in {"single", "multi"}
	count(outside_countries(location)) > 0
}

# One region not known statically: outside only when every candidate is.
location_outside(location) if {
	location.mode == "candidates"
	count(location.countries) > 0
	count(outside_countries(location)) == count(location.countries)
}

# "us-east-1 (US)", "EUR5 (BE, GB)", "one of eu-west-1, us-east-1 (IE, US)"
describe_location(location) := sprintf("%s (%s)", [location.region, concat(", ", location.countries)]) if {
	location.mode in {"single", "multi"}
	location.region != null
}

describe_location(location) := sprintf("one of %s (%s)", [concat(", ", location.regions), concat(", ", location.countries)]) if {
	location.mode == "candidates"
}

describe_location(location) := sprintf("%s", [concat(", ", location.countries)]) if {
	location.mode in {"single", "multi"}
	location.region == null
}

# A location known to be inside the allowed countries (every member or candidate allowed).
location_inside(location) if {
	location.mode in {"single", "multi", "candidates"}
	count(location.countries) > 0
	count(outside_countries(location)) == 0
}

# "us-east-1, US" for messages about flows.
short_location(location) := sprintf("%s, %s", [location.region, concat("/", location.countries)]) if {
	location.region != null
}

short_location(location) := concat("/", location.countries) if {
	location.region == null
}

# A location that cannot be judged statically: unknown for a stated reason, or candidates of
# which some are allowed and some are not. (Unknown without a reason is deliberately not judged.)
location_undetermined(location) if {
	location.mode == "unknown"
	location.unresolved_reason != null
}

location_undetermined(location) if {
	location.mode == "candidates"
	outside := outside_countries(location)
	count(outside) > 0
	count(outside) < count(location.countries)
}
