"""The contract year keeps its tariff (docs/rules.md "The contract year keeps its tariff").

One walk of a Basic contract (1 January 2026 - 31 December 2027) across a tariff version in
force from 1 July 2026 that raises the remote rate and the included remote hours: work in
August 2026 is still priced and granted by the version the contract year started with, the
desk and the portal show the same hours left as the ledger holds, and the new version
applies from the second contract year on.
"""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from supportdesk.common.choices import Channel, Tier
from supportdesk.common.tests.helpers import at
from supportdesk.contracts.services import tariff_version_create
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.desk.selectors import customer_standing
from supportdesk.domain.tariff import DEFAULT_TARIFF_PATH
from supportdesk.entitlements.models import AllowanceBalance
from supportdesk.portal.selectors import portal_usage
from supportdesk.worklog.services.entries import work_entry_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def july_tariff(config):
    """From 1 July 2026: remote beyond the included hours at 60 €/h, Basic includes 6 h."""
    source = DEFAULT_TARIFF_PATH.read_text(encoding="utf-8")
    source = source.replace('version = "jewelsoft-2026.1"', 'version = "jewelsoft-2026.7"')
    source = source.replace('effective_from = "2026-01-01"', 'effective_from = "2026-07-01"', 1)
    basic_remote = 'remote = { included_minutes_per_year = 240, rate_per_hour = "50.00" }'
    assert basic_remote in source
    source = source.replace(
        basic_remote, 'remote = { included_minutes_per_year = 360, rate_per_hour = "60.00" }')
    return tariff_version_create(version="jewelsoft-2026.7", effective_from=dt.date(2026, 7, 1),
                                 source_toml=source)


def _remote(ticket, technician, day, hours):
    start = at(day.year, day.month, day.day, 10)
    return work_entry_create(ticket=ticket, technician=technician, channel=Channel.REMOTE,
                             started_at=start, ended_at=start + dt.timedelta(hours=hours),
                             by=technician)


def _left(org, customer_user, day):
    with time_machine.travel(dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC), tick=False):
        desk = customer_standing(customer=org, today=day)
        portal = portal_usage(user=customer_user, today=day)
    desk_left = [(a.left_minutes, a.granted_minutes) for a in desk.allowance]
    portal_left = [(r.left_hours, r.granted_hours) for r in portal.allowances]
    return desk_left, portal_left


def test_a_mid_year_tariff_change_waits_for_the_next_contract_year(
        july_tariff, org_a, customer_a, ticket_a, technician):
    ContractFactory(customer=org_a, tier=Tier.BASIC, starts_on=dt.date(2026, 1, 1),
                    ends_on=dt.date(2027, 12, 31))

    # the first remote work of the year happens in August, after the new version is in force
    august = _remote(ticket_a, technician, dt.date(2026, 8, 4), hours=5)
    # it is priced and granted by the version in force on 1 January 2026
    assert august.tariff_version.version == "jewelsoft-2026.1"
    assert august.allowance_drawn_minutes == 240
    assert august.net_amount == Decimal("50.00")  # the 5th hour at the old 50 €/h
    year1 = AllowanceBalance.objects.get(contract_year=1, channel=Channel.REMOTE)
    assert (year1.granted_minutes, year1.balance_minutes) == (240, 0)
    # the desk and the portal show what the ledger holds, not the new version's 6 h
    assert _left(org_a, customer_a, dt.date(2026, 9, 1)) == (
        [(0, 240)], [(Decimal("0.00"), Decimal("4.00"))])

    # in the second contract year the new version applies: 6 h included, then 60 €/h
    assert _left(org_a, customer_a, dt.date(2027, 1, 4)) == (
        [(360, 360)], [(Decimal("6.00"), Decimal("6.00"))])
    with time_machine.travel(dt.datetime(2027, 1, 5, 20, tzinfo=dt.UTC), tick=False):
        january = _remote(ticket_a, technician, dt.date(2027, 1, 5), hours=7)
    assert january.tariff_version.version == "jewelsoft-2026.7"
    assert january.allowance_drawn_minutes == 360
    assert january.net_amount == Decimal("60.00")
    year2 = AllowanceBalance.objects.get(contract_year=2, channel=Channel.REMOTE)
    assert (year2.granted_minutes, year2.balance_minutes) == (360, 0)


def test_without_a_contract_the_version_of_the_day_prices_the_work(
        july_tariff, org_a, ticket_a, technician):
    # no contract: the Free tier at the standard rate of the day (unchanged in July)
    entry = _remote(ticket_a, technician, dt.date(2026, 8, 4), hours=1)
    assert entry.tariff_version.version == "jewelsoft-2026.7"
