"""§10: out-of-scope work as the technician sees it before saving, and what is refused.

The live preview (``work_entry_preview``) of work on an out-of-scope request shows how it
will be priced: held (0,00, nothing billed) without an accepted agreement, billed at the
agreed rate under an hourly one, 0,00 "agreed" under a fixed amount; it never draws
included or prepaid hours, and writes nothing. A flat fee (§3) is not how out-of-scope
work is priced: it is refused with the reason, and nothing is written.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation
from django.utils.translation import gettext

from supportdesk.agreements.models import Quote
from supportdesk.agreements.services import quote_decline, quote_issue
from supportdesk.billing.services import prepaid_purchase_create
from supportdesk.common.choices import Channel
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.tests.helpers import at
from supportdesk.entitlements.models import (
    AllowanceBalance,
    AllowanceLedgerEntry,
    BankLedgerEntry,
    HourBank,
)
from supportdesk.tickets.models import Ticket, TicketEvent
from supportdesk.tickets.tests.factories import TicketFactory
from supportdesk.worklog.models import WorkEntry
from supportdesk.worklog.services.agreements import agreement_accept
from supportdesk.worklog.services.entries import (
    ENTRY_FLAT_FEE_OUT_OF_SCOPE,
    work_entry_create,
    work_entry_preview,
    work_entry_update,
)

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 25, 12)  # Wednesday; the work below is on Tuesday 24 November
START, END = at(2026, 11, 24, 10), at(2026, 11, 24, 12)  # 2 h in support hours

KEYS = {"held_minutes", "agreed_minutes", "agreement_id", "lines", "is_out_of_scope",
        "net_amount", "billed_minutes", "allowance_drawn_minutes", "bank_drawn_minutes"}


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def oos_ticket(basic_contract, org_a, customer_a):
    """An open out-of-scope request (Greek display or printing, §10) of a Basic customer:
    phone included, remote 4 h a year included."""
    return TicketFactory(customer=org_a, category=Ticket.Category.GREEK_DISPLAY,
                         status=Ticket.Status.OPEN)


def _preview(ticket, channel=Channel.REMOTE, **kwargs):
    return work_entry_preview(ticket=ticket, channel=channel, started_at=START, ended_at=END,
                              **kwargs).to_dict()


def _accepted(ticket, by, customer, **terms):
    values = {"description": "Ρύθμιση ελληνικών στον εκτυπωτή",
              "valid_until": dt.date(2026, 12, 31)}
    values.update(terms)
    return agreement_accept(quote=quote_issue(ticket=ticket, by=by, **values), by=customer)


def _written():
    return (WorkEntry.objects.count(), TicketEvent.objects.count(),
            AllowanceBalance.objects.count(), AllowanceLedgerEntry.objects.count(),
            BankLedgerEntry.objects.count(),
            sorted(HourBank.objects.values_list("customer_id", "balance_minutes")))


# --------------------------------------------------------------------------- the preview


@pytest.mark.parametrize("channel", [Channel.PHONE, Channel.REMOTE, Channel.ONSITE])
def test_without_an_agreement_the_preview_shows_the_work_held(oos_ticket, channel):
    before = _written()
    data = _preview(oos_ticket, channel=channel)
    assert data.keys() >= KEYS
    assert data["is_out_of_scope"] is True
    assert (data["held_minutes"], data["agreed_minutes"], data["agreement_id"]) == (
        120, 0, None)
    assert [line["kind"] for line in data["lines"]] == ["held"]
    assert data["lines"][0]["amount"] == "0.00" and data["lines"][0]["minutes"] == 120
    assert data["net_amount"] == "0.00" and data["billed_minutes"] == 0
    assert data["included_minutes"] == 0 == data["covered_minutes"]  # never "included"
    assert data["allowance_drawn_minutes"] == 0 == data["bank_drawn_minutes"]
    assert data["allowance_left_after"] == data["allowance_left_minutes"]
    assert _written() == before


def test_a_declined_quote_leaves_the_preview_held(oos_ticket, technician, customer_a):
    quote = quote_issue(ticket=oos_ticket, by=technician, description="Γραμματοσειρές",
                        amount="80,00", valid_until=None)
    quote_decline(quote=quote, by=customer_a)
    data = _preview(oos_ticket)
    assert data["agreement_id"] is None and data["held_minutes"] == 120
    assert [line["kind"] for line in data["lines"]] == ["held"]


@pytest.mark.parametrize(("channel", "rate", "net"), [
    (Channel.PHONE, "40,00", "80.00"),  # included for Basic in scope
    (Channel.REMOTE, "40,00", "80.00"),  # 4 h a year included for Basic in scope
    (Channel.ONSITE, "45,50", "91.00"),
])
def test_under_an_hourly_agreement_the_preview_bills_the_agreed_rate(
        oos_ticket, technician, customer_a, channel, rate, net):
    quote = _accepted(oos_ticket, technician, customer_a, kind=Quote.Kind.HOURLY,
                      rate_per_hour=rate)
    before = _written()
    data = _preview(oos_ticket, channel=channel)
    assert data["agreement_id"] == quote.pk
    assert (data["held_minutes"], data["agreed_minutes"]) == (0, 0)
    assert data["billed_minutes"] == 120 and data["net_amount"] == net
    assert [(x["kind"], x["rate_per_hour"]) for x in data["lines"]] == [
        ("billed", str(quote.rate_per_hour))]
    assert data["included_minutes"] == 0 == data["covered_minutes"]
    assert data["allowance_drawn_minutes"] == 0 == data["bank_drawn_minutes"]
    assert _written() == before


def test_an_hourly_agreement_at_the_standard_rate_by_default(oos_ticket, technician,
                                                             customer_a):
    quote = _accepted(oos_ticket, technician, customer_a, kind=Quote.Kind.HOURLY)
    data = _preview(oos_ticket, channel=Channel.PHONE)
    assert quote.rate_per_hour == Decimal("50.00")
    assert data["net_amount"] == "100.00"
    assert data["lines"][0]["rate_per_hour"] == "50.00"


def test_an_accepted_emergency_out_of_hours_adds_the_surcharge_to_the_agreed_rate(
        oos_ticket, technician, customer_a):
    oos_ticket.emergency = Ticket.Emergency.ACCEPTED
    oos_ticket.save(update_fields=["emergency"])
    _accepted(oos_ticket, technician, customer_a, kind=Quote.Kind.HOURLY,
              rate_per_hour="40,00")
    # Saturday 21 November, 20:00-21:00: out of hours (§7)
    data = work_entry_preview(ticket=oos_ticket, channel=Channel.ONSITE,
                              started_at=at(2026, 11, 21, 20),
                              ended_at=at(2026, 11, 21, 21)).to_dict()
    assert [x["kind"] for x in data["lines"]] == ["billed", "surcharge"]
    assert data["net_amount"] == "48.00"  # 40,00 + 20%
    assert data["out_of_hours_minutes"] == 60


def test_a_fixed_amount_carries_no_surcharge_out_of_hours(oos_ticket, technician,
                                                         customer_a):
    oos_ticket.emergency = Ticket.Emergency.ACCEPTED
    oos_ticket.save(update_fields=["emergency"])
    _accepted(oos_ticket, technician, customer_a, amount="300,00")
    data = work_entry_preview(ticket=oos_ticket, channel=Channel.ONSITE,
                              started_at=at(2026, 11, 21, 20),
                              ended_at=at(2026, 11, 21, 21)).to_dict()
    assert [x["kind"] for x in data["lines"]] == ["agreed"]
    assert data["net_amount"] == "0.00" and data["agreed_minutes"] == 60


def test_under_a_fixed_amount_the_preview_shows_the_work_agreed(oos_ticket, technician,
                                                                customer_a):
    quote = _accepted(oos_ticket, technician, customer_a, amount="300,00")
    before = _written()
    data = _preview(oos_ticket)
    assert data["agreement_id"] == quote.pk
    assert (data["held_minutes"], data["agreed_minutes"]) == (0, 120)
    assert [line["kind"] for line in data["lines"]] == ["agreed"]
    assert data["lines"][0]["amount"] == "0.00"
    assert data["net_amount"] == "0.00" and data["billed_minutes"] == 0
    assert data["allowance_drawn_minutes"] == 0 == data["bank_drawn_minutes"]
    assert _written() == before


def test_the_preview_matches_what_is_saved(oos_ticket, technician, customer_a):
    quote = _accepted(oos_ticket, technician, customer_a, kind=Quote.Kind.HOURLY,
                      rate_per_hour="40,00")
    data = _preview(oos_ticket)
    entry = work_entry_create(ticket=oos_ticket, technician=technician,
                              channel=Channel.REMOTE, started_at=START, ended_at=END,
                              by=technician)
    assert str(entry.net_amount) == data["net_amount"]
    assert entry.pricing["agreement_id"] == data["agreement_id"] == quote.pk
    assert entry.pricing["lines"] == data["lines"]
    assert entry.allowance_drawn_minutes == 0


def test_a_prepaid_customers_preview_draws_nothing_from_the_bank(config, org_b, customer_b,
                                                                 technician, manager):
    prepaid_purchase_create(customer=org_b, hours=2, on=dt.date(2026, 11, 2), by=manager)
    ticket = TicketFactory(customer=org_b, category=Ticket.Category.VIRUS,
                           status=Ticket.Status.OPEN)
    held = _preview(ticket)
    assert held["bank_left_minutes"] == 120 == held["bank_left_after"]
    assert held["bank_drawn_minutes"] == 0 and held["held_minutes"] == 120
    _accepted(ticket, technician, customer_b, kind=Quote.Kind.HOURLY)
    agreed = _preview(ticket)
    assert agreed["bank_left_minutes"] == 120 == agreed["bank_left_after"]
    assert agreed["bank_drawn_minutes"] == 0 and agreed["net_amount"] == "100.00"
    assert HourBank.objects.get(customer=org_b).balance_minutes == 120


def test_previewing_an_edit_of_out_of_scope_work(oos_ticket, technician, customer_a):
    entry = work_entry_create(ticket=oos_ticket, technician=technician,
                              channel=Channel.REMOTE, started_at=START, ended_at=END,
                              by=technician)
    _accepted(oos_ticket, technician, customer_a, amount="150,00")
    data = work_entry_preview(ticket=oos_ticket, channel=Channel.PHONE, started_at=START,
                              ended_at=at(2026, 11, 24, 11), entry=entry).to_dict()
    assert (data["agreed_minutes"], data["held_minutes"]) == (60, 0)
    assert [x["kind"] for x in data["lines"]] == ["agreed"]


# --------------------------------------------------------------------------- flat fee


@pytest.mark.parametrize("fee", ["50,00", "0", Decimal("120.00")])
@pytest.mark.parametrize("agreement", [None, "hourly", "fixed"])
def test_a_flat_fee_on_out_of_scope_work_is_refused_and_nothing_is_written(
        oos_ticket, technician, customer_a, fee, agreement):
    if agreement == "hourly":
        _accepted(oos_ticket, technician, customer_a, kind=Quote.Kind.HOURLY)
    elif agreement == "fixed":
        _accepted(oos_ticket, technician, customer_a, amount="300,00")
    before = _written()
    # the preview says so before saving
    with pytest.raises(ApplicationError) as exc:
        work_entry_preview(ticket=oos_ticket, channel=Channel.ONSITE, started_at=START,
                           ended_at=END, flat_fee=fee)
    assert exc.value.code == "flat_fee_out_of_scope"
    assert exc.value.message == ENTRY_FLAT_FEE_OUT_OF_SCOPE
    # and saving is refused with the reason, writing nothing
    with pytest.raises(ApplicationError) as exc:
        work_entry_create(ticket=oos_ticket, technician=technician, channel=Channel.ONSITE,
                          started_at=START, ended_at=END, flat_fee=fee, by=technician,
                          description="Ρύθμιση γραμματοσειρών")
    assert exc.value.code == "flat_fee_out_of_scope"
    assert exc.value.message == ENTRY_FLAT_FEE_OUT_OF_SCOPE
    assert "§10" in str(exc.value.message)  # the reason, in the active language
    assert _written() == before


def test_a_flat_fee_cannot_be_put_on_saved_out_of_scope_work(oos_ticket, technician):
    entry = work_entry_create(ticket=oos_ticket, technician=technician,
                              channel=Channel.ONSITE, started_at=START, ended_at=END,
                              by=technician)
    before = _written()
    with pytest.raises(ApplicationError) as exc:
        work_entry_update(entry=entry, by=technician, flat_fee="60,00")
    assert exc.value.code == "flat_fee_out_of_scope"
    saved = WorkEntry.objects.get(pk=entry.pk)
    assert saved.flat_fee is None and saved.net_amount == Decimal("0.00")
    assert saved.pricing == entry.pricing
    assert _written() == before


def test_a_flat_fee_is_still_allowed_in_scope(basic_contract, org_a, technician):
    # the refusal is about out-of-scope work only (§3 flat fees stay)
    ticket = TicketFactory(customer=org_a, category=Ticket.Category.INSTALLATION,
                           status=Ticket.Status.OPEN)
    data = work_entry_preview(ticket=ticket, channel=Channel.ONSITE, started_at=START,
                              ended_at=END, flat_fee="60,00").to_dict()
    assert data["net_amount"] == "60.00" and data["is_out_of_scope"] is False


def _untranslated(msgid) -> bool:
    with translation.override("el"):
        return gettext(msgid) == msgid


# A strict xfail while no catalog translates the message (the bug), a plain test after.
@pytest.mark.xfail(_untranslated("Out-of-scope work is priced by its agreement (§10), not "
                                 "by a flat fee."), strict=True, reason=(
    "ENTRY_FLAT_FEE_OUT_OF_SCOPE (worklog/services/entries.py, \"Out-of-scope work is "
    "priced by its agreement (§10), not by a flat fee.\") has no Greek translation in any "
    "catalog: the Greek desk shows the refusal in English"))
def test_the_flat_fee_refusal_is_in_greek(oos_ticket, technician):
    with pytest.raises(ApplicationError) as exc:
        work_entry_create(ticket=oos_ticket, technician=technician, channel=Channel.ONSITE,
                          started_at=START, ended_at=END, flat_fee="50,00", by=technician)
    with translation.override("el"):
        text = str(exc.value.message)
    assert "flat fee" not in text
    assert re.search("[Α-Ωα-ω]", text), text
