# METADATA
# title: foreign-jurisdiction-provider
# description: |
#   An in-scope resource that holds data is hosted by a provider entity subject to non-EU
#   law with extraterritorial reach (US CLOUD Act and FISA 702, China's 2017 National
#   Intelligence Law), whatever its region.
# related_resources:
#   - ref: https://www.law.cornell.edu/uscode/text/18/2713
#   - ref: https://www.law.cornell.edu/uscode/text/50/1881a
#   - ref: https://cyber.gouv.fr/publications/referentiel-secnumcloud
# custom:
#   id: SOV002
#   name: foreign-jurisdiction-provider
#   severity: high
package sovlint.rules.foreign_jurisdiction_provider

import rego.v1

import data.sovlint.lib

deny contains {
	"rule_id": "SOV002",
	"resource": resource.address,
	"file": object.get(resource, ["source", "file"], null),
	"root": object.get(resource, "root", null),
	"message": sprintf("%s is hosted by %s (%s, headquartered in %s), subject to %s%s", [
		resource.address,
		resource.provider.name,
		resource.provider.id,
		resource.provider.hq_country,
		laws(resource.provider),
		lib.class_note(resource),
	]),
} if {
	some resource in input.resources
	lib.reportable(resource)
	# A module call whose source was not read is SOV001 or SOV004 (SPEC §2): its provider is a
	# guess from the source address, and a label or lookup module holds nothing.
	object.get(resource, "type", "") != "module"
	resource.provider.jurisdiction == "non-eu"
	not resource.provider.id in lib.allowed_providers
}

laws(provider) := concat("; ", provider.law_notes) if count(provider.law_notes) > 0

laws(provider) := "non-EU law with extraterritorial reach" if count(provider.law_notes) == 0
