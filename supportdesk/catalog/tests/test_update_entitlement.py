"""§4 "Updated versions": who may see and download which release of the catalog.

docs/rules.md "Updated versions": Basic and Business customers see and download the
releases of the products they license; Free customers and unlicensed products get nothing
(a 404, like any other object they may not see). The entitlement is decided by
``supportdesk.portal.selectors`` (``portal_contract``: the tier of the contract in force
today and whether that contract's tariff version includes updates;
``release_list_for_customer`` and ``release_get_for_customer``: of the products under an
active licence), which the portal's release list and download use.
"""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.http import Http404
from django.test import Client
from django.utils import timezone

from supportdesk.catalog.models import Release
from supportdesk.catalog.tests.factories import ProductFactory, ReleaseFactory
from supportdesk.contracts.models import Contract
from supportdesk.contracts.services import tariff_version_create
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.customers.tests.factories import LicenceFactory
from supportdesk.domain.tariff import DEFAULT_TARIFF_PATH
from supportdesk.portal.selectors import (
    portal_contract,
    release_get_for_customer,
    release_list_for_customer,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 25)  # inside the 2026 contracts below


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def release_file(product, settings, tmp_path):
    release = Release(product=product, version="26.9", released_on=dt.date(2026, 11, 1))
    release.file.save("setup-26.9.zip", ContentFile(b"PK\x03\x04 fake zip"), save=True)
    return release


def _contract(customer, tier, *, starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 12, 31),
              **kwargs):
    return ContractFactory(customer=customer, tier=tier, starts_on=starts_on, ends_on=ends_on,
                           **kwargs)


def _entitled(user, release, today=TODAY) -> bool:
    """Whether the list offers ``release`` and the download finds it, checked together."""
    listed = release in release_list_for_customer(user=user, today=today)
    try:
        release_get_for_customer(user=user, release_id=release.pk, today=today)
    except Http404:
        found = False
    else:
        found = True
    assert listed == found, "the release list and the download disagree"
    return found


# --- through the portal (moved from tests/security/test_tenancy.py) ------------------------

@pytest.mark.parametrize(("tier", "has_licence", "expected"), [
    ("basic", True, 200),       # §4: Basic and Business get updated versions
    ("business", True, 200),
    ("free", True, 404),        # Free: no updates
    ("basic", False, 404),      # entitled tier, but not a product it licenses
])
def test_release_download_follows_the_update_entitlement(
        config, release_file, product, org_a, customer_a, tier, has_licence, expected):
    today = timezone.localdate()
    if tier != "free":
        ContractFactory(customer=org_a, tier=tier, starts_on=today - dt.timedelta(days=30),
                        ends_on=today + dt.timedelta(days=300))
    if has_licence:
        LicenceFactory(customer=org_a, product=product)
    response = _client_for(customer_a).get(f"/portal/releases/{release_file.pk}/download/")
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Disposition"].startswith("attachment")
        assert b"fake zip" in b"".join(response.streaming_content)


# --- tier ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("tier", "entitled"), [
    (None, False),          # no contract: the Free tier (docs/rules.md "No contract means...")
    ("basic", True),
    ("business", True),
])
def test_tier_decides_the_update_entitlement(config, release_file, product, org_a,
                                             customer_a, tier, entitled):
    LicenceFactory(customer=org_a, product=product)
    if tier is not None:
        _contract(org_a, tier)
    state = portal_contract(user=customer_a, today=TODAY)
    assert state.tier == (tier or "free")
    assert state.has_updates is entitled
    assert _entitled(customer_a, release_file) is entitled


def test_the_tariff_version_of_the_contract_decides_not_a_tier_list(
        config, release_file, product, org_a, customer_a):
    # given a tariff version in which Basic does not include updated versions, in force
    # from the first day of org A's contract year (docs/rules.md "The contract year keeps
    # its tariff")
    source = DEFAULT_TARIFF_PATH.read_text(encoding="utf-8")
    marker = "[tiers.basic]\nupdates = true"
    assert marker in source
    no_updates = tariff_version_create(
        version="basic-without-updates", effective_from=dt.date(2026, 1, 1),
        source_toml=source.replace(marker, "[tiers.basic]\nupdates = false"))
    LicenceFactory(customer=org_a, product=product)
    # when org A's Basic contract is on that version
    _contract(org_a, "basic", tariff_version=no_updates)
    # then it is not entitled to the release
    assert portal_contract(user=customer_a, today=TODAY).has_updates is False
    assert not _entitled(customer_a, release_file)


# --- licence -------------------------------------------------------------------------------

def test_inactive_licence_gives_no_release(config, release_file, product, org_a, customer_a):
    _contract(org_a, "business")
    LicenceFactory(customer=org_a, product=product, is_active=False)
    assert not _entitled(customer_a, release_file)


def test_only_releases_of_the_licensed_products(config, product, org_a, customer_a):
    _contract(org_a, "basic")
    LicenceFactory(customer=org_a, product=product)
    other = ProductFactory(name="Jewelsoft Αποθήκη")
    own_new = ReleaseFactory(product=product, version="27.1", released_on=dt.date(2026, 10, 1))
    own_old = ReleaseFactory(product=product, version="26.1", released_on=dt.date(2026, 1, 1))
    ReleaseFactory(product=other, version="5.0", released_on=dt.date(2026, 11, 1))
    # newest first, the other product's release left out
    assert release_list_for_customer(user=customer_a, today=TODAY) == [own_new, own_old]


def test_another_customers_licence_entitles_nobody_else(config, release_file, product, org_a,
                                                        org_b, customer_a):
    # given org A has a Business contract but it is org B that licenses the product
    _contract(org_a, "business")
    LicenceFactory(customer=org_b, product=product)
    # then org A gets nothing of it
    assert not _entitled(customer_a, release_file)


def test_release_without_a_file_is_listed_but_not_downloadable(config, product, org_a,
                                                               customer_a):
    _contract(org_a, "basic")
    LicenceFactory(customer=org_a, product=product)
    notes_only = ReleaseFactory(product=product, version="26.10",
                                released_on=dt.date(2026, 11, 2))
    assert release_list_for_customer(user=customer_a, today=TODAY) == [notes_only]
    with pytest.raises(Http404):
        release_get_for_customer(user=customer_a, release_id=notes_only.pk, today=TODAY)


# --- release date vs the contract in force -------------------------------------------------

def test_entitlement_is_the_contract_in_force_today_not_the_release_date(
        config, product, org_a, customer_a):
    # given a Basic contract that started this year and a release from before it started
    _contract(org_a, "basic")
    LicenceFactory(customer=org_a, product=product)
    old = ReleaseFactory(product=product, version="25.4", released_on=dt.date(2025, 4, 1))
    old.file.save("setup-25.4.zip", ContentFile(b"PK\x03\x04 old"), save=True)
    # then the customer, entitled today, may take it too
    assert _entitled(customer_a, old)


def test_contract_that_ended_entitles_to_nothing_released_during_it(config, product, org_a,
                                                                    customer_a):
    # given a Basic contract for 2025 only, and a release published while it was in force
    _contract(org_a, "basic", starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 12, 31))
    LicenceFactory(customer=org_a, product=product)
    during = ReleaseFactory(product=product, version="25.6", released_on=dt.date(2025, 6, 1))
    during.file.save("setup-25.6.zip", ContentFile(b"PK\x03\x04 mid"), save=True)
    # then on its last day the release is there, and the next day (Free tier) it is not
    assert _entitled(customer_a, during, today=dt.date(2025, 12, 31))
    assert portal_contract(user=customer_a, today=dt.date(2026, 1, 1)).tier == "free"
    assert not _entitled(customer_a, during, today=dt.date(2026, 1, 1))


def test_contract_not_yet_started_entitles_to_nothing(config, release_file, product, org_a,
                                                      customer_a):
    _contract(org_a, "business", starts_on=TODAY + dt.timedelta(days=1),
              ends_on=TODAY + dt.timedelta(days=366))
    LicenceFactory(customer=org_a, product=product)
    assert not _entitled(customer_a, release_file)
    assert _entitled(customer_a, release_file, today=TODAY + dt.timedelta(days=1))


def test_cancelled_contract_entitles_to_nothing(config, release_file, product, org_a,
                                                customer_a):
    _contract(org_a, "business", status=Contract.Status.CANCELLED)
    LicenceFactory(customer=org_a, product=product)
    assert portal_contract(user=customer_a, today=TODAY).has_updates is False
    assert not _entitled(customer_a, release_file)


# --- the portal's release page -------------------------------------------------------------

def test_release_page_lists_the_entitled_releases_with_a_download_link(
        config, release_file, product, org_a, customer_a):
    today = timezone.localdate()
    _contract(org_a, "basic", starts_on=today - dt.timedelta(days=30),
              ends_on=today + dt.timedelta(days=300))
    LicenceFactory(customer=org_a, product=product)
    html = _client_for(customer_a).get("/portal/releases/").content.decode()
    assert "26.9" in html
    assert f'href="/portal/releases/{release_file.pk}/download/"' in html


def test_release_page_tells_a_free_customer_what_includes_updates(config, release_file,
                                                                  product, org_a, customer_a):
    LicenceFactory(customer=org_a, product=product)
    response = _client_for(customer_a).get("/portal/releases/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "§4" in html
    assert "26.9" not in html
    assert "/download/" not in html
