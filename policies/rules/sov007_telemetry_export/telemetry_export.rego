# METADATA
# title: telemetry-export
# description: |
#   Logs, metrics, traces or error reports of an in-scope workload are shipped to an
#   endpoint located outside the allowed countries (a vendor's US site, an OTLP endpoint
#   outside the EU). The location of the endpoint decides; the vendor's jurisdiction is named
#   in the message. Endpoints inside the cluster and endpoints the catalogue does not know are
#   not reported.
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2016/679/oj
#   - ref: https://curia.europa.eu/juris/liste.jsf?num=C-311/18
# custom:
#   id: SOV007
#   name: telemetry-export
#   severity: medium
package sovlint.rules.telemetry_export

import rego.v1

import data.sovlint.lib

deny contains {
	"rule_id": "SOV007",
	"resource": resource.address,
	"file": object.get(resource, ["source", "file"], null),
	"root": object.get(resource, "root", null),
	"message": message,
} if {
	some resource in input.resources
	resource.scope.in_scope
	offending := {describe(export) | some export in resource.telemetry; exported_outside(export)}
	count(offending) > 0
	message := sprintf("%s ships telemetry outside the allowed countries: %s", [
		resource.address,
		concat("; ", sort(offending)),
	])
}

exported_outside(export) if {
	not export.in_cluster
	count(outside(export)) > 0
}

outside(export) := sort([c |
	some c in export.countries
	not lib.allowed_country(c)
])

describe(export) := sprintf("%s to %s (%s%s, in %s%s) set by %s%s", [
	signal(export.kind),
	export.endpoint,
	export.vendor,
	region(export),
	concat("/", outside(export)),
	vendor_note(export),
	export.source,
	container(export),
])

signal("apm") := "logs, metrics and traces"

signal("errors") := "error reports"

signal(kind) := kind if not kind in {"apm", "errors"}

region(export) := sprintf(" %s", [export.region]) if export.region != null

region(export) := "" if export.region == null

vendor_note(export) := sprintf("; vendor headquartered in %s", [export.vendor_hq_country]) if {
	export.vendor_jurisdiction == "non-eu"
}

vendor_note(export) := "" if export.vendor_jurisdiction != "non-eu"

container(export) := sprintf(" in container %s", [export.container]) if export.container != null

container(export) := "" if export.container == null
