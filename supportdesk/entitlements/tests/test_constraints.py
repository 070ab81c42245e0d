"""The ledgers and prepaid purchases guard themselves (docs/security.md #27, issue 3).

Ledger rows are append-only (model guard; a trigger on PostgreSQL, installed by
``entitlements.apps``); the hour bank's CHECK is the last guard against an overdraft; a
prepaid purchase is at least one whole hour, refused by the database itself even when
``full_clean()`` is bypassed.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from supportdesk.common.choices import Channel
from supportdesk.common.models import ImmutableRowError
from supportdesk.common.tests.helpers import at, refused_by_database
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.entitlements.models import (
    AllowanceLedgerEntry,
    BankLedgerEntry,
    HourBank,
    PrepaidPurchase,
)
from supportdesk.worklog.services import entries as svc

pytestmark = pytest.mark.django_db


def test_ledger_rows_are_append_only(config, basic_contract, ticket_a, technician):
    svc.work_entry_create(ticket=ticket_a, technician=technician, channel=Channel.REMOTE,
                          started_at=at(2026, 11, 24, 11), ended_at=at(2026, 11, 24, 12),
                          by=technician)
    row = AllowanceLedgerEntry.objects.first()
    row.minutes = 999
    with pytest.raises(ImmutableRowError):
        row.save()
    with pytest.raises(ImmutableRowError):
        row.delete()
    with pytest.raises(ImmutableRowError):
        AllowanceLedgerEntry.objects.update(minutes=1)
    with pytest.raises(ImmutableRowError):
        BankLedgerEntry.objects.all().delete()
    assert AllowanceLedgerEntry.objects.get(pk=row.pk).minutes == 240


@pytest.mark.pg
def test_postgresql_trigger_refuses_raw_sql_changes(config, basic_contract, ticket_a,
                                                    technician):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")

    svc.work_entry_create(ticket=ticket_a, technician=technician, channel=Channel.REMOTE,
                          started_at=at(2026, 11, 24, 11), ended_at=at(2026, 11, 24, 12),
                          by=technician)
    for sql in ("UPDATE billing_allowanceledgerentry SET minutes = 1",
                "DELETE FROM billing_allowanceledgerentry"):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert AllowanceLedgerEntry.objects.count() == 2


def test_database_check_is_the_last_guard_against_overdraft(config, org_b):
    HourBank.objects.create(customer=org_b, balance_minutes=10)
    with pytest.raises(IntegrityError), transaction.atomic():
        HourBank.objects.filter(customer=org_b).update(balance_minutes=-1)


def test_prepaid_purchase_of_zero_hours_is_refused(config):
    customer = CustomerFactory()
    refused_by_database(lambda: PrepaidPurchase.objects.create(
        customer=customer, hours=0, price=Decimal("0.00"), purchased_on=dt.date(2026, 1, 1),
        tariff_version=config["tariff"],
    ))
    assert PrepaidPurchase.objects.count() == 0


def test_prepaid_purchase_of_one_hour_is_allowed(config):
    customer = CustomerFactory()
    PrepaidPurchase.objects.create(
        customer=customer, hours=1, price=Decimal("50.00"), purchased_on=dt.date(2026, 1, 1),
        tariff_version=config["tariff"],
    )
    assert PrepaidPurchase.objects.count() == 1
