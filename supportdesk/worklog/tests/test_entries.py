"""Work-entry pricing and the ledgers (§3, §4, §7, §8, §10; docs/security.md #27, #30, #36).

Recording, previewing, editing and deleting priced work (worklog.services.entries) and what
it draws from the included hours and the prepaid bank. The ledgers' own guards (append-only
rows, triggers, CHECKs) are in supportdesk/entitlements/tests/test_constraints.py."""

import datetime as dt
from decimal import Decimal

import pytest

from supportdesk.billing.services import prepaid_purchase_create
from supportdesk.common.choices import Channel, Tier
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.tests.helpers import at
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.domain.pricing import ExpenseKind
from supportdesk.entitlements.models import (
    AllowanceBalance,
    AllowanceLedgerEntry,
    BankLedgerEntry,
    HourBank,
)
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.tests.factories import TicketFactory
from supportdesk.worklog.models import Expense, WorkEntry
from supportdesk.worklog.services import entries as svc

pytestmark = pytest.mark.django_db


def _ledger_sum(model, **filters):
    return sum(model.objects.filter(**filters).values_list("minutes", flat=True))


def test_basic_remote_draws_from_the_yearly_allowance(config, basic_contract, ticket_a,
                                                      technician):
    # given a Basic contract (remote: 4 h/year included, then 50 €/h, §4)
    # when a technician logs 90 minutes of remote work in hours
    entry = svc.work_entry_create(ticket=ticket_a, technician=technician, channel=Channel.REMOTE,
                                  started_at=at(2026, 11, 24, 11),
                                  ended_at=at(2026, 11, 24, 12, 30),
                                  by=technician)
    # then it is covered by the allowance, costs nothing, and the ledger explains the balance
    assert entry.allowance_drawn_minutes == 90
    assert entry.net_amount == Decimal("0.00")
    balance = AllowanceBalance.objects.get(contract=basic_contract, channel=Channel.REMOTE)
    assert balance.granted_minutes == 240 and balance.balance_minutes == 150
    assert _ledger_sum(AllowanceLedgerEntry, contract=basic_contract) == 150
    assert entry.pricing["tier"] == Tier.BASIC


def test_work_beyond_the_allowance_is_billed_at_the_rate(config, basic_contract, ticket_a,
                                                         technician):
    # given 200 of the 240 included remote minutes already used
    svc.work_entry_create(ticket=ticket_a, technician=technician, channel=Channel.REMOTE,
                          started_at=at(2026, 11, 23, 10), ended_at=at(2026, 11, 23, 13, 20),
                          by=technician)
    # when 90 more minutes are logged
    entry = svc.work_entry_create(ticket=ticket_a, technician=technician,
                                  channel=Channel.REMOTE, started_at=at(2026, 11, 24, 11),
                                  ended_at=at(2026, 11, 24, 12, 30), by=technician)
    # then 40 are drawn and 50 billed at 50 €/h = 41,67 €
    assert entry.allowance_drawn_minutes == 40
    assert entry.billed_minutes == 50
    assert entry.net_amount == Decimal("41.67")
    assert AllowanceBalance.objects.get(contract=basic_contract).balance_minutes == 0


def test_no_contract_is_priced_as_free_tier_and_draws_the_prepaid_bank(config, org_b, ticket_b,
                                                                       technician, manager):
    # given a customer without a contract who bought 1 prepaid hour (§4)
    prepaid_purchase_create(customer=org_b, hours=1, on=dt.date(2026, 11, 1), by=manager)
    assert HourBank.objects.get(customer=org_b).balance_minutes == 60
    # when 90 minutes of phone support are logged
    entry = svc.work_entry_create(ticket=ticket_b, technician=technician, channel=Channel.PHONE,
                                  started_at=at(2026, 11, 24, 11),
                                  ended_at=at(2026, 11, 24, 12, 30),
                                  by=technician)
    # then 60 come from the bank and 30 are billed at the standard rate (25,00 €)
    assert entry.bank_drawn_minutes == 60
    assert entry.billed_minutes == 30
    assert entry.net_amount == Decimal("25.00")
    assert HourBank.objects.get(customer=org_b).balance_minutes == 0
    assert _ledger_sum(BankLedgerEntry, customer=org_b) == 0


def test_accepted_emergency_out_of_hours_carries_the_surcharge(config, org_a, technician):
    # given a Basic customer's accepted emergency (§7) and on-site work at 45 €/h
    ContractFactory(customer=org_a, tier=Tier.BASIC)
    ticket = TicketFactory(customer=org_a, emergency=Ticket.Emergency.ACCEPTED)
    # when one hour is worked on Saturday evening
    entry = svc.work_entry_create(ticket=ticket, technician=technician, channel=Channel.ONSITE,
                                  started_at=at(2026, 11, 28, 20), ended_at=at(2026, 11, 28, 21),
                                  by=technician)
    # then 45,00 € plus 20% = 54,00 €, and the minutes are marked out of hours
    assert entry.out_of_hours_minutes == 60 and entry.is_emergency
    assert entry.net_amount == Decimal("54.00")
    kinds = [line["kind"] for line in entry.pricing["lines"]]
    assert kinds == ["billed", "surcharge"]


def test_out_of_hours_without_an_accepted_emergency_is_not_surcharged(config, org_a,
                                                                      technician):
    ContractFactory(customer=org_a, tier=Tier.BASIC)
    ticket = TicketFactory(customer=org_a, emergency=Ticket.Emergency.DECLINED)
    entry = svc.work_entry_create(ticket=ticket, technician=technician, channel=Channel.ONSITE,
                                  started_at=at(2026, 11, 28, 20), ended_at=at(2026, 11, 28, 21),
                                  by=technician)
    assert entry.out_of_hours_minutes == 60
    assert entry.net_amount == Decimal("45.00")


def test_flat_fee_replaces_the_time_charge_and_draws_nothing(config, basic_contract, ticket_a,
                                                             technician):
    # §3 flat fee by kind of service
    entry = svc.work_entry_create(ticket=ticket_a, technician=technician,
                                  channel=Channel.REMOTE, started_at=at(2026, 11, 24, 11),
                                  ended_at=at(2026, 11, 24, 13), flat_fee="80.00",
                                  by=technician)
    assert entry.net_amount == Decimal("80.00")
    assert entry.allowance_drawn_minutes == 0
    assert not AllowanceLedgerEntry.objects.filter(reason="draw").exists()


def test_out_of_scope_work_never_draws_included_hours(config, basic_contract, org_a,
                                                      technician):
    # §10: operating-system problems need a separate agreement
    ticket = TicketFactory(customer=org_a, category=Ticket.Category.OS)
    entry = svc.work_entry_create(ticket=ticket, technician=technician, channel=Channel.REMOTE,
                                  started_at=at(2026, 11, 24, 11), ended_at=at(2026, 11, 24, 12),
                                  by=technician)
    # then, without an accepted agreement, it is held: nothing drawn, nothing billed
    assert entry.allowance_drawn_minutes == 0
    assert entry.net_amount == Decimal("0.00")
    assert entry.pricing["is_out_of_scope"] is True
    assert [line["kind"] for line in entry.pricing["lines"]] == ["held"]
    assert entry.pricing["agreement_id"] is None


@pytest.mark.parametrize("bad", [
    {"by": "customer"},
    {"technician": "customer"},
    {"ended_at": at(2026, 11, 24, 10, 59)},
    {"ended_at": at(2026, 11, 25, 11, 1)},
    {"started_at": dt.datetime(2026, 11, 24, 11)},
    {"channel": "fax"},
    {"kind": "party"},
    {"flat_fee": "-1"},
    {"flat_fee": "abc"},
    {"flat_fee": "1.234"},
])
def test_bad_input_is_refused_and_changes_nothing(config, basic_contract, ticket_a, technician,
                                                  customer_a, bad):
    # given valid values but one
    values = {"ticket": ticket_a, "technician": technician, "channel": Channel.REMOTE,
              "started_at": at(2026, 11, 24, 11), "ended_at": at(2026, 11, 24, 12),
              "by": technician}
    values.update({k: (customer_a if v == "customer" else v) for k, v in bad.items()})
    # when / then
    with pytest.raises(ApplicationError):
        svc.work_entry_create(**values)
    assert WorkEntry.objects.count() == 0
    assert AllowanceLedgerEntry.objects.count() == 0


def test_preview_writes_nothing_and_equals_what_is_saved(config, basic_contract, ticket_a,
                                                         technician):
    # given / when
    preview = svc.work_entry_preview(ticket=ticket_a, channel=Channel.REMOTE,
                                     started_at=at(2026, 11, 24, 11),
                                     ended_at=at(2026, 11, 24, 16))
    # then nothing is written
    assert AllowanceBalance.objects.count() == 0 and AllowanceLedgerEntry.objects.count() == 0
    assert preview.allowance_drawn_minutes == 240 and preview.billed_minutes == 60
    assert preview.allowance_left_after == 0
    assert preview.to_dict()["net_amount"] == "50.00"
    # and saving gives the same price
    entry = svc.work_entry_create(ticket=ticket_a, technician=technician,
                                  channel=Channel.REMOTE, started_at=at(2026, 11, 24, 11),
                                  ended_at=at(2026, 11, 24, 16), by=technician)
    assert entry.net_amount == preview.net_amount


def test_update_reverses_previous_draws_and_prices_again(config, basic_contract, ticket_a,
                                                         technician):
    entry = svc.work_entry_create(ticket=ticket_a, technician=technician,
                                  channel=Channel.REMOTE, started_at=at(2026, 11, 24, 11),
                                  ended_at=at(2026, 11, 24, 12), by=technician)
    # when the technician corrects the end to 13:00
    svc.work_entry_update(entry=entry, by=technician, ended_at=at(2026, 11, 24, 13))
    # then the draw is 120, the ledger shows draw, reversal, draw, and balance == Σ ledger
    entry.refresh_from_db()
    assert entry.allowance_drawn_minutes == 120 and entry.duration_minutes == 120
    reasons = list(AllowanceLedgerEntry.objects.order_by("id").values_list("reason", "minutes"))
    assert reasons == [("grant", 240), ("draw", -60), ("reversal", 60), ("draw", -120)]
    balance = AllowanceBalance.objects.get()
    assert balance.balance_minutes == 120 == _ledger_sum(AllowanceLedgerEntry)
    # history keeps who changed it (docs/security.md #40)
    assert entry.history.first().history_user == technician


def test_update_refuses_unknown_fields(config, basic_contract, ticket_a, technician):
    entry = svc.work_entry_create(ticket=ticket_a, technician=technician,
                                  channel=Channel.PHONE, started_at=at(2026, 11, 24, 11),
                                  ended_at=at(2026, 11, 24, 12), by=technician)
    with pytest.raises(ApplicationError):
        svc.work_entry_update(entry=entry, by=technician, net_amount=Decimal("0"))


def test_delete_gives_the_minutes_back(config, basic_contract, ticket_a, technician):
    entry = svc.work_entry_create(ticket=ticket_a, technician=technician,
                                  channel=Channel.REMOTE, started_at=at(2026, 11, 24, 11),
                                  ended_at=at(2026, 11, 24, 12), by=technician)
    svc.work_entry_delete(entry=entry, by=technician)
    assert not WorkEntry.objects.exists()
    assert AllowanceBalance.objects.get().balance_minutes == 240 == _ledger_sum(
        AllowanceLedgerEntry)


def test_locked_entry_cannot_be_edited_or_deleted(config, basic_contract, ticket_a, technician):
    # given an entry a statement billed (docs/security.md #30)
    entry = svc.work_entry_create(ticket=ticket_a, technician=technician,
                                  channel=Channel.REMOTE, started_at=at(2026, 11, 24, 11),
                                  ended_at=at(2026, 11, 24, 12), by=technician)
    WorkEntry.objects.filter(pk=entry.pk).update(locked_at=at(2026, 12, 1))
    # when / then
    with pytest.raises(ApplicationError) as err:
        svc.work_entry_update(entry=entry, by=technician, description="changed")
    assert err.value.message == svc.ENTRY_LOCKED
    with pytest.raises(ApplicationError):
        svc.work_entry_delete(entry=entry, by=technician)
    entry.refresh_from_db()
    assert entry.description == "" and AllowanceLedgerEntry.objects.count() == 2


def test_idempotency_key_replay_returns_the_first_entry(config, basic_contract, ticket_a,
                                                        technician):
    values = {"ticket": ticket_a, "technician": technician, "channel": Channel.PHONE,
              "started_at": at(2026, 11, 24, 11), "ended_at": at(2026, 11, 24, 12),
              "by": technician, "idempotency_key": "form-123"}
    first = svc.work_entry_create(**values)
    again = svc.work_entry_create(**values)
    assert again.pk == first.pk and WorkEntry.objects.count() == 1
    with pytest.raises(ApplicationError) as err:
        svc.work_entry_create(**{**values, "ended_at": at(2026, 11, 24, 13)})
    assert err.value.code == "idempotency"
    assert WorkEntry.objects.count() == 1


@pytest.mark.parametrize(("day", "minutes"), [(29, 60), (25, 180)])
def test_dst_nights_are_measured_in_absolute_time(config, ticket_a, technician, day, minutes):
    # docs/security.md #36: 02:30-04:30 local is 1 h on 29 March 2026, 3 h on 25 October 2026
    month = 3 if day == 29 else 10
    entry = svc.work_entry_create(ticket=ticket_a, technician=technician, channel=Channel.PHONE,
                                  started_at=at(2026, month, day, 2, 30),
                                  ended_at=at(2026, month, day, 4, 30), by=technician)
    assert entry.duration_minutes == minutes


def test_expense_create_validates_and_defaults_the_out_of_base_fee(config, ticket_a, technician,
                                                                   customer_a):
    with pytest.raises(ApplicationError):
        svc.expense_create(ticket=ticket_a, kind="travel", amount="10", incurred_on=dt.date(
            2026, 11, 24), by=customer_a)
    with pytest.raises(ApplicationError):
        svc.expense_create(ticket=ticket_a, kind="travel", amount="-3",
                           incurred_on=dt.date(2026, 11, 24), by=technician)
    fee = svc.expense_create(ticket=ticket_a, kind=Expense.Kind.OUT_OF_BASE,
                             incurred_on=dt.date(2026, 11, 24), by=technician)
    assert fee.amount == Decimal("30.00")
    assert Expense.objects.count() == 1


def test_an_expense_at_cost_needs_its_amount_and_the_kinds_are_the_engines(config, ticket_a,
                                                                          technician):
    # §9: lodging, travel and parking are the receipt's amount; only the fee has a default
    for kind in ("travel", "parking", "lodging"):
        with pytest.raises(ApplicationError) as exc:
            svc.expense_create(ticket=ticket_a, kind=kind, incurred_on=dt.date(2026, 11, 24),
                               by=technician)
        assert exc.value.code == "bad_amount"
    assert not Expense.objects.exists()
    assert Expense.Kind.values == [k.value for k in ExpenseKind]
