package sovlint.rules.foreign_registry_image_test

import rego.v1

import data.sovlint.rules.foreign_registry_image as rule

config := {"allowed_countries": ["AT", "BE", "DE", "EU", "FR", "IE", "NL"], "allowed_providers": [], "allowed_registries": []}

workload(address, images) := {
	"address": address,
	"data_bearing": true,
	"scope": {"in_scope": true},
	"images": images,
}

image(ref, registry, operator, jurisdiction, hq, region, countries) := {
	"image": ref, "registry": registry, "operator": operator, "operator_name": operator,
	"jurisdiction": jurisdiction, "hq_country": hq, "region": region, "countries": countries,
	"container": "app", "path": "spec.containers[0].image", "trusted": false,
}

docker_hub := image("nginx:1.27", "docker.io", "docker", "non-eu", "US", null, ["US"])

ghcr := image("ghcr.io/acme/api:1", "ghcr.io", "github", "non-eu", "US", null, ["US"])

scaleway := image("rg.fr-par.scw.cloud/acme/api:1", "rg.fr-par.scw.cloud", "scaleway", "eu", "FR", "fr-par", ["FR"])

ecr_paris := image("1.dkr.ecr.eu-west-3.amazonaws.com/api:1", "1.dkr.ecr.eu-west-3.amazonaws.com", "aws", "non-eu", "US", "eu-west-3", ["FR"])

ovh_canada := image("x.bhs5.container-registry.ovh.net/p/api:1", "x.bhs5.container-registry.ovh.net", "ovh", "eu", "FR", "BHS5", ["CA"])

harbor := image("harbor.example.eu/p/api:1", "harbor.example.eu", "unknown", "unknown", "", null, [])

test_docker_hub_image_is_reported if {
	findings := rule.deny with input as {"config": config, "resources": [workload("Deployment/ns/web", [docker_hub])]}
	some finding in findings
	finding.rule_id == "SOV006"
	finding.resource == "Deployment/ns/web"
	contains(finding.message, "nginx:1.27 (registry docker.io")
	contains(finding.message, "headquartered in US")
}

test_several_foreign_images_give_one_finding if {
	findings := rule.deny with input as {"config": config, "resources": [workload("Deployment/ns/web", [docker_hub, ghcr, scaleway])]}
	count(findings) == 1
	some finding in findings
	contains(finding.message, "2 images")
	not contains(finding.message, "scw.cloud")
}

test_eu_registry_in_eu_passes if {
	count(rule.deny) == 0 with input as {"config": config, "resources": [workload("Deployment/ns/web", [scaleway])]}
}

test_ecr_in_paris_is_reported_for_its_operator if {
	findings := rule.deny with input as {"config": config, "resources": [workload("Deployment/ns/web", [ecr_paris])]}
	some finding in findings
	contains(finding.message, "region eu-west-3")
}

test_eu_operator_outside_allowed_countries_is_reported if {
	findings := rule.deny with input as {"config": config, "resources": [workload("Deployment/ns/web", [ovh_canada])]}
	some finding in findings
	contains(finding.message, "located in CA")
}

test_unknown_self_hosted_registry_passes if {
	count(rule.deny) == 0 with input as {"config": config, "resources": [workload("Deployment/ns/web", [harbor])]}
}

test_trusted_registry_passes if {
	trusted := object.union(ghcr, {"trusted": true})
	count(rule.deny) == 0 with input as {"config": config, "resources": [workload("Deployment/ns/web", [trusted])]}
}

test_registry_listed_in_config_passes if {
	cfg := object.union(config, {"allowed_registries": ["ghcr.io"]})
	count(rule.deny) == 0 with input as {"config": cfg, "resources": [workload("Deployment/ns/web", [ghcr])]}
}

test_trusted_provider_entity_is_judged_on_location_only if {
	cfg := object.union(config, {"allowed_providers": ["aws"]})
	count(rule.deny) == 0 with input as {"config": cfg, "resources": [workload("Deployment/ns/web", [ecr_paris])]}
}

test_out_of_scope_workload_is_not_reported if {
	other := object.union(workload("Deployment/ns/web", [docker_hub]), {"scope": {"in_scope": false}})
	count(rule.deny) == 0 with input as {"config": config, "resources": [other]}
}
