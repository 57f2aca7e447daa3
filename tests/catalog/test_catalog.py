"""The region / provider / resource-type catalogue and its lookups."""

from __future__ import annotations

import pytest

from sovlint import catalog
from sovlint.catalog import (
    country_name,
    entity_for,
    expand_countries,
    get_provider,
    is_control_plane,
    is_global_type,
    location_attributes,
    lookup_region,
    paired_region,
    provider_config_region_attributes,
    provider_ids,
    regions_for_id,
    regions_of,
    terraform_provider_of_type,
)
from sovlint.model import Provider, Region

EU27 = {
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
}


def _region(entity: str, written: str) -> Region:
    region = lookup_region(entity, written)
    assert region is not None, f"{entity} {written}"
    return region


# --- same id, different places --------------------------------------------------------------


def test_eu_west_2_is_london_on_aws_and_paris_on_outscale() -> None:
    aws = _region("aws", "eu-west-2")
    outscale = _region("outscale", "eu-west-2")
    assert (aws.country, aws.eu, aws.eea, aws.adequacy) == ("GB", False, False, True)
    assert (outscale.country, outscale.eu, outscale.eea) == ("FR", True, True)
    assert entity_for("outscale", "eu-west-2") == "outscale"
    countries = {region.country for _, region in regions_for_id("eu-west-2")}
    assert {"GB", "FR"} <= countries


def test_aws_european_sovereign_cloud_is_its_own_foreign_entity() -> None:
    assert entity_for("aws", "eusc-de-east-1") == "aws-eusc"
    region = _region("aws-eusc", "eusc-de-east-1")
    assert (region.country, region.eu) == ("DE", True)
    provider = get_provider("aws-eusc")
    assert provider is not None
    assert provider.jurisdiction == "non-eu"
    assert provider.hq_country == "DE"
    assert lookup_region("aws", "eusc-de-east-1") is None


def test_zurich_is_switzerland_adequate_not_eu() -> None:
    region = _region("aws", "eu-central-2")
    assert region.country == "CH"
    assert (region.eu, region.eea, region.adequacy) == (False, False, True)


def test_aws_partitions() -> None:
    assert entity_for("aws", "cn-north-1") == "aws-cn"
    assert entity_for("aws", "us-gov-west-1") == "aws-us-gov"
    assert entity_for("aws", "eu-west-3") == "aws"
    assert entity_for("aws", None) == "aws"
    assert entity_for("aws", "") == "aws"
    assert _region("aws-cn", "cn-north-1").country == "CN"
    cn = get_provider("aws-cn")
    assert cn is not None and cn.jurisdiction == "non-eu"


def test_entity_for_provider_names() -> None:
    assert entity_for("azurerm", "France Central") == "azure"
    assert entity_for("azurerm", None) == "azure"
    assert entity_for("azurerm", "chinanorth") == "azure-china"
    assert entity_for("azurerm", "usgovvirginia") == "azure-government"
    assert entity_for("azapi", "westeurope") == "azure"
    assert entity_for("google-beta", None) == "google"
    assert entity_for("google", "u-france-east1") == "s3ns"
    assert entity_for("google", "europe-west9") == "google"
    assert entity_for("helm", None) is None
    assert entity_for("no-such-provider", "eu-west-3") is None


# --- Google multi- and dual-regions ---------------------------------------------------------


def test_gcs_dual_regions_list_their_members() -> None:
    eur4 = _region("google", "EUR4")
    assert set(eur4.countries) == {"FI", "NL"} and eur4.eu
    eur5 = _region("google", "eur5")
    assert set(eur5.countries) == {"BE", "GB"}
    assert (eur5.eu, eur5.eea, eur5.adequacy) == (False, False, True)
    eur8 = _region("google", "EUR8")
    assert set(eur8.countries) == {"DE", "CH"} and not eur8.eu
    assert set(_region("google", "NAM4").countries) == {"US"}


def test_gcs_multi_regions_and_global() -> None:
    eu = _region("google", "eu")
    assert (eu.id, eu.country, eu.countries, eu.eu) == ("EU", "EU", ("EU",), True)
    assert _region("google", "US").countries == ("US",)
    assert _region("google", "global").id == "global"
    assert not _region("google", "ASIA").eu


def test_google_zones_and_spanner_regional_configs() -> None:
    assert _region("google", "europe-west1-b").id == "europe-west1"
    assert _region("google", "regional-europe-west9").country == "FR"
    assert location_attributes("google", "google_spanner_instance")[0] == "config"


# --- OVHcloud ---------------------------------------------------------------------------------


def test_ovh_numbered_regions_and_case() -> None:
    gra7 = _region("ovh", "GRA7")
    assert (gra7.id, gra7.country) == ("GRA7", "FR")
    assert _region("ovh", "gra7").id == "GRA7"
    gra13 = _region("ovh", "GRA13")  # not listed itself: its family
    assert (gra13.id, gra13.country) == ("GRA", "FR")
    assert _region("ovh", "SBG5").country == "FR"
    assert _region("ovh", "BHS5").country == "CA"
    assert _region("ovh", "DE1").country == "DE"
    assert _region("ovh", "UK1").country == "GB"
    assert _region("ovh", "WAW1").country == "PL"
    assert lookup_region("ovh", "NOWHERE1") is None


def test_ovh_us_is_a_separate_foreign_entity() -> None:
    assert entity_for("ovh", "US-EAST-VA-1") == "ovh-us"
    assert entity_for("ovh", "us-west-or-1") == "ovh-us"
    assert entity_for("ovh", "GRA7") == "ovh"
    assert entity_for("ovh", None) == "ovh"
    region = _region("ovh-us", "US-EAST-VA-1")
    assert (region.country, region.eu) == ("US", False)
    provider = get_provider("ovh-us")
    assert provider is not None and provider.jurisdiction == "non-eu"
    ovh = get_provider("ovh")
    assert ovh is not None and ovh.jurisdiction == "eu"


# --- Azure --------------------------------------------------------------------------------------


def test_azure_display_names() -> None:
    for written in ("France Central", "francecentral", "FranceCentral", " france central "):
        region = _region("azure", written)
        assert (region.id, region.country) == ("francecentral", "FR")
    west = _region("azure", "West Europe")
    assert (west.id, west.country) == ("westeurope", "NL")
    assert _region("azure", "Norway East").eea and not _region("azure", "norwayeast").eu


def test_azure_pairs() -> None:
    pair = paired_region("azure", "francecentral")
    assert pair is not None and pair.id == "francesouth"
    back = paired_region("azure", "France South")
    assert back is not None and back.id == "francecentral"
    west = paired_region("azure", "westeurope")
    assert west is not None and west.id == "northeurope"
    north = paired_region("azure", "northeurope")
    assert north is not None and north.id == "westeurope"
    brazil = paired_region("azure", "brazilsouth")
    assert brazil is not None and brazil.country == "US"
    assert paired_region("azure", "polandcentral") is None
    assert paired_region("azure", "nowhere") is None


# --- zones and other providers ------------------------------------------------------------------


def test_zones_reduce_to_regions() -> None:
    assert _region("aws", "eu-west-3a").id == "eu-west-3"
    assert _region("scaleway", "fr-par-1").id == "fr-par"
    assert _region("scaleway", "par1").id == "fr-par"
    assert _region("outscale", "eu-west-2a").id == "eu-west-2"
    assert _region("hcloud", "fsn1-dc14").id == "fsn1"
    assert _region("opentelekomcloud", "eu-de-01").id == "eu-de"
    assert _region("stackit", "eu01-m").id == "eu01"
    assert lookup_region("aws", "eu-west-3-bos-1a") is None  # local zones are not guessed
    assert lookup_region("aws", "mars-north-1") is None
    assert lookup_region("no-such-entity", "eu-west-3") is None
    assert lookup_region("aws", "") is None


def test_other_providers() -> None:
    assert _region("outscale", "cloudgouv-eu-west-1").country == "FR"
    assert entity_for("outscale", "us-east-2") == "outscale-us"
    assert _region("ionoscloud", "de/fra").country == "DE"
    assert _region("ionoscloud", "us/las").country == "US"
    assert _region("hcloud", "hel1").country == "FI"
    assert set(_region("hcloud", "eu-central").countries) == {"DE", "FI"}
    assert _region("opentelekomcloud", "eu-ch2").country == "CH"
    assert _region("exoscale", "ch-gva-2").adequacy
    assert _region("exoscale", "at-vie-1").eu
    assert _region("upcloud", "fi-hel1").country == "FI"
    assert _region("upcloud", "us-nyc1").country == "US"


def test_regions_of_lists_regions_only() -> None:
    ids = {region.id for region in regions_of("scaleway")}
    assert {"fr-par", "nl-ams", "pl-waw"} <= ids
    assert "fr-par-1" not in ids
    assert all(region.eu for region in regions_of("scaleway"))
    google = {region.id for region in regions_of("google")}
    assert "global" not in google and "EUR5" not in google
    assert regions_of("no-such-entity") == []


# --- providers ----------------------------------------------------------------------------------


def test_get_provider() -> None:
    aws = get_provider("aws")
    assert isinstance(aws, Provider)
    assert (aws.id, aws.hq_country, aws.jurisdiction, aws.alias) == ("aws", "US", "non-eu", None)
    assert any("CLOUD Act" in note for note in aws.law_notes)
    assert get_provider("nope") is None
    ids = provider_ids()
    assert ids == sorted(ids)
    for expected in ("ovh", "scaleway", "outscale", "ionoscloud", "hcloud", "opentelekomcloud",
                     "stackit", "exoscale", "upcloud", "alicloud", "oci", "ibm", "digitalocean",
                     "linode", "vultr", "azure-china", "azure-government"):
        assert expected in ids


def test_swiss_operator_is_not_under_foreign_extraterritorial_law() -> None:
    exoscale = get_provider("exoscale")
    assert exoscale is not None
    assert (exoscale.hq_country, exoscale.jurisdiction) == ("CH", "eu")
    assert exoscale.law_notes


def test_every_terraform_provider_maps_to_an_entity() -> None:
    names = ["aws", "azurerm", "azapi", "google", "google-beta", "oci", "alicloud", "ibm",
             "digitalocean", "linode", "vultr", "ovh", "scaleway", "outscale", "ionoscloud",
             "hcloud", "opentelekomcloud", "stackit", "exoscale", "upcloud"]
    for name in names:
        entity = entity_for(name, None)
        assert entity is not None, name
        assert get_provider(entity) is not None
        assert name in catalog.terraform_providers()
    for name in catalog.terraform_providers():
        assert entity_for(name, None) is not None, f"{name} has no default entity"


def test_every_entity_has_sources_and_a_known_jurisdiction() -> None:
    for entity_id in provider_ids():
        record = catalog.provider_record(entity_id)
        assert record is not None
        assert record.get("sources"), entity_id
        assert record["jurisdiction"] in ("eu", "non-eu"), entity_id
        assert record.get("hq_country"), entity_id
    for entity_id in catalog._regions():
        assert entity_id in provider_ids(), entity_id
    raw = catalog.load_data("regions.yaml")
    for entity_id, body in raw.items():
        assert body.get("sources"), entity_id
        assert body.get("regions"), entity_id


def test_catalogue_flags_are_consistent_with_country_groups() -> None:
    eu = expand_countries(["EU"])
    eea = expand_countries(["EEA"])
    adequacy = expand_countries(["ADEQUACY"])
    names = catalog._country_names()

    def in_eu(code: str) -> bool:
        return code == "EU" or code in eu

    def in_eea(code: str) -> bool:
        return code == "EU" or code in eea

    checked = 0
    for entity_id, body in catalog.load_data("regions.yaml").items():
        for region_id, fields in body["regions"].items():
            where = f"{entity_id} {region_id}"
            countries = fields["countries"]
            assert countries, where
            for code in countries:
                assert code in names, where
            if len(countries) == 1:
                assert fields["country"] == countries[0], where
            else:
                assert fields["country"] in ("EU", "ZZ"), where
            assert fields["eu"] == all(in_eu(c) for c in countries), where
            assert fields["eea"] == all(in_eea(c) for c in countries), where
            expected_adequacy = not fields["eea"] and all(
                in_eea(c) or c in adequacy for c in countries
            )
            assert fields["adequacy"] == expected_adequacy, where
            if fields["eu"]:
                assert fields["eea"], where
            parent = fields.get("parent")
            if parent is not None:
                assert parent in body["regions"], where
                assert body["regions"][parent]["countries"] == countries, where
            pair = fields.get("paired_region")
            if pair is not None:
                assert pair in body["regions"], where
            assert lookup_region(entity_id, str(region_id)) is not None, where
            checked += 1
    assert checked > 500


def test_region_match_has_one_default_per_terraform_provider() -> None:
    for name, entities in catalog._entities_by_terraform_provider().items():
        defaults = [e for e in entities if not catalog.provider_record(e).get("region_match")]  # type: ignore[union-attr]
        assert len(defaults) == 1, (name, defaults)


# --- countries ----------------------------------------------------------------------------------


def test_expand_countries_groups() -> None:
    assert expand_countries(["EU"]) == frozenset(EU27)
    assert expand_countries(["eea"]) == frozenset(EU27 | {"IS", "LI", "NO"})
    adequacy = expand_countries(["ADEQUACY"])
    assert {"CH", "GB", "JP", "KR", "CA", "BR", "NZ", "IL", "UY", "AR", "AD"} <= adequacy
    assert "US" not in adequacy
    assert not adequacy & EU27
    assert expand_countries(["fr", "DE"]) == frozenset({"FR", "DE"})
    assert expand_countries(["EU", "CH"]) == frozenset(EU27 | {"CH"})
    assert expand_countries([]) == frozenset()


@pytest.mark.parametrize("bad", ["XX", "EUROPE", "ZZ", "", "FRA"])
def test_expand_countries_rejects_unknown(bad: str) -> None:
    with pytest.raises(ValueError, match="unknown country or group"):
        expand_countries(["EU", bad])


def test_country_name() -> None:
    assert country_name("FR") == "France"
    assert country_name("gb") == "United Kingdom"
    assert country_name("CH") == "Switzerland"
    assert country_name("QQ") == "QQ"


# --- resource types -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource_type", "expected"),
    [
        ("aws_iam_role", True),
        ("aws_iam_policy", True),
        ("aws_iam_access_key", False),
        ("aws_security_group", True),
        ("local_file", True),
        ("archive_file", True),
        ("aws_vpc", True),
        ("aws_subnet", True),
        ("aws_route_table", True),
        ("aws_s3_bucket", False),
        ("aws_s3_object", False),
        ("aws_s3_bucket_versioning", True),
        ("aws_s3_bucket_public_access_block", True),
        ("aws_s3_bucket_replication_configuration", True),
        ("aws_kms_key", False),
        ("aws_secretsmanager_secret", False),
        ("aws_db_instance", False),
        ("aws_sqs_queue", False),
        ("aws_cloudwatch_log_group", False),
        ("aws_eks_node_group", False),
        ("azurerm_resource_group", True),
        ("azurerm_role_assignment", True),
        ("azurerm_storage_account", False),
        ("azurerm_key_vault", False),
        ("google_project", True),
        ("google_project_iam_member", True),
        ("google_storage_bucket_iam_binding", True),
        ("google_storage_bucket", False),
        ("google_kms_key_ring", False),
        ("ionoscloud_datacenter", True),
        ("ionoscloud_server", False),
        ("ovh_cloud_project_user", True),
        ("scaleway_iam_policy", True),
        ("scaleway_object_bucket", False),
        ("totally_unknown_type", False),
    ],
)
def test_is_control_plane(resource_type: str, expected: bool) -> None:
    assert is_control_plane(resource_type) is expected


def test_global_types() -> None:
    for name in ("aws_cloudfront_distribution", "aws_globalaccelerator_accelerator",
                 "azurerm_cdn_frontdoor_profile", "azurerm_frontdoor",
                 "google_compute_global_address", "google_compute_global_forwarding_rule",
                 "google_compute_backend_bucket"):
        assert is_global_type(name), name
    for name in ("aws_s3_bucket", "google_compute_forwarding_rule", "unknown_x"):
        assert not is_global_type(name), name


def test_terraform_provider_of_type() -> None:
    assert terraform_provider_of_type("aws_s3_bucket") == "aws"
    assert terraform_provider_of_type("google_storage_bucket") == "google"
    assert terraform_provider_of_type("azurerm_x") == "azurerm"
    assert terraform_provider_of_type("helm_release") == "helm"
    assert terraform_provider_of_type("opentelekomcloud_obs_bucket") == "opentelekomcloud"


def test_location_attributes() -> None:
    assert location_attributes("aws") == ("region",)
    assert location_attributes("azurerm") == ("location",)
    assert location_attributes("google") == ("location", "region", "zone")
    assert location_attributes("google-beta") == ("location", "region", "zone")
    assert location_attributes("scaleway") == ("region", "zone")
    assert location_attributes("ionoscloud")[0] == "location"
    assert location_attributes("hcloud")[:2] == ("location", "datacenter")
    assert location_attributes("unknown") == ()
    assert provider_config_region_attributes("aws") == ("region",)
    assert provider_config_region_attributes("azurerm") == ()
    assert provider_config_region_attributes("ovh") == ()
    assert provider_config_region_attributes("google") == ("region", "zone")
    assert provider_config_region_attributes("scaleway") == ("region", "zone")
