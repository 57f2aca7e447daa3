"""Image references, registries, telemetry endpoints, and what workloads carry (SOV006/007)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sovlint.catalog.endpoints import (
    classify_endpoint,
    lookup_registry,
    parse_image,
    registry_trusted,
)
from sovlint.model import Resource
from sovlint.normalise.containers import (
    ProviderSite,
    attach_configmaps,
    kubernetes_workload,
    provider_telemetry_records,
    terraform_workload,
)
from sovlint.normalise.kubernetes import normalise_object

# --- image references ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "registry", "repository", "tag", "digest"),
    [
        ("nginx", "docker.io", "library/nginx", None, None),
        ("nginx:1.27", "docker.io", "library/nginx", "1.27", None),
        ("bitnami/redis:7.2", "docker.io", "bitnami/redis", "7.2", None),
        ("docker.io/nginx", "docker.io", "library/nginx", None, None),
        ("index.docker.io/library/nginx:1", "docker.io", "library/nginx", "1", None),
        ("localhost/app", "localhost", "app", None, None),
        ("localhost:5000/team/app:2", "localhost:5000", "team/app", "2", None),
        ("registry.example.eu:8443/app:3", "registry.example.eu:8443", "app", "3", None),
        ("Harbor/app", "harbor", "app", None, None),  # upper case: a host, as Docker reads it
        ("ghcr.io/acme/api@sha256:" + "a" * 64, "ghcr.io", "acme/api", None, "sha256:" + "a" * 64),
        ("nginx:1.27@sha256:" + "b" * 64, "docker.io", "library/nginx", "1.27",
         "sha256:" + "b" * 64),
        ("123456789012.dkr.ecr.eu-west-3.amazonaws.com/web:2",
         "123456789012.dkr.ecr.eu-west-3.amazonaws.com", "web", "2", None),
    ],
)
def test_image_references_parse_like_docker(reference: str, registry: str, repository: str,
                                            tag: str | None, digest: str | None) -> None:
    parsed = parse_image(reference)
    assert parsed is not None
    assert (parsed.registry, parsed.repository, parsed.tag, parsed.digest) == (
        registry, repository, tag, digest)


@pytest.mark.parametrize("reference", ["", "  ", "{{ .Values.image.repository }}:1",
                                       "${var.image}", "$(IMAGE)", "registry.example.eu/"])
def test_templated_or_empty_references_are_not_images(reference: str) -> None:
    assert parse_image(reference) is None


# --- registries ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "operator", "jurisdiction", "region", "countries"),
    [
        ("docker.io", "docker", "non-eu", None, ("US",)),
        ("ghcr.io", "github", "non-eu", None, ("US",)),
        ("quay.io", "red-hat", "non-eu", None, ("US",)),
        ("registry.k8s.io", "kubernetes", "non-eu", "global", ()),
        ("mirror.gcr.io", "google", "non-eu", "global", ()),
        ("mcr.microsoft.com", "azure", "non-eu", "global", ()),
        ("registry.gitlab.com", "gitlab", "non-eu", None, ("US",)),
        ("gcr.io", "google", "non-eu", "US", ("US",)),
        ("eu.gcr.io", "google", "non-eu", "EU", ("EU",)),
        ("europe-west9-docker.pkg.dev", "google", "non-eu", "europe-west9", ("FR",)),
        ("us-central1-docker.pkg.dev", "google", "non-eu", "us-central1", ("US",)),
        ("123456789012.dkr.ecr.eu-west-3.amazonaws.com", "aws", "non-eu", "eu-west-3", ("FR",)),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com", "aws", "non-eu", "us-east-1", ("US",)),
        ("123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu", "aws-eusc", "non-eu",
         "eusc-de-east-1", ("DE",)),
        ("hospital.azurecr.io", "azure", "non-eu", None, ()),
        ("rg.fr-par.scw.cloud", "scaleway", "eu", "fr-par", ("FR",)),
        ("rg.nl-ams.scw.cloud", "scaleway", "eu", "nl-ams", ("NL",)),
        ("7wpjr0wh.c1.gra9.container-registry.ovh.net", "ovh", "eu", "GRA9", ("FR",)),
        ("i018oau9.c1.de1.container-registry.ovh.net", "ovh", "eu", "DE1", ("DE",)),
        ("643vlk6z.gra7.container-registry.ovh.net", "ovh", "eu", "GRA7", ("FR",)),
        ("abc.bhs5.container-registry.ovh.net", "ovh", "eu", "BHS5", ("CA",)),
    ],
)
def test_registry_catalogue(host: str, operator: str, jurisdiction: str, region: str | None,
                            countries: tuple[str, ...]) -> None:
    info = lookup_registry(host)
    assert (info.operator, info.jurisdiction, info.region, info.countries) == (
        operator, jurisdiction, region, countries)


def test_self_hosted_registry_is_unknown_not_foreign() -> None:
    info = lookup_registry("harbor.example-hospital.eu:443")
    assert not info.known
    assert (info.host, info.operator, info.jurisdiction, info.countries) == (
        "harbor.example-hospital.eu", "unknown", "unknown", ())


def test_trusted_registries_are_host_globs() -> None:
    assert registry_trusted("harbor.example.eu", ["harbor.example.eu"])
    assert registry_trusted("x.c1.gra9.container-registry.ovh.net",
                            ["*.container-registry.ovh.net"])
    assert registry_trusted("localhost:5000", ["localhost"])
    assert not registry_trusted("ghcr.io", ["harbor.example.eu", "*.ovh.net"])


# --- telemetry endpoints ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "vendor", "region", "countries"),
    [
        ("datadoghq.com", "datadog", "US1", ("US",)),
        ("us3.datadoghq.com", "datadog", "US3", ("US",)),
        ("us5.datadoghq.com", "datadog", "US5", ("US",)),
        ("ap1.datadoghq.com", "datadog", "AP1", ("JP",)),
        ("ddog-gov.com", "datadog", "US1-FED", ("US",)),
        ("datadoghq.eu", "datadog", "EU1", ("DE",)),
        ("https://http-intake.logs.datadoghq.eu", "datadog", "EU1", ("DE",)),
        ("intake.logs.datadoghq.com:443", "datadog", "US1", ("US",)),
        ("https://otlp.nr-data.net:4317", "new-relic", "US", ("US",)),
        ("collector.newrelic.com", "new-relic", "US", ("US",)),
        ("https://otlp.eu01.nr-data.net:4317", "new-relic", "EU", ("DE",)),
        ("https://k@o1.ingest.sentry.io/2", "sentry", "US", ("US",)),
        ("https://k@o1.ingest.de.sentry.io/2", "sentry", "EU", ("DE",)),
        ("https://otlp-gateway-prod-eu-west-2.grafana.net/otlp", "grafana-labs", "eu-west-2",
         ("EU",)),
        ("https://prometheus-prod-13-prod-us-east-0.grafana.net", "grafana-labs", "us-east-0",
         ("US",)),
        ("https://ingest.us1.signalfx.com", "splunk", "us1", ("US",)),
        ("https://ingest.eu0.signalfx.com", "splunk", "eu0", ("EU",)),
        ("https://abc.apm.europe-west1.gcp.cloud.es.io:443", "elastic", "europe-west1", ("BE",)),
        ("https://abc.apm.us-east-1.aws.cloud.es.io", "elastic", "us-east-1", ("US",)),
        ("api.honeycomb.io:443", "honeycomb", "US", ("US",)),
        ("https://api.eu1.honeycomb.io", "honeycomb", "EU", ("EU",)),
    ],
)
def test_endpoint_classification(value: str, vendor: str, region: str,
                                 countries: tuple[str, ...]) -> None:
    endpoint = classify_endpoint(value)
    assert endpoint is not None
    assert (endpoint.vendor, endpoint.region, endpoint.countries) == (vendor, region, countries)
    assert endpoint.jurisdiction == "non-eu"  # every vendor listed is a US company
    assert not endpoint.in_cluster


@pytest.mark.parametrize("value", [
    "http://otel-collector.observability.svc.cluster.local:4317",
    "http://otel-collector.observability.svc:4317",
    "otel-collector:4317",
    "http://10.0.12.4:4318",
    "http://localhost:4318",
])
def test_cluster_local_endpoints_are_in_cluster(value: str) -> None:
    endpoint = classify_endpoint(value)
    assert endpoint is not None
    assert endpoint.in_cluster
    assert endpoint.countries == ()


def test_unknown_and_runtime_endpoints() -> None:
    unknown = classify_endpoint("https://otel.example-hospital.eu:4317")
    assert unknown is not None and not unknown.known and unknown.countries == ()
    assert classify_endpoint("http://$(HOST_IP):4317") is None
    assert classify_endpoint("{{ .Values.endpoint }}") is None


# --- Kubernetes workloads --------------------------------------------------------------------


def deployment(pod_spec: dict[str, Any], namespace: str = "care") -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api", "namespace": namespace},
            "spec": {"template": {"spec": pod_spec}}}


def test_every_container_kind_has_its_image_and_path() -> None:
    images, _ = kubernetes_workload(deployment({
        "initContainers": [{"name": "migrate", "image": "ghcr.io/acme/migrate:1"}],
        "containers": [{"name": "web", "image": "nginx:1.27"}],
        "ephemeralContainers": [{"name": "debug", "image": "busybox"}],
    }))
    assert [(i.container, i.path, i.registry, i.operator) for i in images] == [
        ("migrate", "spec.template.spec.initContainers[0].image", "ghcr.io", "github"),
        ("web", "spec.template.spec.containers[0].image", "docker.io", "docker"),
        ("debug", "spec.template.spec.ephemeralContainers[0].image", "docker.io", "docker"),
    ]


def test_cronjob_pod_spec_path() -> None:
    cronjob = {"kind": "CronJob", "metadata": {"name": "n"},
               "spec": {"jobTemplate": {"spec": {"template": {"spec": {
                   "containers": [{"name": "c", "image": "quay.io/a/b:1"}]}}}}}}
    images, _ = kubernetes_workload(cronjob)
    assert [i.path for i in images] == [
        "spec.jobTemplate.spec.template.spec.containers[0].image"]


def test_images_are_in_the_policy_input() -> None:
    resource = normalise_object(deployment({"containers": [
        {"name": "web", "image": "harbor.example-hospital.eu/web:1"}]}), "a.yaml", 1, 9)
    [image] = resource.to_input()["images"]
    assert image == {
        "image": "harbor.example-hospital.eu/web:1", "registry": "harbor.example-hospital.eu",
        "operator": "unknown", "operator_name": "unknown", "jurisdiction": "unknown",
        "hq_country": "", "region": None, "country": None, "countries": [],
        "container": "web", "path": "spec.template.spec.containers[0].image",
    }


def test_literal_environment_names_the_destination() -> None:
    _, telemetry = kubernetes_workload(deployment({"containers": [{
        "name": "api", "image": "app:1",
        "env": [{"name": "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                 "value": "https://otlp.nr-data.net:4317"},
                {"name": "SENTRY_DSN", "value": "https://secret@o1.ingest.sentry.io/2"}],
    }]}))
    assert [(t.kind, t.endpoint, t.vendor, t.countries, t.source, t.container)
            for t in telemetry] == [
        ("traces", "https://otlp.nr-data.net:4317", "New Relic", ("US",),
         "env OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "api"),
        ("errors", "https://o1.ingest.sentry.io/2", "Sentry", ("US",), "env SENTRY_DSN", "api"),
    ]


def test_datadog_api_key_without_site_means_the_default_us_site() -> None:
    secret = {"name": "DD_API_KEY", "valueFrom": {"secretKeyRef": {"name": "dd", "key": "k"}}}
    _, telemetry = kubernetes_workload(deployment({"containers": [
        {"name": "agent", "image": "a:1", "env": [secret]}]}))
    assert [(t.endpoint, t.countries) for t in telemetry] == [("datadoghq.com", ("US",))]
    _, with_site = kubernetes_workload(deployment({"containers": [
        {"name": "agent", "image": "a:1",
         "env": [secret, {"name": "DD_SITE", "value": "datadoghq.eu"}]}]}))
    assert [(t.endpoint, t.countries) for t in with_site] == [("datadoghq.eu", ("DE",))]


def test_new_relic_license_key_prefix_gives_the_region() -> None:
    _, telemetry = kubernetes_workload(deployment({"containers": [
        {"name": "api", "image": "a:1",
         "env": [{"name": "NEW_RELIC_LICENSE_KEY", "value": "eu01xx0123456789abcdefNRAL"}]}]}))
    assert [(t.endpoint, t.countries) for t in telemetry] == [
        ("collector.eu01.nr-data.net", ("DE",))]


def _resources(*objects: dict[str, Any]) -> list[Resource]:
    return [normalise_object(obj, "m.yaml", index * 10 + 1, index * 10 + 9)
            for index, obj in enumerate(objects)]


def configmap(name: str, namespace: str, data: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace}, "data": data}


def test_configmaps_of_the_same_namespace_are_read() -> None:
    workload = deployment({"containers": [{
        "name": "agent", "image": "a:1",
        "envFrom": [{"configMapRef": {"name": "dd"}, "prefix": ""}],
        "env": [{"name": "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
                 "valueFrom": {"configMapKeyRef": {"name": "otel", "key": "logs"}}}],
    }]})
    resources = attach_configmaps(_resources(
        configmap("dd", "care", {"DD_SITE": "us5.datadoghq.com"}),
        configmap("otel", "care", {"logs": "https://otlp.nr-data.net"}),
        workload,
    ))
    assert [(t.kind, t.endpoint, t.source) for t in resources[2].telemetry] == [
        ("apm", "us5.datadoghq.com", "ConfigMap dd key DD_SITE (envFrom)"),
        ("logs", "https://otlp.nr-data.net",
         "env OTEL_EXPORTER_OTLP_LOGS_ENDPOINT from ConfigMap otel key logs"),
    ]


def test_configmap_of_another_namespace_is_not_read() -> None:
    workload = deployment({"containers": [{
        "name": "agent", "image": "a:1", "envFrom": [{"configMapRef": {"name": "dd"}}]}]})
    resources = attach_configmaps(_resources(
        configmap("dd", "other", {"DD_SITE": "datadoghq.com"}), workload))
    assert resources[1].telemetry == ()


# --- Terraform container resources -----------------------------------------------------------


def test_ecs_container_definitions_json() -> None:
    definitions = json.dumps([
        {"name": "web", "image": "123456789012.dkr.ecr.eu-west-3.amazonaws.com/web:2",
         "environment": [{"name": "DD_SITE", "value": "datadoghq.com"}]},
        {"name": "proxy", "image": "public.ecr.aws/nginx/nginx:1.27"},
    ])
    images, telemetry = terraform_workload("aws_ecs_task_definition",
                                           {"container_definitions": definitions})
    assert [(i.path, i.operator, i.region) for i in images] == [
        ("container_definitions[0].image", "aws", "eu-west-3"),
        ("container_definitions[1].image", "aws", "global"),
    ]
    assert [(t.endpoint, t.source, t.container) for t in telemetry] == [
        ("datadoghq.com", "environment DD_SITE", "web")]


def test_unresolved_container_definitions_give_no_image() -> None:
    assert terraform_workload("aws_ecs_task_definition", {"container_definitions": None}) == (
        (), ())


def test_cloud_run_container_apps_and_kubernetes_provider() -> None:
    run_v2 = {"template": [{"containers": [{"image": "europe-west9-docker.pkg.dev/p/r/api:1",
                                            "env": [{"name": "SENTRY_DSN",
                                                     "value": "https://k@o1.ingest.sentry.io/1"}]}]}]}
    images, telemetry = terraform_workload("google_cloud_run_v2_service", run_v2)
    assert [(i.path, i.region) for i in images] == [("template[0].containers[0].image",
                                                     "europe-west9")]
    assert [t.countries for t in telemetry] == [("US",)]
    run_v1 = {"template": [{"spec": [{"containers": [{"image": "gcr.io/p/api:1"}]}]}]}
    images, _ = terraform_workload("google_cloud_run_service", run_v1)
    assert [i.path for i in images] == ["template[0].spec[0].containers[0].image"]
    app = {"template": [{"container": [{"name": "api", "image": "hospital.azurecr.io/api:1"}]}]}
    images, _ = terraform_workload("azurerm_container_app", app)
    assert [(i.path, i.operator) for i in images] == [("template[0].container[0].image", "azure")]
    pod = {"spec": [{"template": [{"spec": [{"container": [{"name": "c", "image": "nginx"}],
                                             "init_container": [{"name": "i",
                                                                 "image": "quay.io/a/b"}]}]}]}]}
    images, _ = terraform_workload("kubernetes_deployment_v1", pod)
    assert [i.path for i in images] == [
        "spec[0].template[0].spec[0].container[0].image",
        "spec[0].template[0].spec[0].init_container[0].image",
    ]


def test_vm_images_are_not_container_images() -> None:
    assert terraform_workload("aws_instance", {"ami": "ami-0123456789abcdef0"}) == ((), ())
    assert terraform_workload("openstack_compute_instance_v2",
                              {"image_name": "Ubuntu 24.04"}) == ((), ())


def test_firehose_http_endpoint_is_telemetry() -> None:
    attributes = {"http_endpoint_configuration": [
        {"url": "https://aws-kinesis-http-intake.logs.datadoghq.com/v1/input"}]}
    _, telemetry = terraform_workload("aws_kinesis_firehose_delivery_stream", attributes)
    assert [(t.kind, t.vendor, t.countries, t.source) for t in telemetry] == [
        ("logs", "Datadog", ("US",), "attribute http_endpoint_configuration.url")]


def test_provider_configurations_are_records() -> None:
    records = provider_telemetry_records([
        ProviderSite("datadog", None, {"api_url": "https://api.datadoghq.eu/"}, "main.tf", 3),
        ProviderSite("newrelic", None, {}, "main.tf", 8),
        ProviderSite("sentry", None, {}, "", 0, implicit=True, used_at=("alerts.tf", 12)),
        ProviderSite("aws", None, {"region": "eu-west-3"}, "main.tf", 1),
    ])
    assert [(r.address, r.source.file, r.source.line, r.data_bearing) for r in records] == [
        ("provider.datadog", "main.tf", 3, False),
        ("provider.newrelic", "main.tf", 8, False),
        ("provider.sentry", "alerts.tf", 12, False),
    ]
    assert [(r.telemetry[0].endpoint, r.telemetry[0].countries) for r in records] == [
        ("https://api.datadoghq.eu/", ("DE",)), ("US", ("US",)),
        ("https://sentry.io/api/", ("US",))]
    assert "region not set: default US" in records[1].telemetry[0].source
