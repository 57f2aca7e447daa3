# METADATA
# title: cross-border-replication
# description: |
#   Data of an in-scope resource is replicated, copied, backed up, failed over or geo-paired
#   from an allowed location to one outside the allowed countries. Reported on the resource
#   whose configuration creates the flow.
# related_resources:
#   - ref: https://eur-lex.europa.eu/eli/reg/2016/679/oj
#   - ref: https://curia.europa.eu/juris/liste.jsf?num=C-311/18
# custom:
#   id: SOV003
#   name: cross-border-replication
#   severity: high
package sovlint.rules.cross_border_replication

import rego.v1

import data.sovlint.lib

verbs := {
	"replication": "replicates",
	"read-replica": "replicates",
	"backup-copy": "copies backups of",
	"failover": "fails over",
	"geo-redundancy": "geo-replicates",
}

deny contains {
	"rule_id": "SOV003",
	"resource": resource.address,
	"file": object.get(resource, ["source", "file"], null),
	"root": object.get(resource, "root", null),
	"message": sprintf("%s %s (%s) to %s (%s) via %s (%s:%d)", [
		verbs[flow.kind],
		source_name(flow, resource.address),
		lib.short_location(flow.source),
		name(flow.target.resource, "a copy"),
		lib.short_location(flow.target),
		flow.attribute,
		resource.source.file,
		flow.line,
	]),
	"target": {
		"region": flow.target.region,
		"country": flow.target.country,
		"resource": flow.target.resource,
	},
} if {
	some resource in input.resources
	resource.scope.in_scope
	some flow in resource.flows
	verbs[flow.kind]
	lib.location_inside(flow.source)
	lib.location_outside(flow.target)
}

name(address, _) := address if address != null

name(address, fallback) := fallback if address == null

# A copy declared on the receiving side (EBS snapshot or AMI copy) is the target of its own
# flow; the source is then the copied original, in the flow's source region.
source_name(flow, _) := flow.source.resource if flow.source.resource != null

source_name(flow, address) := "its source" if {
	flow.source.resource == null
	flow.target.resource == address
}

source_name(flow, address) := address if {
	flow.source.resource == null
	flow.target.resource != address
}
