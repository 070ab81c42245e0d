"""Measured support time (§8) priced by the customer's contract (§3, §4, §7) and expenses.

Only the vendor's staff record, edit or delete work entries (§8). Pricing is the rules
engine's (``supportdesk.domain.pricing.price_work``); this module gathers its inputs from the
database (tariff version in force on the entry's local date, the default working calendar,
the contract in force → tier, what is left of the included hours and of the prepaid bank),
stores the snapshot on the entry and posts the draws to the append-only ledgers, all in one
transaction under the per-customer lock (``entitlements.services.customer_lock``):

* two technicians saving at the same moment cannot both spend the last prepaid hour (the
  second one sees the bank after the first committed, and is billed at the rate);
* an edit reverses the entry's previous draws and draws again; a delete reverses them;
* a billed (locked) entry is never edited or deleted: a correction is a credit statement.

Out-of-scope work (§10) never draws included or prepaid hours: it is priced under the
request's accepted agreement (``agreements.Quote``: a fixed amount, its work lines 0,00 and
the amount billed once; or hours at the agreed rate, on every channel), and without one it
is held (a 0,00 ``held`` line the billing run does not bill). Accepting an agreement prices
the request's unbilled work again (``worklog.services.agreements``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.accounts.models import User
from supportdesk.agreements.selectors import agreement_accepted
from supportdesk.common.choices import Channel, Tier, WorkKind
from supportdesk.common.dates import ensure_dates_in_range
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.money import amount_or_none
from supportdesk.common.permissions import ensure_staff, is_manager
from supportdesk.common.text import clean_text
from supportdesk.common.transactions import with_lock_retry
from supportdesk.contracts.selectors import (
    calendar_get_default,
    contract_in_force,
    tariff_to_domain,
    tariff_version_for,
)
from supportdesk.domain.contract_years import contract_year_of
from supportdesk.domain.money import quantize_money
from supportdesk.domain.pricing import (
    ExpenseKind,
    PricedWork,
    WorkItem,
    expense_default_amount,
    out_of_town_proposal,
    price_expense,
    price_flat_fee,
    price_out_of_scope,
    price_work,
)
from supportdesk.entitlements.models import HourBank, LedgerReason
from supportdesk.entitlements.selectors import minutes_held_by_entry
from supportdesk.entitlements.services import (
    allowance_balance_get,
    allowance_post,
    bank_post,
    customer_lock,
    ledgers_reverse_entry,
)
from supportdesk.tickets.models import TicketEvent
from supportdesk.worklog.models import Expense, WorkEntry

ENTRY_ONLY_STAFF = _("Only the vendor's staff record support time (§8).")
ENTRY_TECHNICIAN_NOT_STAFF = _("Work can only be recorded for a member of the vendor's staff.")
ENTRY_NAIVE = _("Start and end need a date, a time and a time zone.")
ENTRY_END_BEFORE_START = _("A work entry must end after it starts.")
ENTRY_TOO_LONG = _("A work entry cannot last more than 24 hours: split it into several.")
ENTRY_BAD_CHANNEL = _("Choose a valid channel: phone, remote, at our offices or on site.")
ENTRY_BAD_KIND = _("Choose a valid kind of work: support or training.")
ENTRY_BAD_FLAT_FEE = _("A flat fee must be an amount in euros of at least 0,00.")
ENTRY_FLAT_FEE_OUT_OF_SCOPE = _("Out-of-scope work is priced by its agreement (§10), not by a "
                                "flat fee.")
ENTRY_LOCKED = _(
    "This work entry is on an issued statement and is locked (§8). A correction needs a "
    "credit statement."
)
ENTRY_ON_STATEMENT = _("This work entry appears on a statement and cannot be deleted.")
ENTRY_UNKNOWN_FIELD = _("These fields cannot be changed here: %(fields)s.")
ENTRY_IDEMPOTENCY_CONFLICT = _(
    "This form was already submitted with different values. Reload the page and try again."
)
ENTRY_IN_THE_FUTURE = _(
    "Work cannot end in the future: it ends at %(end)s and it is now %(now)s. Record work "
    "once it is done. Nothing was saved."
)
ENTRY_OVERLAPS = _(
    "%(name)s already has a work entry on request %(reference)s from %(start)s to %(end)s "
    "that overlaps this one. Correct the times; only a manager can confirm both. Nothing "
    "was saved."
)
EXPENSE_ONLY_STAFF = _("Only the vendor's staff record expenses.")
EXPENSE_BAD_KIND = _("Choose a valid kind of expense.")
EXPENSE_BAD_AMOUNT = _("An expense must be an amount in euros of at least 0,00.")
EXPENSE_VISIT_OTHER_TICKET = _("The visit belongs to another support request.")
EXPENSE_LOCKED = _("This expense is on an issued statement and cannot be changed.")

MAX_ENTRY = timedelta(hours=24)
# Work ends at the latest now; this much clock skew between a browser (or a phone that
# stopped a timer) and the server is forgiven (docs/rules.md "Time is what was worked").
FUTURE_TOLERANCE = timedelta(minutes=5)
UPDATABLE_FIELDS = frozenset(
    {"technician", "channel", "kind", "started_at", "ended_at", "description", "flat_fee"})

T = TypeVar("T")

# The §9 costs of an on-site entry out of town, in the order they are shown and booked.
OUT_OF_TOWN_LABELS = {
    ExpenseKind.OUT_OF_BASE: _("Out-of-base fee (§9)"),
    ExpenseKind.TRAVEL: _("Travel (§9)"),
    ExpenseKind.LODGING: _("Lodging for one person (§9)"),
}


# --------------------------------------------------------------------------- what it costs


@dataclass(frozen=True)
class OutOfTownCost:
    """One §9 cost of an on-site entry at a customer out of town, priced by the engine.

    ``round_trip_km`` is set when travel is the tariff's rate per km for the round trip;
    ``is_given`` when the amount was given (at cost, or confirmed at a visit's completion)
    rather than proposed by the tariff, so an edit keeps it.
    """

    kind: str
    amount: Decimal
    vat_rate: Decimal
    round_trip_km: Decimal | None = None
    is_given: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "amount": str(self.amount), "vat_rate": str(self.vat_rate),
                "round_trip_km": None if self.round_trip_km is None
                else str(self.round_trip_km), "is_given": self.is_given}


def _from_work(name: str) -> property:
    return property(lambda self: getattr(self.work, name),
                    doc=f"The rules engine's ``PricedWork.{name}``.")


@dataclass(frozen=True)
class PricedEntry:
    """What a technician sees before saving, and what is stored when they save.

    ``work`` is the rules engine's :class:`~supportdesk.domain.pricing.PricedWork` (the one
    definition of priced work: minutes, draws, billed minutes, net amount); the rest is what
    the service knows around it (tier, contract, tariff version, what the pools had left).
    ``lines`` are the engine's lines as JSON-ready dicts (machine keys: included, allowance,
    bank, billed, surcharge, flat_fee); ``net_amount`` is their sum, in euros excl. VAT.
    """

    work: PricedWork
    tier: str
    contract_id: int | None
    tariff_version_id: int
    tariff_version: str
    channel: str
    kind: str
    is_emergency: bool
    allowance_left_minutes: int | None
    bank_left_minutes: int | None
    flat_fee: Decimal | None = None
    is_out_of_scope: bool = False
    agreement_id: int | None = None  # §10: the accepted quote out-of-scope work is priced by
    contract_year: int | None = None
    out_of_town: tuple[OutOfTownCost, ...] = ()

    minutes = _from_work("minutes")
    rounded_minutes = _from_work("rounded_minutes")
    out_of_hours_minutes = _from_work("out_of_hours_minutes")
    included_minutes = _from_work("included_minutes")
    covered_minutes = _from_work("covered_minutes")
    allowance_drawn_minutes = _from_work("allowance_drawn_minutes")
    bank_drawn_minutes = _from_work("bank_drawn_minutes")
    billed_minutes = _from_work("billed_minutes")
    held_minutes = _from_work("held_minutes")
    agreed_minutes = _from_work("agreed_minutes")
    net_amount = _from_work("net_amount")

    @cached_property
    def lines(self) -> tuple[dict[str, Any], ...]:
        return tuple(_line_dict(line) for line in self.work.lines)

    @property
    def out_of_town_amount(self) -> Decimal:
        """The §9 costs (net), booked as expenses beside the work's ``net_amount``."""
        return sum((cost.amount for cost in self.out_of_town), Decimal("0.00"))

    @property
    def allowance_left_after(self) -> int | None:
        if self.allowance_left_minutes is None:
            return None
        return self.allowance_left_minutes - self.allowance_drawn_minutes

    @property
    def bank_left_after(self) -> int | None:
        if self.bank_left_minutes is None:
            return None
        return self.bank_left_minutes - self.bank_drawn_minutes

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (amounts as strings) for the live preview endpoint."""
        return {
            "tier": self.tier, "contract_id": self.contract_id,
            "tariff_version": self.tariff_version, "channel": self.channel, "kind": self.kind,
            "minutes": self.minutes, "rounded_minutes": self.rounded_minutes,
            "out_of_hours_minutes": self.out_of_hours_minutes,
            "is_emergency": self.is_emergency, "included_minutes": self.included_minutes,
            "covered_minutes": self.covered_minutes,
            "allowance_drawn_minutes": self.allowance_drawn_minutes,
            "bank_drawn_minutes": self.bank_drawn_minutes,
            "billed_minutes": self.billed_minutes, "net_amount": str(self.net_amount),
            "flat_fee": None if self.flat_fee is None else str(self.flat_fee),
            "allowance_left_minutes": self.allowance_left_minutes,
            "allowance_left_after": self.allowance_left_after,
            "bank_left_minutes": self.bank_left_minutes,
            "bank_left_after": self.bank_left_after,
            "is_out_of_scope": self.is_out_of_scope,
            "held_minutes": self.held_minutes, "agreed_minutes": self.agreed_minutes,
            "agreement_id": self.agreement_id,
            "lines": list(self.lines),
            "out_of_town": [cost.to_dict() for cost in self.out_of_town],
            "out_of_town_amount": str(self.out_of_town_amount),
        }

    def snapshot(self) -> dict[str, Any]:
        """The ``WorkEntry.pricing`` JSON: enough to explain the charge line by line (the
        §9 costs, when there are any, under ``out_of_town``: shown, never billed from here;
        the billing run bills their ``Expense`` rows)."""
        data = {
            "tier": self.tier, "contract_id": self.contract_id,
            "contract_year": self.contract_year, "tariff_version": self.tariff_version,
            "rounded_minutes": self.rounded_minutes,
            "included_minutes": self.included_minutes,
            "covered_minutes": self.covered_minutes, "is_out_of_scope": self.is_out_of_scope,
            "agreement_id": self.agreement_id,
            "flat_fee": None if self.flat_fee is None else str(self.flat_fee),
            "lines": list(self.lines),
        }
        if self.out_of_town:
            data["out_of_town"] = [cost.to_dict() for cost in self.out_of_town]
        return data


def _line_dict(line) -> dict[str, Any]:
    return {
        "kind": str(line.kind), "amount": str(line.amount), "vat_rate": str(line.vat_rate),
        "minutes": line.minutes, "drawn_minutes": line.drawn_minutes,
        "rate_per_hour": None if line.rate_per_hour is None else str(line.rate_per_hour),
        "is_out_of_hours": line.is_out_of_hours,
    }


# --------------------------------------------------------------------------- validation



def _check_span(started_at: datetime, ended_at: datetime) -> None:
    if not isinstance(started_at, datetime) or not isinstance(ended_at, datetime):
        raise ApplicationError(ENTRY_NAIVE, code="naive_datetime")
    if timezone.is_naive(started_at) or timezone.is_naive(ended_at):
        raise ApplicationError(ENTRY_NAIVE, code="naive_datetime")
    # 2000-2100 (docs/security.md #43), checked before any arithmetic: year 1 would overflow.
    ensure_dates_in_range(started_at, ended_at)
    started_at, ended_at = started_at.astimezone(UTC), ended_at.astimezone(UTC)
    if ended_at <= started_at:
        raise ApplicationError(ENTRY_END_BEFORE_START, code="end_before_start")
    if ended_at - started_at > MAX_ENTRY:
        raise ApplicationError(ENTRY_TOO_LONG, code="too_long")


def _short(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "d/m/Y H:i")


def check_not_in_future(ended_at: datetime, *, now: datetime | None = None,
                        message=ENTRY_IN_THE_FUTURE) -> None:
    """Refuse work that ends after ``now`` (the server's clock) plus ``FUTURE_TOLERANCE``:
    work is what was worked (issue 9). Timers and visits call it too."""
    now = now or timezone.now()
    if ended_at > now + FUTURE_TOLERANCE:
        raise ApplicationError(message % {"end": _short(ended_at), "now": _short(now)},
                               code="in_the_future")


def _lock_technician(technician) -> None:
    """Serialise every save of one technician's work (across customers: the per-customer
    lock does not cover two requests of different shops), so two parallel saves cannot
    both pass the overlap check. A no-op lock on SQLite, whose writers are serialised."""
    User.objects.select_for_update().filter(pk=technician.pk).first()


def _check_no_overlap(*, entry: WorkEntry, by, confirm_overlap: bool) -> int | None:
    """Refuse ``entry`` when it overlaps another entry of its technician, naming the clash,
    unless a manager confirms it (``confirm_overlap``); returns the confirmed clash's id.
    Call it with the technician locked (``_lock_technician``)."""
    clash = (
        WorkEntry.objects.filter(technician_id=entry.technician_id,
                                 started_at__lt=entry.ended_at, ended_at__gt=entry.started_at)
        .exclude(pk=entry.pk).select_related("ticket", "technician")
        .order_by("started_at", "pk").first()
    )
    if clash is None:
        return None
    if confirm_overlap and is_manager(by):
        return clash.pk
    technician = clash.technician
    raise ApplicationError(ENTRY_OVERLAPS % {
        "name": technician.get_full_name() or technician.get_username(),
        "reference": clash.ticket.reference, "start": _short(clash.started_at),
        "end": _short(clash.ended_at),
    }, code="overlap")


def _check_choice(value: str, choices, message) -> str:
    if value not in choices.values:
        raise ApplicationError(message, code="bad_choice")
    return str(value)


# --------------------------------------------------------------------------- pricing


@dataclass
class _Context:
    tariff_row: Any
    tariff: Any
    calendar: Any
    contract: Any
    tier: str
    local_day: date


def _context(*, ticket, started_at: datetime) -> _Context:
    calendar = calendar_get_default()
    local_day = started_at.astimezone(calendar.tz).date()
    contract = contract_in_force(customer_id=ticket.customer_id, day=local_day)
    row = tariff_version_for(contract=contract, day=local_day)
    # No contract in force: the Free tier's rules at the standard rate
    # (docs/rules.md "No contract means the Free tier").
    tier = contract.tier if contract is not None else Tier.FREE
    return _Context(tariff_row=row, tariff=tariff_to_domain(row), calendar=calendar,
                    contract=contract, tier=str(tier), local_day=local_day)


def _visit_already_costed(*, ticket, day: date, entry_pk: int | None) -> bool:
    """The out-of-base fee is once per visit (docs/rules.md "Out-of-town visits"): another
    entry (or the visit) of the request already booked that day's fee or travel."""
    booked = Expense.objects.filter(
        ticket_id=ticket.pk, incurred_on=day,
        kind__in=(Expense.Kind.OUT_OF_BASE, Expense.Kind.TRAVEL))
    if entry_pk is not None:
        booked = booked.exclude(work_entry_id=entry_pk)
    return booked.exists()


def _out_of_town_costs(*, ticket, channel: str, ctx: _Context,
                       given: dict[str, Decimal | None],
                       entry_pk: int | None = None) -> tuple[OutOfTownCost, ...]:
    """§9: an on-site entry at a customer out of town costs the out-of-base fee, the round
    trip (at the tariff's rate per km, or at cost when given) and lodging for one person
    (at cost, when given); the engine's ``out_of_town_proposal`` proposes the first two.
    Any other entry costs none, and so does a second entry of the same visit (the same
    request and day). A given amount of 0 leaves that cost out."""
    customer = ticket.customer
    if channel != Channel.ONSITE or not customer.is_out_of_town:
        return ()
    if _visit_already_costed(ticket=ticket, day=ctx.local_day, entry_pk=entry_pk):
        return ()
    proposal = out_of_town_proposal(customer.distance_km, tariff=ctx.tariff, on=ctx.local_day)
    proposed = {ExpenseKind.OUT_OF_BASE: proposal.out_of_base_fee,
                ExpenseKind.TRAVEL: proposal.travel, ExpenseKind.LODGING: None}
    costs = []
    for kind in OUT_OF_TOWN_LABELS:
        amount = given.get(kind.value)
        is_given = amount is not None
        if not is_given:
            amount = proposed[kind]
        if amount is None or amount == 0:
            continue
        line = price_expense(kind, amount, tariff=ctx.tariff, on=ctx.local_day)
        km = proposal.round_trip_km if kind is ExpenseKind.TRAVEL and not is_given else None
        costs.append(OutOfTownCost(kind=kind.value, amount=line.amount, vat_rate=line.vat_rate,
                                   round_trip_km=km, is_given=is_given))
    return tuple(costs)


def _given_costs(*, travel=None, lodging=None, out_of_base_fee=None) -> dict[str, Decimal | None]:
    return {ExpenseKind.TRAVEL.value: amount_or_none(travel, EXPENSE_BAD_AMOUNT),
            ExpenseKind.LODGING.value: amount_or_none(lodging, EXPENSE_BAD_AMOUNT),
            ExpenseKind.OUT_OF_BASE.value: amount_or_none(out_of_base_fee, EXPENSE_BAD_AMOUNT)}


def _costs_given_before(entry: WorkEntry) -> dict[str, Decimal | None]:
    """The §9 amounts an entry was given (kept by an edit; the proposed ones are redone)."""
    return {cost["kind"]: Decimal(cost["amount"])
            for cost in (entry.pricing or {}).get("out_of_town", []) if cost.get("is_given")}


def _book_out_of_town(*, entry: WorkEntry, priced: PricedEntry, by, visit=None) -> None:
    """Record the entry's §9 costs as its expenses, replacing the unbilled ones it had (same
    transaction as the entry: an edit never doubles them; the billing run bills each once)."""
    old = list(Expense.objects.select_for_update().filter(work_entry=entry,
                                                          locked_at__isnull=True))
    # A visit's costs stay linked to it through an edit.
    visit_id = visit.pk if visit is not None else next(
        (x.visit_id for x in old if x.visit_id), None)
    for expense in old:
        expense._history_user = by
        expense.delete()
    day = entry.started_at.astimezone(calendar_get_default().tz).date()
    for cost in priced.out_of_town:
        expense = Expense(ticket_id=entry.ticket_id, visit_id=visit_id, work_entry=entry,
                          kind=cost.kind, amount=cost.amount, incurred_on=day,
                          description=str(OUT_OF_TOWN_LABELS[ExpenseKind(cost.kind)]),
                          created_by=by)
        expense._history_user = by
        expense.save()


def _price(*, ticket, channel: str, kind: str, started_at: datetime, ended_at: datetime,
           flat_fee: Decimal | None, ctx: _Context, allowance_left: int | None,
           bank_left: int | None, contract_year: int | None,
           given: dict[str, Decimal | None] | None = None,
           entry_pk: int | None = None) -> PricedEntry:
    is_emergency = ticket.emergency == ticket.Emergency.ACCEPTED  # §7
    out_of_scope = ticket.is_out_of_scope  # §10
    # Elapsed minutes as the engine counts them: a started minute is worked, in absolute
    # time so a DST night counts right (docs/security.md #36).
    item = WorkItem.between(channel, started_at, ended_at, kind=kind,
                            is_emergency=is_emergency)
    fee = None if flat_fee is None else quantize_money(flat_fee)
    agreement = None
    if out_of_scope:
        # §10: priced by the request's accepted agreement, or held without one; never a
        # flat fee, never included or prepaid hours.
        if fee is not None:
            raise ApplicationError(ENTRY_FLAT_FEE_OUT_OF_SCOPE, code="flat_fee_out_of_scope")
        agreement = agreement_accepted(ticket_id=ticket.pk)
        priced = price_out_of_scope(
            item, agreement=agreement.as_agreement() if agreement is not None else None,
            tariff=ctx.tariff, calendar=ctx.calendar)
    elif fee is not None:
        # §3 flat fee by kind of service: the fee replaces the time charge, no hours drawn.
        priced = price_flat_fee(item, fee, tariff=ctx.tariff, calendar=ctx.calendar)
    else:
        priced = price_work(
            item, tariff=ctx.tariff, tier=ctx.tier, calendar=ctx.calendar,
            allowance_left_minutes=allowance_left or 0, bank_left_minutes=bank_left or 0,
        )
    return PricedEntry(
        work=priced, tier=ctx.tier, contract_id=getattr(ctx.contract, "pk", None),
        tariff_version_id=ctx.tariff_row.pk, tariff_version=ctx.tariff_row.version,
        channel=channel, kind=kind, is_emergency=is_emergency,
        allowance_left_minutes=allowance_left, bank_left_minutes=bank_left, flat_fee=fee,
        is_out_of_scope=out_of_scope, contract_year=contract_year,
        agreement_id=agreement.pk if agreement is not None else None,
        out_of_town=_out_of_town_costs(ticket=ticket, channel=channel, ctx=ctx,
                                       given=given or {}, entry_pk=entry_pk),
    )


def _pools(*, ticket, channel: str, kind: str, ctx: _Context, bank, lock: bool, actor,
           held: tuple[int, int] = (0, 0)):
    """(allowance balance row or None, allowance left, contract year, bank left)."""
    terms = ctx.tariff.terms(ctx.tier, channel, kind)
    balance = None
    allowance_left = None
    year = None
    if ctx.contract is not None and terms.included_minutes_per_year > 0:
        cy = contract_year_of(contract_starts_on=ctx.contract.starts_on,
                              contract_ends_on=ctx.contract.ends_on, day=ctx.local_day)
        year = cy.number
        balance = allowance_balance_get(
            contract=ctx.contract, year=cy, channel=channel,
            included_minutes=terms.included_minutes_per_year, actor=actor, lock=lock,
            create=lock)
        allowance_left = (balance.balance_minutes if balance is not None
                          else terms.included_minutes_per_year) + held[0]
    bank_left = None
    if ctx.tariff.tier(ctx.tier).uses_prepaid_bank:
        bank_left = (bank.balance_minutes if bank is not None else 0) + held[1]
    return balance, allowance_left, year, bank_left


def work_entry_preview(*, ticket, channel: str, started_at: datetime, ended_at: datetime,
                       kind: str = WorkKind.SUPPORT, flat_fee=None,
                       entry: WorkEntry | None = None, travel=None,
                       lodging=None) -> PricedEntry:
    """Price a would-be entry without writing anything (the form's live preview), with its
    §9 costs when it is on site at a customer out of town (``travel`` and ``lodging`` at
    cost, when given).

    Pass ``entry`` when previewing an edit: the minutes it already holds count as free.
    """
    channel = _check_choice(channel, Channel, ENTRY_BAD_CHANNEL)
    kind = _check_choice(kind, WorkKind, ENTRY_BAD_KIND)
    _check_span(started_at, ended_at)
    check_not_in_future(ended_at)  # the live preview says so before the technician saves
    fee = amount_or_none(flat_fee, ENTRY_BAD_FLAT_FEE)
    given = {**(_costs_given_before(entry) if entry is not None else {}),
             **{k: v for k, v in _given_costs(travel=travel, lodging=lodging).items()
                if v is not None}}
    ctx = _context(ticket=ticket, started_at=started_at)
    bank = HourBank.objects.filter(customer_id=ticket.customer_id).first()
    held = minutes_held_by_entry(entry)
    same_pool = entry is not None and entry.channel == channel and entry.pricing.get(
        "contract_id") == getattr(ctx.contract, "pk", None)
    if entry is not None and entry.pk and entry.locked_at is None and not same_pool:
        # Only minutes held in the same pools come back; a different channel keeps them.
        held = (0, held[1])
    _, allowance_left, year, bank_left = _pools(ticket=ticket, channel=channel, kind=kind,
                                                ctx=ctx, bank=bank, lock=False, actor=None,
                                                held=held)
    return _price(ticket=ticket, channel=channel, kind=kind, started_at=started_at,
                  ended_at=ended_at, flat_fee=fee, ctx=ctx, allowance_left=allowance_left,
                  bank_left=bank_left, contract_year=year, given=given,
                  entry_pk=getattr(entry, "pk", None))


def _apply(entry: WorkEntry, priced: PricedEntry) -> None:
    entry.duration_minutes = priced.minutes
    entry.out_of_hours_minutes = min(priced.out_of_hours_minutes, priced.minutes)
    entry.is_emergency = priced.is_emergency
    entry.tariff_version_id = priced.tariff_version_id
    entry.billed_minutes = priced.billed_minutes
    entry.allowance_drawn_minutes = priced.allowance_drawn_minutes
    entry.bank_drawn_minutes = priced.bank_drawn_minutes
    entry.net_amount = priced.net_amount
    entry.pricing = priced.snapshot()


def _price_locked(*, entry: WorkEntry, bank, by,
                  given: dict[str, Decimal | None] | None = None) -> tuple[PricedEntry, Any]:
    """Price ``entry`` on the locked pools: (priced work, allowance balance row or None)."""
    ticket = entry.ticket
    ctx = _context(ticket=ticket, started_at=entry.started_at)
    balance, allowance_left, year, bank_left = _pools(
        ticket=ticket, channel=entry.channel, kind=entry.kind, ctx=ctx, bank=bank, lock=True,
        actor=by)
    priced = _price(ticket=ticket, channel=entry.channel, kind=entry.kind,
                    started_at=entry.started_at, ended_at=entry.ended_at,
                    flat_fee=entry.flat_fee, ctx=ctx, allowance_left=allowance_left,
                    bank_left=bank_left, contract_year=year, given=given,
                    entry_pk=entry.pk)
    return priced, balance


def _draw(*, entry: WorkEntry, priced: PricedEntry, balance, bank, by) -> None:
    """Post the draws of a saved entry to the ledgers (same transaction, pools locked)."""
    if priced.allowance_drawn_minutes:
        allowance_post(balance=balance, minutes=-priced.allowance_drawn_minutes,
                       reason=LedgerReason.DRAW, work_entry=entry, actor=by)
    if priced.bank_drawn_minutes:
        bank_post(bank=bank, minutes=-priced.bank_drawn_minutes, reason=LedgerReason.DRAW,
                  work_entry=entry, actor=by)


def _same_request(entry: WorkEntry, **values) -> bool:
    return all(getattr(entry, k) == v for k, v in values.items())


def work_entry_create(*, ticket, technician, channel: str, started_at: datetime,
                      ended_at: datetime, kind: str = WorkKind.SUPPORT, description: str = "",
                      flat_fee=None, by, idempotency_key: str | None = None,
                      confirm_overlap: bool = False, travel=None, lodging=None,
                      out_of_base_fee=None, visit=None) -> WorkEntry:
    """Record measured work (§8), priced and drawn from the ledgers, all or nothing.

    ``idempotency_key`` (a form token): a replay with the same values returns the first
    entry; the same key with different values is refused (docs/security.md #27).
    Work ending in the future is refused (``check_not_in_future``), and so is work that
    overlaps another entry of the technician, unless ``by`` is a manager who confirms it
    (``confirm_overlap``): docs/rules.md "Time is what was worked".
    On site at a customer out of town (§9) the entry books its out-of-base fee, travel for
    the round trip and lodging as expenses (``travel``, ``lodging``, ``out_of_base_fee``:
    amounts given instead of the tariff's proposal; 0 leaves one out; ``visit`` links them).
    """
    ensure_staff(by, ENTRY_ONLY_STAFF)
    ensure_staff(technician, ENTRY_TECHNICIAN_NOT_STAFF)
    channel = _check_choice(channel, Channel, ENTRY_BAD_CHANNEL)
    kind = _check_choice(kind, WorkKind, ENTRY_BAD_KIND)
    _check_span(started_at, ended_at)
    check_not_in_future(ended_at)
    fee = amount_or_none(flat_fee, ENTRY_BAD_FLAT_FEE)
    given = _given_costs(travel=travel, lodging=lodging, out_of_base_fee=out_of_base_fee)
    description = clean_text(description).strip()
    key = (clean_text(idempotency_key).strip()[:64] or None) if idempotency_key else None
    request = {"ticket_id": ticket.pk, "technician_id": technician.pk, "channel": channel,
               "kind": kind, "started_at": started_at, "ended_at": ended_at,
               "flat_fee": fee, "description": description}

    def run() -> WorkEntry:
        with transaction.atomic():
            bank = customer_lock(customer_id=ticket.customer_id)
            if key is not None:
                first = WorkEntry.objects.filter(idempotency_key=key).first()
                if first is not None:
                    if _same_request(first, **request):
                        return first
                    raise ApplicationError(ENTRY_IDEMPOTENCY_CONFLICT, code="idempotency")
            entry = WorkEntry(ticket=ticket, technician=technician, channel=channel, kind=kind,
                              started_at=started_at, ended_at=ended_at, flat_fee=fee,
                              description=description, idempotency_key=key)
            _lock_technician(technician)
            confirmed = _check_no_overlap(entry=entry, by=by, confirm_overlap=confirm_overlap)
            priced, balance = _price_locked(entry=entry, bank=bank, by=by, given=given)
            _apply(entry, priced)
            entry.full_clean(exclude=["idempotency_key"])
            entry._history_user = by
            entry.save()
            _draw(entry=entry, priced=priced, balance=balance, bank=bank, by=by)
            _book_out_of_town(entry=entry, priced=priced, by=by, visit=visit)
            _event(entry, by, overlap_confirmed=confirmed)
            return entry

    try:
        return with_lock_retry(run)
    except IntegrityError:
        # A concurrent replay of the same key won the insert: return its entry.
        if key is not None:
            first = WorkEntry.objects.filter(idempotency_key=key).first()
            if first is not None and _same_request(first, **request):
                return first
        raise


def _event(entry: WorkEntry, by, *, overlap_confirmed: int | None = None) -> None:
    data = {"entry": entry.pk, "minutes": entry.duration_minutes, "channel": entry.channel,
            "net_amount": str(entry.net_amount)}
    if overlap_confirmed is not None:
        data["overlap_confirmed_with"] = overlap_confirmed  # the manager is the actor
    TicketEvent.objects.create(
        ticket_id=entry.ticket_id, kind=TicketEvent.Kind.WORK_LOGGED, actor=by, data=data)


def work_entry_update(*, entry: WorkEntry, by, confirm_overlap: bool = False,
                      **changes) -> WorkEntry:
    """Change an unbilled entry: its previous draws are reversed and it is priced again, and
    its §9 costs are booked again in place of the unbilled ones (``travel`` / ``lodging``:
    amounts at cost, as on create).

    Called with no changes it only re-prices (e.g. after an emergency was accepted, §7).
    New times (or a new technician) may not end in the future nor overlap another entry of
    the technician, unless a manager confirms (``confirm_overlap``), as on create.
    """
    ensure_staff(by, ENTRY_ONLY_STAFF)
    # §9 travel and lodging at cost: a given amount replaces the one before; left out, the
    # entry keeps what it was given (and the tariff's proposal for the rest).
    given_now = {k: v for k, v in _given_costs(travel=changes.pop("travel", None),
                                               lodging=changes.pop("lodging", None)).items()
                 if v is not None}
    unknown = sorted(set(changes) - UPDATABLE_FIELDS)
    if unknown:
        raise ApplicationError(ENTRY_UNKNOWN_FIELD % {"fields": ", ".join(unknown)},
                               code="unknown_field")
    if "channel" in changes:
        changes["channel"] = _check_choice(changes["channel"], Channel, ENTRY_BAD_CHANNEL)
    if "kind" in changes:
        changes["kind"] = _check_choice(changes["kind"], WorkKind, ENTRY_BAD_KIND)
    if "flat_fee" in changes:
        changes["flat_fee"] = amount_or_none(changes["flat_fee"], ENTRY_BAD_FLAT_FEE)
    if "description" in changes:
        changes["description"] = clean_text(changes["description"]).strip()
    if "technician" in changes:
        ensure_staff(changes["technician"], ENTRY_TECHNICIAN_NOT_STAFF)

    def run() -> WorkEntry:
        with transaction.atomic():
            bank = customer_lock(customer_id=entry.ticket.customer_id)
            current = WorkEntry.objects.select_for_update().select_related("ticket").get(
                pk=entry.pk)
            if current.locked_at is not None:
                raise ApplicationError(ENTRY_LOCKED, code="locked")
            for name, value in changes.items():
                setattr(current, name, value)
            _check_span(current.started_at, current.ended_at)
            if changes.keys() & {"started_at", "ended_at", "technician"}:
                check_not_in_future(current.ended_at)
                _lock_technician(current.technician)
                _check_no_overlap(entry=current, by=by, confirm_overlap=confirm_overlap)
            ledgers_reverse_entry(work_entry=current, bank=bank, actor=by)
            priced, balance = _price_locked(entry=current, bank=bank, by=by,
                                            given={**_costs_given_before(current),
                                                   **given_now})
            _apply(current, priced)
            current.full_clean(exclude=["idempotency_key"])
            current._history_user = by
            current.save()
            _draw(entry=current, priced=priced, balance=balance, bank=bank, by=by)
            _book_out_of_town(entry=current, priced=priced, by=by)
            return current

    updated = with_lock_retry(run)
    for name in ("technician_id", "channel", "kind", "started_at", "ended_at", "description",
                 "flat_fee", "duration_minutes", "out_of_hours_minutes", "is_emergency",
                 "tariff_version_id", "billed_minutes", "allowance_drawn_minutes",
                 "bank_drawn_minutes", "net_amount", "pricing", "updated_at"):
        setattr(entry, name, getattr(updated, name))
    return updated


def work_entries_reprice(*, ticket_id: int, by) -> int:
    """Price a request's unbilled entries again, on the locked pools (their draws reversed
    and drawn again, their §9 costs booked again); returns how many. For a change of what
    prices them that is not an edit of the entries: a §10 agreement accepted. The caller
    has checked ``by`` may make that change (a customer accepting a quote is not staff)."""
    entries = list(WorkEntry.objects.filter(ticket_id=ticket_id, locked_at__isnull=True)
                   .order_by("started_at", "pk").values_list("pk", flat=True))
    if not entries:
        return 0
    with transaction.atomic():
        customer_id = WorkEntry.objects.filter(pk=entries[0]).values_list(
            "ticket__customer_id", flat=True).get()
        bank = customer_lock(customer_id=customer_id)
        count = 0
        for current in (WorkEntry.objects.select_for_update().select_related("ticket")
                        .filter(pk__in=entries, locked_at__isnull=True)
                        .order_by("started_at", "pk")):
            ledgers_reverse_entry(work_entry=current, bank=bank, actor=by)
            priced, balance = _price_locked(entry=current, bank=bank, by=by,
                                            given=_costs_given_before(current))
            _apply(current, priced)
            current._history_user = by
            current.save()
            _draw(entry=current, priced=priced, balance=balance, bank=bank, by=by)
            _book_out_of_town(entry=current, priced=priced, by=by)
            count += 1
    return count


def work_entry_delete(*, entry: WorkEntry, by) -> None:
    """Delete an unbilled entry; its draws go back to the allowance / bank (reversal rows)."""
    ensure_staff(by, ENTRY_ONLY_STAFF)

    def run() -> None:
        with transaction.atomic():
            bank = customer_lock(customer_id=entry.ticket.customer_id)
            current = WorkEntry.objects.select_for_update().filter(pk=entry.pk).first()
            if current is None:
                return
            if current.locked_at is not None:
                raise ApplicationError(ENTRY_LOCKED, code="locked")
            if current.statement_lines.exists():
                raise ApplicationError(ENTRY_ON_STATEMENT, code="on_statement")
            ledgers_reverse_entry(work_entry=current, bank=bank, actor=by)
            for expense in Expense.objects.filter(work_entry=current, locked_at__isnull=True):
                expense._history_user = by
                expense.delete()  # its §9 costs go with it (billed ones stay)
            current._history_user = by
            current.delete()

    with_lock_retry(run)


# --------------------------------------------------------------------------- expenses


def expense_create(*, ticket, kind: str, amount=None, incurred_on: date, description: str = "",
                   visit=None, by) -> Expense:
    """An expense re-billed at cost (§5, §9). The out-of-base fee defaults to the tariff's
    (the rules engine's ``expense_default_amount``); an expense at cost needs its amount."""
    ensure_staff(by, EXPENSE_ONLY_STAFF)
    ensure_dates_in_range(incurred_on)  # before the tariff is looked up or a row written (#43)
    kind = _check_choice(kind, Expense.Kind, EXPENSE_BAD_KIND)
    value = amount_or_none(amount, EXPENSE_BAD_AMOUNT)
    if value is None:
        if ExpenseKind(kind).is_at_cost:
            raise ApplicationError(EXPENSE_BAD_AMOUNT, code="bad_amount")
        contract = contract_in_force(customer_id=ticket.customer_id, day=incurred_on)
        value = expense_default_amount(kind, tariff=tariff_to_domain(
            tariff_version_for(contract=contract, day=incurred_on)))
    if visit is not None and visit.ticket_id != ticket.pk:
        raise ApplicationError(EXPENSE_VISIT_OTHER_TICKET, code="visit_ticket")
    with transaction.atomic():
        expense = Expense(ticket=ticket, visit=visit, kind=kind, amount=value,
                          incurred_on=incurred_on,
                          description=clean_text(description).strip()[:200], created_by=by)
        expense.full_clean()
        expense._history_user = by
        expense.save()
    return expense


def expense_delete(*, expense: Expense, by) -> None:
    ensure_staff(by, EXPENSE_ONLY_STAFF)
    with transaction.atomic():
        current = Expense.objects.select_for_update().filter(pk=expense.pk).first()
        if current is None:
            return
        if current.locked_at is not None or current.statement_lines.exists():
            raise ApplicationError(EXPENSE_LOCKED, code="locked")
        current._history_user = by
        current.delete()
