package sovlint.rules.telemetry_export_test

import rego.v1

import data.sovlint.rules.telemetry_export as rule

config := {"allowed_countries": ["AT", "BE", "DE", "EU", "FR", "IE", "NL"], "allowed_providers": []}

workload(address, telemetry) := {
	"address": address,
	"data_bearing": true,
	"scope": {"in_scope": true},
	"telemetry": telemetry,
}

export(kind, endpoint, vendor, region, countries, source) := {
	"kind": kind, "endpoint": endpoint, "vendor": vendor, "vendor_hq_country": "US",
	"vendor_jurisdiction": "non-eu", "region": region, "countries": countries,
	"source": source, "container": "api", "in_cluster": false,
}

newrelic_us := export("apm", "https://otlp.nr-data.net:4317", "New Relic", "US", ["US"], "env OTEL_EXPORTER_OTLP_ENDPOINT")

datadog_eu := export("apm", "datadoghq.eu", "Datadog", "EU1", ["DE"], "env DD_SITE")

collector := {
	"kind": "traces", "endpoint": "http://otel-collector.observability.svc:4317", "vendor": "in-cluster collector",
	"vendor_hq_country": "", "vendor_jurisdiction": "unknown", "region": null, "countries": [],
	"source": "env OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "container": "api", "in_cluster": true,
}

test_us_endpoint_is_reported if {
	findings := rule.deny with input as {"config": config, "resources": [workload("Deployment/ns/api", [newrelic_us])]}
	some finding in findings
	finding.rule_id == "SOV007"
	finding.resource == "Deployment/ns/api"
	contains(finding.message, "https://otlp.nr-data.net:4317 (New Relic US, in US; vendor headquartered in US)")
	contains(finding.message, "set by env OTEL_EXPORTER_OTLP_ENDPOINT in container api")
}

test_eu_site_of_a_us_vendor_passes if {
	count(rule.deny) == 0 with input as {"config": config, "resources": [workload("Deployment/ns/api", [datadog_eu])]}
}

test_eu_site_outside_a_narrower_allow_list_is_reported if {
	narrow := {"allowed_countries": ["FR"], "allowed_providers": []}
	count(rule.deny) == 1 with input as {"config": narrow, "resources": [workload("Deployment/ns/api", [datadog_eu])]}
}

test_in_cluster_collector_passes if {
	count(rule.deny) == 0 with input as {"config": config, "resources": [workload("Deployment/ns/api", [collector])]}
}

test_unknown_endpoint_passes if {
	unknown := object.union(newrelic_us, {"vendor": "otel.example.eu", "region": null, "countries": [], "vendor_jurisdiction": "unknown"})
	count(rule.deny) == 0 with input as {"config": config, "resources": [workload("Deployment/ns/api", [unknown])]}
}

test_several_exports_give_one_finding if {
	sentry := export("errors", "https://o1.ingest.sentry.io/2", "Sentry", "US", ["US"], "env SENTRY_DSN")
	findings := rule.deny with input as {"config": config, "resources": [workload("Deployment/ns/api", [newrelic_us, sentry, collector])]}
	count(findings) == 1
	some finding in findings
	contains(finding.message, "error reports to https://o1.ingest.sentry.io/2")
}

test_out_of_scope_workload_is_not_reported if {
	other := object.union(workload("Deployment/ns/api", [newrelic_us]), {"scope": {"in_scope": false}})
	count(rule.deny) == 0 with input as {"config": config, "resources": [other]}
}
