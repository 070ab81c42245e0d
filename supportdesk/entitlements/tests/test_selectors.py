"""How many hours are left (§4): the one answer the desk and the portal both show."""

import datetime as dt

import pytest

from supportdesk.billing.services import prepaid_purchase_create
from supportdesk.common.choices import Channel, Tier
from supportdesk.common.tests.helpers import at
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.entitlements.selectors import hours_left
from supportdesk.worklog.services.entries import work_entry_create

pytestmark = pytest.mark.django_db

NOV_30 = dt.date(2026, 11, 30)


def _left(org, contract, today=NOV_30):
    result = hours_left(customer_id=org.pk, contract=contract, today=today)
    return {row.channel: (row.left_minutes, row.granted_minutes) for row in result.allowances}


def test_a_contract_year_with_no_work_yet_has_all_its_included_hours(basic_contract, org_a):
    # no balance row exists until the first draw grants the year: all 4 h are still left
    assert _left(org_a, basic_contract) == {Channel.REMOTE: (240, 240)}


def test_work_draws_from_the_current_contract_year(basic_contract, org_a, ticket_a,
                                                   technician):
    work_entry_create(ticket=ticket_a, technician=technician, channel=Channel.REMOTE,
                      started_at=at(2026, 11, 24, 11), ended_at=at(2026, 11, 24, 12, 30),
                      by=technician)
    assert _left(org_a, basic_contract) == {Channel.REMOTE: (150, 240)}


def test_last_years_draws_do_not_count_this_year(config, org_a, ticket_a, technician):
    contract = ContractFactory(customer=org_a, tier=Tier.BASIC, starts_on=dt.date(2025, 1, 1),
                               ends_on=dt.date(2026, 12, 31))
    work_entry_create(ticket=ticket_a, technician=technician, channel=Channel.REMOTE,
                      started_at=at(2025, 11, 24, 11), ended_at=at(2025, 11, 24, 13),
                      by=technician)
    assert _left(org_a, contract, today=dt.date(2025, 12, 1)) == {Channel.REMOTE: (120, 240)}
    # the second contract year starts on 1 January 2026 with its own 4 h
    assert _left(org_a, contract) == {Channel.REMOTE: (240, 240)}


def test_without_a_contract_nothing_is_included_and_the_bank_is_used(config, org_a, manager):
    prepaid_purchase_create(customer=org_a, hours=3, on=dt.date(2026, 11, 20), by=manager)
    result = hours_left(customer_id=org_a.pk, contract=None, today=NOV_30)
    assert result.allowances == ()
    assert result.uses_bank is True
    assert result.bank_minutes == 180


def test_a_contract_tier_does_not_use_the_bank(basic_contract, org_a):
    result = hours_left(customer_id=org_a.pk, contract=basic_contract, today=NOV_30)
    assert result.uses_bank is False
    assert result.bank_minutes == 0
