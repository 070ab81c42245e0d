"""Statements (§3-§5, §9, §10): the billing run, credits, contract fees, prepaid hours.

* **Numbers** are sequential per series and year without gaps: the next number is taken
  from a locked ``StatementCounter`` row in the same transaction as the statement insert,
  so a rolled-back issue gives its number back.
* **The run** bills the unbilled work entries and expenses of the period (cut in
  Europe/Athens local time: an entry at 23:30 local on the 31st belongs to that month), one
  statement per customer, its lines grouped by ticket. Customers are billed in batches, one
  transaction each, with work bounded by set-based SQL, not by the entries: the batch's
  per-customer locks in one ``SELECT ... FOR UPDATE`` (in customer order, as every run
  takes them, so runs never deadlock), its expenses and the §10 checks (few rows); then,
  on PostgreSQL (``set_based``, ``SQL_BATCH`` customers), the draft statements and one
  statement that claims the entries (``UPDATE ... RETURNING``) and inserts their lines
  built in SQL from each entry's stored pricing snapshot, returning the net per VAT rate
  for the totals; on SQLite (``BATCH`` customers) the entries read in one query as plain
  values, their lines built in Python (``_work_lines``, the definition both follow), the
  entries locked with one ``UPDATE`` by primary key and the lines written after the
  drafts. Only then are the batch's numbers taken from the counter in one ``UPDATE`` (its
  row stays locked until the commit) and the statements issued, with their history. Two
  runs at once queue on the locks and the second finds nothing left; the UNIQUE
  constraints on ``StatementLine.work_entry`` / ``expense`` are the last guard. Rerunning
  a period bills nothing twice; a failed batch rolls back whole, numbers included.
* **Corrections** are credit statements that reference the original; an issued statement
  is never edited. Credited entries are released so they can be corrected and billed again.
* **Out-of-scope work (§10)** is billed only under its request's accepted agreement: its
  entries as the agreement priced them (hours at the agreed rate, or 0,00 lines under a
  fixed amount) and a fixed amount as one line, once, on the first statement after the
  acceptance (``StatementLine.quote``, UNIQUE while not credited), whatever time was
  logged. Without an accepted agreement the request's work and expenses are held and the
  run records why (``waiting_quote``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import groupby
from typing import NamedTuple

from django.conf import settings as django_settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.accounts.models import User
from supportdesk.agreements.models import Quote
from supportdesk.agreements.selectors import agreements_accepted
from supportdesk.billing.models import (
    BillingRun,
    BillingSettings,
    Statement,
    StatementCounter,
    StatementLine,
)
from supportdesk.billing.selectors import billing_settings, billing_timezone, period_bounds
from supportdesk.billing.services import set_based
from supportdesk.common.dates import ensure_dates_in_range
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import ensure_manager
from supportdesk.common.text import clean_text
from supportdesk.common.transactions import with_lock_retry
from supportdesk.contracts.selectors import (
    tariff_to_domain,
    tariff_version_in_force,
)
from supportdesk.customers.models import Customer
from supportdesk.domain.pricing import price_agreement, price_expense, statement_totals
from supportdesk.entitlements.models import HourBank, LedgerReason
from supportdesk.entitlements.services import bank_post, customer_lock
from supportdesk.notifications.announcements import Announcement, Happening, announce_all
from supportdesk.notifications.events import Event
from supportdesk.notifications.services import notify
from supportdesk.tickets.models import Ticket
from supportdesk.worklog.models import Expense, WorkEntry

RUN_ONLY_MANAGERS = _("Only managers run billing, issue statements and credits.")
RUN_BAD_PERIOD = _("The period must end on or after the day it starts.")
RUN_PERIOD_TOO_LONG = _("A billing period cannot be longer than one year.")
CREDIT_NEEDS_REASON = _("A credit statement needs a reason.")
CREDIT_NOT_ALLOWED = _("Only an issued or paid statement can be credited.")
CREDIT_NOTHING_LEFT = _("Nothing is left to credit on this statement.")
PAID_NOT_ALLOWED = _("Only an issued statement can be marked as paid.")
MARK_INVALID = _("The ΜΑΡΚ is the number myDATA returned: digits only, up to 20.")
STATEMENT_CUSTOMER_NO_TAX_NUMBER = _("The customer has no tax number (ΑΦΜ).")
EINVOICE_READ_ONLY = _("This statement is registered as an e-invoice (ΜΑΡΚ %(mark)s) and "
                       "can no longer be changed: correct it with a credit statement.")
MARK_FROM_PROVIDER = _("An e-invoicing provider is configured: the ΜΑΡΚ comes from the "
                       "provider and is not typed in.")
EINVOICE_OTHER_MARK = _("This statement is already registered with another ΜΑΡΚ.")
EINVOICE_NOT_ISSUED = _("Only an issued statement can be sent as an e-invoice.")

CHUNK = 500  # customers chosen per candidate query
# Customers billed per transaction (bounds memory and how long locks are held): fewer where
# the work lines are built in Python, more where SQL builds them (memory stays flat).
BATCH = 50
SQL_BATCH = 250
# PostgreSQL builds a batch's work lines in SQL (``set_based``); SQLite, or this set to
# False (the tests comparing the two paths), in Python.
SET_BASED = True


def _in_sql() -> bool:
    return SET_BASED and connection.vendor == "postgresql"


def next_number(*, series: str, year: int, count: int = 1) -> int:
    """The next gapless number of ``series`` in ``year``; call inside the issuing transaction.

    One ``UPDATE ... RETURNING`` both locks the counter row until commit and takes the
    number, so a rolled-back issue gives its number back. ``count`` > 1 takes that many
    consecutive numbers at once and returns the first.
    """
    table = StatementCounter._meta.db_table
    # The table name comes from the model's meta and every value is bound: no user input.
    where = "WHERE series = %s AND year = %s RETURNING last_number"
    sql = f"UPDATE {table} SET last_number = last_number + %s {where}"  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, [count, series, year])
        row = cursor.fetchone()
        if row is None:
            StatementCounter.objects.bulk_create(
                [StatementCounter(series=series, year=year)], ignore_conflicts=True)
            cursor.execute(sql, [count, series, year])
            row = cursor.fetchone()
    return row[0] - count + 1


def _dumps(data: dict) -> str:
    try:  # line data is plain str/int/bool/None: the C encoder, no Django encoder class
        return json.dumps(data)
    except TypeError:
        return json.dumps(data, cls=DjangoJSONEncoder)


_LINE_COLUMNS = ("statement_id", "position", "kind", "ticket_id", "work_entry_id",
                 "expense_id", "reverses_id", "credited_at", "description", "data", "channel",
                 "minutes", "net_amount", "vat_rate")


def _insert_lines(lines: list[StatementLine]) -> None:
    """Insert statement lines; on PostgreSQL with COPY (the billing run writes ~400,000 of
    them a month: COPY is several times faster than a multi-row INSERT built by the ORM).
    Constraint violations surface as Django's ``IntegrityError`` either way."""
    if connection.vendor != "postgresql" or len(lines) < 8:
        StatementLine.objects.bulk_create(lines, batch_size=1000)
        return
    table = StatementLine._meta.db_table
    with connection.cursor() as cursor, connection.wrap_database_errors, \
            cursor.cursor.copy(f"COPY {table} ({', '.join(_LINE_COLUMNS)}) FROM STDIN") as copy:
        for line in lines:
            copy.write_row((
                line.statement_id, line.position, line.kind, line.ticket_id,
                line.work_entry_id, line.expense_id, line.reverses_id, line.credited_at,
                line.description, _dumps(line.data), line.channel,
                line.minutes, line.net_amount, line.vat_rate,
            ))


def customer_snapshot(customer) -> dict:
    place = " ".join(x for x in (customer.postal_code, customer.city) if x)
    address = ", ".join(x for x in (customer.address, place) if x)
    return {"customer_name": customer.name, "customer_address": address[:320],
            "customer_tax_number": customer.tax_number,
            "customer_tax_office": customer.tax_office}


def _set_totals(statement: Statement, lines: Iterable, *, now: datetime, by,
                settings: BillingSettings, tz=None) -> None:
    """Fill in everything of an issued ``statement`` but its number: year, totals, VAT
    breakdown, issue and due dates, status (``lines`` have ``net_amount`` and ``vat_rate``)."""
    totals = statement_totals([(line.net_amount, line.vat_rate) for line in lines])
    local_today = timezone.localtime(now, tz or billing_timezone()).date()
    statement.year = local_today.year
    statement.net_total = totals.net
    statement.vat_total = totals.vat
    statement.total = totals.gross
    statement.vat_breakdown = [
        {"rate": str(rate), "net": str(totals.net_by_rate[rate]), "vat": str(vat)}
        for rate, vat in sorted(totals.vat_by_rate.items())
    ]
    statement.issued_at = now
    statement.created_by = by
    if statement.due_on is None:
        statement.due_on = local_today + timedelta(days=settings.payment_terms_days)
    # Nothing to pay (all included, or a credit) is settled at issue: never an overdue.
    if statement.total <= 0:
        statement.status = Statement.Status.PAID
        statement.paid_at = now
    else:
        statement.status = Statement.Status.ISSUED


def issue_statement(*, statement: Statement, lines: list[StatementLine], now: datetime, by,
           settings: BillingSettings, tz=None) -> Statement:
    """Number, total and save ``statement`` with ``lines`` (inside the caller's transaction)."""
    _set_totals(statement, lines, now=now, by=by, settings=settings, tz=tz)
    statement.number = next_number(series=statement.series, year=statement.year)
    statement._history_user = by
    statement.save()
    for position, line in enumerate(lines, start=1):
        line.statement = statement
        line.position = position
    _insert_lines(lines)
    statements_notify([statement])
    return statement


def statements_notify(statements: list[Statement]) -> None:
    """Tell each issued statement's customer (its active users: Event.STATEMENT_ISSUED,
    mandatory), in the issuing transaction; one query for the users of all of them."""
    issued = [s for s in statements if s.number is not None and s.status != Statement.Status.DRAFT]
    if not issued:
        return
    users_of: dict[int, list[User]] = defaultdict(list)
    for user in User.objects.filter(customer_id__in={s.customer_id for s in issued},
                                    role=User.Role.CUSTOMER, is_active=True).order_by("pk"):
        users_of[user.customer_id].append(user)
    site = django_settings.SUPPORTDESK_SITE_URL.rstrip("/")
    link = reverse("portal:statements")
    # One announcement for all of them: a run's thousands of statements are one read of
    # the webhook subscriptions, not one per statement.
    announce_all([Announcement(event=Happening.STATEMENT_ISSUED.value,
                               key=f"statement.issued:{s.pk}", customer_id=s.customer_id,
                               subject=s) for s in issued])
    for statement in issued:
        users = users_of.get(statement.customer_id)
        if not users:
            continue
        notify(event=Event.STATEMENT_ISSUED, users=users, key=f"statement_issued:{statement.pk}",
               template="billing/notifications/statement_issued",
               context={"statement": statement, "number": statement.display_number,
                        "customer_name": clean_text(statement.customer_name),
                        "issued_on": timezone.localtime(statement.issued_at).strftime("%d/%m/%Y"),
                        "due_on": statement.due_on.strftime("%d/%m/%Y") if statement.due_on
                        else "", "url": site + link,
                        "pdf_url": site + reverse("portal:statement_pdf", args=[statement.pk])},
               customer_id=statement.customer_id, link=link)


# --------------------------------------------------------------------------- lines


class _RunLine(NamedTuple):
    """A statement line the run writes, as its columns (no model instance: the run writes
    hundreds of thousands of them)."""

    kind: str
    ticket_id: int
    work_entry_id: int | None
    expense_id: int | None
    description: str
    data: dict
    channel: str
    minutes: int
    net_amount: Decimal
    vat_rate: Decimal
    quote_id: int | None = None  # a §10 fixed-amount agreement (few: written by the ORM)


# COPY's text format: these characters are written backslash-escaped, NULL as \N.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n",
                               "\v": "\\v", "\f": "\\f", "\r": "\\r"})


def _copy_field(value) -> str:
    return "\\N" if value is None else str(value).translate(_COPY_ESCAPES)


def _write_run_lines(rows: list[tuple[int, int, _RunLine]]) -> None:
    """Insert ``(statement_id, position, line)`` rows: on PostgreSQL one COPY, its text
    written here in one piece (a row at a time through the driver costs several times
    more), ``bulk_create`` elsewhere."""
    if connection.vendor != "postgresql":
        StatementLine.objects.bulk_create(
            [StatementLine(statement_id=statement_id, position=position, **line._asdict())
             for statement_id, position, line in rows], batch_size=1000)
        return
    table = StatementLine._meta.db_table
    encoded: dict[int, str] = {}  # an entry's lines share one data dict: encode it once
    text = "".join(
        "\t".join((
            str(statement_id), str(position), line.kind, str(line.ticket_id),
            _copy_field(line.work_entry_id), _copy_field(line.expense_id), "\\N", "\\N",
            _copy_field(line.description),
            encoded.get(id(line.data)) or encoded.setdefault(
                id(line.data), _copy_field(_dumps(line.data))),
            _copy_field(line.channel), str(line.minutes), str(line.net_amount),
            str(line.vat_rate),
        )) + "\n"
        for statement_id, position, line in rows)
    with connection.cursor() as cursor, connection.wrap_database_errors, \
            cursor.cursor.copy(f"COPY {table} ({', '.join(_LINE_COLUMNS)}) FROM STDIN") as copy:
        copy.write(text.encode())


class _Net(NamedTuple):
    """A statement's net of one VAT rate (what ``_set_totals`` reads of a line)."""

    net_amount: Decimal
    vat_rate: Decimal


@dataclass(slots=True)
class _EntryRow:
    """The columns of a work entry the statement needs (no model instances: the run reads
    hundreds of thousands of them)."""

    pk: int
    ticket_id: int
    ticket_subject: str
    channel: str
    started_at: datetime
    ended_at: datetime
    duration_minutes: int
    out_of_hours_minutes: int
    is_emergency: bool
    technician: str
    pricing: dict
    net_amount: Decimal

    @property
    def ticket_reference(self) -> str:
        return f"#{self.ticket_id:06d}"


# Read for a batch of customers: the customer first, then what ``_EntryRow`` needs.
_ENTRY_COLUMNS = ("ticket__customer_id", "pk", "ticket_id", "ticket__subject", "channel",
                  "started_at", "ended_at", "duration_minutes", "out_of_hours_minutes",
                  "is_emergency", "technician_id", "pricing", "net_amount",
                  "ticket__category")
_KINDS = {"work": StatementLine.Kind.WORK, "flat_fee": StatementLine.Kind.FLAT_FEE,
          "surcharge": StatementLine.Kind.SURCHARGE}


def _work_lines(entry: _EntryRow) -> list[_RunLine]:
    """One work (or flat-fee) line per entry and VAT rate, plus its surcharge line (§7).

    The lines' net amounts sum to ``entry.net_amount`` exactly: they are the stored
    pricing lines of the rules engine, regrouped, never re-priced.
    """
    groups: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    minutes: dict[tuple[str, str], int] = defaultdict(int)
    pricing = entry.pricing or {}
    detail = {"included": 0, "allowance": 0, "bank": 0, "billed": 0, "agreed": 0}
    rate = None
    for line in pricing.get("lines", []):
        kind = line["kind"]
        group = "surcharge" if kind == "surcharge" else (
            "flat_fee" if kind == "flat_fee" else "work")
        key = (group, line["vat_rate"])
        groups[key] += Decimal(line["amount"])
        if group != "surcharge":
            minutes[key] += int(line.get("minutes") or 0)
        if kind in ("allowance", "bank"):
            detail[kind] += int(line.get("drawn_minutes") or 0)
        elif kind in detail:
            detail[kind] += int(line.get("minutes") or 0)
        if line.get("rate_per_hour"):
            rate = line["rate_per_hour"]
    base = {
        "entry": entry.pk, "started_at": entry.started_at.isoformat(),
        "ended_at": entry.ended_at.isoformat(), "duration": entry.duration_minutes,
        "out_of_hours": entry.out_of_hours_minutes, "emergency": entry.is_emergency,
        "technician": entry.technician, "rate": rate, "tier": pricing.get("tier"), **detail,
    }
    subject = f"{entry.ticket_reference} {entry.ticket_subject}"[:300]
    result = []
    named = False
    for (group, vat_rate), amount in sorted(groups.items()):
        # Only the first billing line of the entry names it (the "billed once" guard).
        names_entry = group != "surcharge" and not named
        named = named or names_entry
        result.append(_RunLine(
            kind=_KINDS[group], ticket_id=entry.ticket_id,
            work_entry_id=entry.pk if names_entry else None, expense_id=None,
            description=subject, data=base, channel=entry.channel,
            minutes=minutes[(group, vat_rate)] if group != "surcharge"
            else entry.out_of_hours_minutes,
            net_amount=amount, vat_rate=Decimal(vat_rate),
        ))
    return result


def _expense_line(expense, tariff) -> _RunLine:
    # Every kind, the §9 out-of-base fee too, is priced by the rules engine.
    priced = price_expense(expense.kind, expense.amount, tariff=tariff, on=expense.incurred_on)
    return _RunLine(
        kind=StatementLine.Kind.EXPENSE, ticket_id=expense.ticket_id, work_entry_id=None,
        expense_id=expense.pk,
        description=(expense.description or f"{expense.ticket.reference}")[:300],
        data={"expense_kind": expense.kind, "incurred_on": expense.incurred_on.isoformat(),
              "ticket_ref": expense.ticket.reference},
        channel="", minutes=0, net_amount=priced.amount, vat_rate=priced.vat_rate,
    )


# --------------------------------------------------------------------------- the run


@dataclass
class _CustomerResult:
    statement: Statement | None
    notes: list[dict]


@dataclass
class _RunContext:
    """What every customer of one run shares (read once, not once per customer)."""

    start: datetime
    end: datetime
    period_start: date
    period_end: date
    run: BillingRun | None
    by: object
    now: datetime
    settings: BillingSettings
    tz: object
    technicians: dict[int, str]
    tariffs: dict[date, object]
    with_expenses: set[int]
    agreed_earlier: list[int]  # out-of-scope tickets whose earlier held work is due now

    def technician_name(self, user_id: int) -> str:
        name = self.technicians.get(user_id)
        if name is None:
            user = User.objects.only("first_name", "last_name", "username").get(pk=user_id)
            name = self.technicians[user_id] = user.get_full_name() or user.get_username()
        return name

    def tariff_on(self, day: date):
        if day not in self.tariffs:
            self.tariffs[day] = tariff_to_domain(tariff_version_in_force(day))
        return self.tariffs[day]


def _unbilled_entries(ctx: _RunContext):
    """The period's unbilled entries, and those held earlier on an out-of-scope request
    whose agreement is accepted now (§10: they are billed by the next run)."""
    found = Q(started_at__gte=ctx.start, started_at__lt=ctx.end)
    if ctx.agreed_earlier:
        found |= Q(ticket_id__in=ctx.agreed_earlier, started_at__lt=ctx.start)
    return WorkEntry.objects.filter(found, locked_at__isnull=True)


def _unbilled_expenses(ctx: _RunContext):
    found = Q(incurred_on__gte=ctx.period_start, incurred_on__lte=ctx.period_end)
    if ctx.agreed_earlier:
        found |= Q(ticket_id__in=ctx.agreed_earlier, incurred_on__lt=ctx.period_start)
    return Expense.objects.filter(found, locked_at__isnull=True)


def _agreed_out_of_scope_tickets(now: datetime) -> list[int]:
    """Out-of-scope requests with an agreement accepted before the run (few)."""
    return sorted(set(Quote.objects.filter(
        status=Quote.Status.ACCEPTED, decided_at__lte=now,
        ticket__category__in=Ticket.OUT_OF_SCOPE_CATEGORIES).values_list("ticket_id", flat=True)))


def _candidate_customers(ctx: _RunContext, customer_id: int | None, after: int,
                         limit: int) -> list[int]:
    entries = _unbilled_entries(ctx).filter(ticket__customer_id__gt=after)
    expenses = _unbilled_expenses(ctx).filter(ticket__customer_id__gt=after)
    if customer_id is not None:
        entries = entries.filter(ticket__customer_id=customer_id)
        expenses = expenses.filter(ticket__customer_id=customer_id)
    ids = set(entries.order_by("ticket__customer_id").values_list(
        "ticket__customer_id", flat=True).distinct()[:limit])
    with_expenses = set(expenses.order_by("ticket__customer_id").values_list(
        "ticket__customer_id", flat=True).distinct()[:limit])
    agreed = _fixed_agreements_unbilled(ctx).filter(ticket__customer_id__gt=after)
    if customer_id is not None:
        agreed = agreed.filter(ticket__customer_id=customer_id)
    with_agreements = set(agreed.order_by("ticket__customer_id").values_list(
        "ticket__customer_id", flat=True).distinct()[:limit])
    chosen = sorted(ids | with_expenses | with_agreements)[:limit]
    ctx.with_expenses = with_expenses
    return chosen


def _fixed_agreements_unbilled(ctx: _RunContext):
    return (Quote.objects.filter(kind=Quote.Kind.FIXED, status=Quote.Status.ACCEPTED,
                                 decided_at__lte=ctx.now)
            .exclude(Exists(StatementLine.objects.filter(quote=OuterRef("pk"),
                                                         credited_at__isnull=True))))


def _agreements_due(customer_ids: Iterable[int], ctx: _RunContext) -> dict[int, list[Quote]]:
    """Accepted fixed-amount agreements (§10) accepted before the run and not yet on a
    statement (or credited since), by customer: the amount is on the next statement."""
    due: dict[int, list[Quote]] = defaultdict(list)
    for quote in (_fixed_agreements_unbilled(ctx)
                  .filter(ticket__customer_id__in=list(customer_ids))
                  .select_related("ticket").order_by("ticket_id", "pk")):
        due[quote.ticket.customer_id].append(quote)
    return due


def _agreement_line(quote: Quote, ctx: _RunContext) -> _RunLine:
    day = timezone.localtime(quote.decided_at, ctx.tz).date()
    priced = price_agreement(quote.as_agreement(), tariff=ctx.tariff_on(day), on=day)
    return _RunLine(
        kind=StatementLine.Kind.AGREEMENT, ticket_id=quote.ticket_id, work_entry_id=None,
        expense_id=None,
        description=f"{quote.ticket.reference} {quote.description}"[:300],
        data={"quote": quote.pk, "revision": quote.revision,
              "accepted_at": quote.decided_at.isoformat(),
              "ticket_ref": quote.ticket.reference},
        channel="", minutes=0, net_amount=priced.amount, vat_rate=priced.vat_rate,
        quote_id=quote.pk,
    )


def _held_out_of_scope(entries_of: dict[int, list], expenses_of: dict[int, list]
                       ) -> tuple[set[int], set[int]]:
    """§10: (out-of-scope tickets without an accepted agreement, ids of entries held).

    Their entries and expenses wait; so does an entry not priced by its request's accepted
    agreement (priced before it: billed once ``agreement_accept`` has priced it again)."""
    oos = {r[2] for rows_ in entries_of.values() for r in rows_
           if r[13] in Ticket.OUT_OF_SCOPE_CATEGORIES}
    oos |= {x.ticket_id for xs in expenses_of.values() for x in xs
            if x.ticket.category in Ticket.OUT_OF_SCOPE_CATEGORIES}
    if not oos:
        return set(), set()
    agreed = {ticket_id: quote.pk
              for ticket_id, quote in agreements_accepted(ticket_ids=oos).items()}
    held = {r[1] for rows_ in entries_of.values() for r in rows_
            if r[2] in oos and (r[2] not in agreed
                                or (r[11] or {}).get("agreement_id") != agreed[r[2]])}
    return oos - set(agreed), held


def _lock_entries(entry_ids: list[int], now: datetime) -> int:
    """``locked_at = now`` on those of ``entry_ids`` still unlocked, in one UPDATE; returns
    how many. (PostgreSQL gets the ids as one array, not thousands of parameters.)"""
    if connection.vendor != "postgresql":
        return sum(WorkEntry.objects.filter(pk__in=entry_ids[i:i + 10_000],
                                            locked_at__isnull=True).update(locked_at=now)
                   for i in range(0, len(entry_ids), 10_000))
    table = WorkEntry._meta.db_table
    # The table name comes from the model's meta and every value is bound: no user input.
    sql = (f"UPDATE {table} SET locked_at = %s "  # noqa: S608  # nosec B608
           "WHERE id = ANY(%s::bigint[]) AND locked_at IS NULL")
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, "{" + ",".join(map(str, entry_ids)) + "}"])
        return cursor.rowcount


def _bill_customers(*, customer_ids: list[int], ctx: _RunContext,
                    snapshots: dict[int, dict]) -> list[_CustomerResult]:
    """Bill a batch of customers (ascending ids) in one transaction, under their locks.

    One code path on both databases but for the work lines: on SQLite they are built here
    from the entries read (``_work_lines``); on PostgreSQL ``set_based`` claims the
    entries and builds the same lines in SQL, and only the out-of-scope requests' entries
    (the §10 check) are read. Everything else (holds, agreed amounts, expenses, totals,
    numbers, history, notifications) is done here for both.
    """
    in_sql = _in_sql()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A run is idempotent and re-runnable: it need not wait for each batch's WAL
            # flush. A crash may lose the last few committed batches (all of each or none,
            # counters included, so numbers stay gapless); rerunning bills them. The
            # batch's statements are few and over a few thousand rows each: compiling them
            # (JIT) costs more than it saves, and their sorts fit in memory.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
                cursor.execute("SET LOCAL jit = off")
                cursor.execute("SET LOCAL work_mem = '64MB'")
        # The per-customer locks (the customers' HourBank rows, created by the caller), in
        # id order as every run takes them; what is read below is read after them.
        list(HourBank.objects.select_for_update().filter(customer_id__in=customer_ids)
             .order_by("customer_id").values_list("pk", flat=True))
        rows = _unbilled_entries(ctx).filter(ticket__customer_id__in=customer_ids)
        if in_sql:  # the rest is claimed in SQL below
            rows = rows.filter(ticket__category__in=Ticket.OUT_OF_SCOPE_CATEGORIES)
        rows = (rows.order_by("ticket__customer_id", "ticket_id", "started_at", "id")
                .values_list(*_ENTRY_COLUMNS))
        entries_of = {cid: list(group) for cid, group in groupby(rows, key=lambda r: r[0])}
        expenses_of: dict[int, list] = defaultdict(list)
        if with_expenses := [cid for cid in customer_ids if cid in ctx.with_expenses]:
            for expense in (_unbilled_expenses(ctx).filter(ticket__customer_id__in=with_expenses)
                            .select_related("ticket")
                            .order_by("ticket__customer_id", "ticket_id", "incurred_on", "id")):
                expenses_of[expense.ticket.customer_id].append(expense)
        # §10: out-of-scope work waits for its accepted agreement; fixed amounts due.
        waiting, held_entries = _held_out_of_scope(entries_of, expenses_of)
        agreements_due = _agreements_due(customer_ids, ctx)
        to_bill: dict[int, int] = {}  # PostgreSQL: entries to bill per customer
        if in_sql:
            work = {"customer_ids": customer_ids, "tickets": set_based.tickets_of(customer_ids),
                    "start": ctx.start, "end": ctx.end,
                    "agreed_earlier": ctx.agreed_earlier,
                    "allowed": [r[1] for rows_ in entries_of.values() for r in rows_
                                if r[1] not in held_entries]}
            to_bill, technician_ids = set_based.work_to_bill(**work)

        results: list[_CustomerResult] = []
        billed: list[tuple[Statement, list[_RunLine]]] = []
        extra: list[tuple] = []  # PostgreSQL: the lines made here, with their sort keys
        entry_ids: list[int] = []
        expense_ids: list[int] = []
        for customer_id in customer_ids:
            customer_rows = entries_of.get(customer_id, [])
            expenses = expenses_of.get(customer_id, [])
            held_tickets = {r[2] for r in customer_rows if r[1] in held_entries} | (
                waiting & {x.ticket_id for x in expenses})
            notes = [{"key": "waiting_quote", "customer": customer_id, "ticket": ticket_id,
                      "entries": sum(1 for r in customer_rows
                                     if r[2] == ticket_id and r[1] in held_entries),
                      "expenses": sum(1 for x in expenses
                                      if x.ticket_id == ticket_id and ticket_id in waiting)}
                     for ticket_id in sorted(held_tickets)]
            if notes:
                customer_rows = [r for r in customer_rows if r[1] not in held_entries]
                expenses = [x for x in expenses if x.ticket_id not in waiting]
            due = agreements_due.get(customer_id, [])
            if not customer_rows and not expenses and not due and not to_bill.get(customer_id):
                results.append(_CustomerResult(None, notes))
                continue
            lines: list[_RunLine] = []
            if in_sql:  # the work lines are in SQL already: only the agreed amounts and
                # expenses, with the keys that place them among the work lines
                for quote in due:  # each inserted first (as below): the latest first
                    line = _agreement_line(quote, ctx)
                    lines.append(line)
                    extra.append((customer_id, 0, None, -quote.pk, line))
                for expense in expenses:
                    line = _expense_line(expense, ctx.tariff_on(expense.incurred_on))
                    lines.append(line)
                    extra.append((customer_id, 2, expense.incurred_on, expense.pk, line))
            else:
                by_ticket: dict[int, list] = defaultdict(list)
                for r in customer_rows:
                    by_ticket[r[2]].append(_EntryRow(
                        pk=r[1], ticket_id=r[2], ticket_subject=r[3], channel=r[4],
                        started_at=r[5], ended_at=r[6], duration_minutes=r[7],
                        out_of_hours_minutes=r[8], is_emergency=r[9],
                        technician=ctx.technician_name(r[10]), pricing=r[11],
                        net_amount=r[12]))
                for expense in expenses:
                    by_ticket[expense.ticket_id].append(expense)
                for quote in due:  # the agreed amount leads its request's lines
                    by_ticket[quote.ticket_id].insert(0, quote)
                for ticket_id in sorted(by_ticket):
                    for item in by_ticket[ticket_id]:
                        if isinstance(item, _EntryRow):
                            lines.extend(_work_lines(item))
                        elif isinstance(item, Quote):
                            lines.append(_agreement_line(item, ctx))
                        else:
                            lines.append(_expense_line(item, ctx.tariff_on(item.incurred_on)))
                entry_ids.extend(r[1] for r in customer_rows)
            snapshot = snapshots.get(customer_id) or customer_snapshot(
                Customer.objects.get(pk=customer_id))
            statement = Statement(
                kind=Statement.Kind.PERIOD, series=ctx.settings.statement_series,
                customer_id=customer_id, period_start=ctx.period_start,
                period_end=ctx.period_end, billing_run=ctx.run, **snapshot)
            statement._history_user = ctx.by
            billed.append((statement, lines))
            expense_ids.extend(x.pk for x in expenses)
            results.append(_CustomerResult(statement, notes))
        if not billed:
            return results

        if not in_sql:
            for statement, lines in billed:
                _set_totals(statement, lines, now=ctx.now, by=ctx.by, settings=ctx.settings,
                            tz=ctx.tz)

        # Lock exactly what is billed (by primary key, still unlocked: a count that does
        # not match means someone else billed them, and the batch is rolled back). The
        # PostgreSQL path claims its entries below, with the same check.
        locked = _lock_entries(entry_ids, ctx.now) if entry_ids else 0
        locked_expenses = 0
        if expense_ids:
            locked_expenses = Expense.objects.filter(
                pk__in=expense_ids, locked_at__isnull=True).update(locked_at=ctx.now)
        if locked != len(entry_ids) or locked_expenses != len(expense_ids):
            # Someone billed or added these meanwhile: roll the batch back (never twice).
            raise RuntimeError("work entries changed during the billing run")

        # The statements and their lines, first as drafts without a number: the counter
        # row, once taken, stays locked until the commit (other batches wait for it), so
        # everything that need not hold it comes before, the lines' deferred foreign-key
        # checks too.
        statements = [statement for statement, _ in billed]
        statuses = [statement.status for statement in statements]
        for statement in statements:
            statement.status = Statement.Status.DRAFT
            if in_sql:  # totalled once its lines are written (the same year then)
                statement.year = timezone.localtime(ctx.now, ctx.tz).year
        Statement.objects.bulk_create(statements)
        if in_sql:
            nets, claimed = set_based.claim_and_write(
                **work, now=ctx.now, statement_of={s.customer_id: s.pk for s in statements},
                technicians={i: ctx.technician_name(i) for i in sorted(technician_ids)},
                extra=extra)
            if claimed != sum(to_bill.values()):
                raise RuntimeError("work entries changed during the billing run")
            # The totals from each VAT rate's net (the sums of the lines: the one totals
            # function rounds them as it rounds the lines').
            for statement in statements:
                _set_totals(statement, [_Net(net, rate) for net, rate
                                        in nets.get(statement.customer_id, [])],
                            now=ctx.now, by=ctx.by, settings=ctx.settings, tz=ctx.tz)
            statuses = [statement.status for statement in statements]
        else:
            rows = [(statement.pk, position, line) for statement, lines in billed
                    for position, line in enumerate(lines, start=1)]
            _write_run_lines([row for row in rows if row[2].quote_id is None])
            if agreed := [row for row in rows if row[2].quote_id is not None]:
                # Few, and the only lines naming a quote: the ORM, not the COPY.
                StatementLine.objects.bulk_create([
                    StatementLine(statement_id=statement_id, position=position,
                                  **line._asdict())
                    for statement_id, position, line in agreed])
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # The batch's numbers in one step (consecutive, in customer order; one run's
        # statements share series and year), then issued, and their history.
        first = next_number(series=statements[0].series, year=statements[0].year,
                            count=len(statements))
        for offset, (statement, status) in enumerate(zip(statements, statuses, strict=True)):
            statement.number = first + offset
            statement.status = status
        if in_sql:
            set_based.issue(statements)
        else:
            Statement.objects.bulk_update(statements, ["number", "status"])
        Statement.history.bulk_history_create(statements, default_user=ctx.by)
        statements_notify(statements)
        return results


def billing_run(*, period_start: date, period_end: date, by=None, customer=None,
                now: datetime | None = None, workers: int = 1) -> BillingRun:
    """Bill the period for every customer (or one): idempotent and safe to run concurrently.

    ``by`` is the manager who started it, or ``None`` for the scheduled monthly task.
    Customers are read in chunks (keyset on the id) and billed in batches, so memory does
    not grow with them. ``workers`` > 1 bills the batches of a chunk in that many threads,
    each with its own database connection (PostgreSQL only; the per-customer locks and the
    counter row keep it exactly as safe as two runs started at once).
    """
    if by is not None:
        ensure_manager(by, RUN_ONLY_MANAGERS)
    # Before the BillingRun row: a refused period leaves nothing behind (#43).
    ensure_dates_in_range(period_start, period_end)
    if period_end < period_start:
        raise ApplicationError(RUN_BAD_PERIOD, code="bad_period")
    if (period_end - period_start).days > 366:
        raise ApplicationError(RUN_PERIOD_TOO_LONG, code="bad_period")
    now = now or timezone.now()
    tz = billing_timezone()
    start, end = period_bounds(period_start, period_end, tz)
    run = BillingRun.objects.create(period_start=period_start, period_end=period_end,
                                    customer=customer, started_by=by)
    ctx = _RunContext(start=start, end=end, period_start=period_start, period_end=period_end,
                      run=run, by=by, now=now, settings=billing_settings(), tz=tz,
                      technicians={}, tariffs={}, with_expenses=set(),
                      agreed_earlier=_agreed_out_of_scope_tickets(now))
    customer_id = customer.pk if customer is not None else None
    issued = seen = 0
    notes: list[dict] = []
    after = 0
    while True:
        ids = _candidate_customers(ctx, customer_id, after, CHUNK)
        if not ids:
            break
        # The per-customer lock rows and the customers' snapshots, once per chunk.
        HourBank.objects.bulk_create([HourBank(customer_id=i) for i in ids],
                                     ignore_conflicts=True)
        snapshots = {c.pk: customer_snapshot(c) for c in Customer.objects.filter(pk__in=ids)}

        def bill(part: list[int], *, in_thread: bool,
                 snapshots: dict = snapshots) -> list[_CustomerResult]:
            try:
                size = SQL_BATCH if _in_sql() else BATCH
                return [result for i in range(0, len(part), size)
                        for result in with_lock_retry(lambda i=i: _bill_customers(
                            customer_ids=part[i:i + size], ctx=ctx, snapshots=snapshots))]
            finally:
                if in_thread:
                    connection.close()

        if workers > 1 and connection.vendor == "postgresql" and len(ids) > 1:
            parts = [ids[i::workers] for i in range(workers)]
            with ThreadPoolExecutor(max_workers=workers) as pool:
                results = [r for part in pool.map(lambda p: bill(p, in_thread=True), parts)
                           for r in part]
        else:
            results = bill(ids, in_thread=False)
        for result in results:
            seen += 1
            notes.extend(result.notes)
            if result.statement is not None:
                issued += 1
        after = ids[-1]
    run.statements_issued = issued
    run.customers_seen = seen
    run.notes = notes
    run.finished_at = timezone.now()
    run.save(update_fields=["statements_issued", "customers_seen", "notes", "finished_at"])
    return run


# --------------------------------------------------------------------------- corrections


def statement_credit(*, statement: Statement, by, reason: str,
                     line_ids: Iterable[int] | None = None,
                     now: datetime | None = None) -> Statement:
    """Issue a credit statement reversing ``statement`` (all lines, or ``line_ids``).

    The original is never edited; its credited lines are marked and their work entries and
    expenses released (unlocked) so that they can be corrected and billed again. Crediting
    prepaid hours takes them back out of the bank (refused if they were already used).
    """
    ensure_manager(by, RUN_ONLY_MANAGERS)
    reason = clean_text(reason or "").strip()
    if not reason:
        raise ApplicationError(CREDIT_NEEDS_REASON, code="reason_required")
    now = now or timezone.now()
    settings = billing_settings()
    wanted = None if line_ids is None else {int(x) for x in line_ids}

    def run() -> Statement:
        with transaction.atomic():
            bank = customer_lock(customer_id=statement.customer_id)
            original = Statement.objects.select_for_update().get(pk=statement.pk)
            if original.kind == Statement.Kind.CREDIT or original.status not in (
                    Statement.Status.ISSUED, Statement.Status.PAID):
                raise ApplicationError(CREDIT_NOT_ALLOWED, code="not_creditable")
            open_lines = list(original.lines.filter(credited_at__isnull=True)
                              .exclude(kind=StatementLine.Kind.CREDIT).order_by("position"))
            chosen = open_lines if wanted is None else [x for x in open_lines if x.pk in wanted]
            entry_ids = {x.work_entry_id for x in chosen if x.work_entry_id}
            # A work line drags its surcharge line along (and the other way round).
            entry_ids |= {x.data.get("entry") for x in chosen
                          if x.kind == StatementLine.Kind.SURCHARGE and x.data.get("entry")}
            chosen = [x for x in open_lines if x in chosen or x.data.get("entry") in entry_ids]
            if not chosen:
                raise ApplicationError(CREDIT_NOTHING_LEFT, code="nothing_to_credit")
            for line in chosen:
                if line.kind == StatementLine.Kind.PREPAID and line.data.get("purchase"):
                    bank_post(bank=bank, minutes=-int(line.minutes),
                              reason=LedgerReason.REVERSAL, actor=by)
            credit = Statement(
                kind=Statement.Kind.CREDIT, series=settings.credit_series,
                customer_id=original.customer_id, credits=original,
                period_start=original.period_start, period_end=original.period_end,
                contract_id=original.contract_id, reason=reason,
                customer_name=original.customer_name,
                customer_address=original.customer_address,
                customer_tax_number=original.customer_tax_number,
                customer_tax_office=original.customer_tax_office,
            )
            credit_lines = [
                StatementLine(kind=StatementLine.Kind.CREDIT, ticket_id=line.ticket_id,
                              reverses=line, description=line.description,
                              data={**line.data, "credited_kind": line.kind},
                              channel=line.channel, minutes=line.minutes,
                              net_amount=-line.net_amount, vat_rate=line.vat_rate)
                for line in chosen
            ]
            issue_statement(statement=credit, lines=credit_lines, now=now, by=by, settings=settings)
            StatementLine.objects.filter(pk__in=[x.pk for x in chosen]).update(credited_at=now)
            WorkEntry.objects.filter(pk__in=[x.work_entry_id for x in chosen
                                             if x.work_entry_id]).update(locked_at=None)
            Expense.objects.filter(pk__in=[x.expense_id for x in chosen
                                           if x.expense_id]).update(locked_at=None)
            if not original.lines.filter(credited_at__isnull=True).exclude(
                    kind=StatementLine.Kind.CREDIT).exists():
                original.status = Statement.Status.CREDITED
                original._history_user = by
                original.save(update_fields=["status", "updated_at"])
            return credit

    return with_lock_retry(run)


def statement_mark_paid(*, statement: Statement, by, paid_at: datetime | None = None
                        ) -> Statement:
    ensure_manager(by, RUN_ONLY_MANAGERS)
    with transaction.atomic():
        current = Statement.objects.select_for_update().get(pk=statement.pk)
        if current.status != Statement.Status.ISSUED:
            raise ApplicationError(PAID_NOT_ALLOWED, code="not_payable")
        current.status = Statement.Status.PAID
        current.paid_at = paid_at or timezone.now()
        current._history_user = by
        current.save(update_fields=["status", "paid_at", "updated_at"])
    return current


def einvoice_provider_configured() -> bool:
    """Is an e-invoicing provider configured (``SUPPORTDESK_EINVOICE_PROVIDER_URL``)? Then
    the ΜΑΡΚ comes from it only (docs/einvoicing.md "Hand-off")."""
    return bool(getattr(django_settings, "SUPPORTDESK_EINVOICE_PROVIDER_URL", ""))


def ensure_not_registered(statement: Statement) -> None:
    """A registered e-invoice is read-only: what myDATA holds is what the statement says."""
    if statement.einvoice_status == Statement.EinvoiceStatus.REGISTERED:
        raise ApplicationError(EINVOICE_READ_ONLY % {"mark": statement.mark},
                               code="registered")


def _mark_checked(mark: str) -> str:
    mark = (mark or "").strip()
    if not mark.isdigit() or len(mark) > 20:
        raise ApplicationError(MARK_INVALID, code="bad_mark")
    return mark


def statement_set_mark(*, statement: Statement, mark: str, by) -> Statement:
    """Store the ΜΑΡΚ myDATA returned for the invoice issued from this statement, typed in
    by a manager: only where no e-invoicing provider is configured (otherwise the provider's
    answer is the one source) and never over a registration."""
    ensure_manager(by, RUN_ONLY_MANAGERS)
    if einvoice_provider_configured():
        raise ApplicationError(MARK_FROM_PROVIDER, code="provider")
    mark = _mark_checked(mark)
    with transaction.atomic():
        current = Statement.objects.select_for_update().get(pk=statement.pk)
        if current.status == Statement.Status.DRAFT:
            raise ApplicationError(PAID_NOT_ALLOWED, code="draft")
        ensure_not_registered(current)
        current.mark = mark
        current._history_user = by
        current.save(update_fields=["mark", "updated_at"])
    return current


# --------------------------------------------------------------------------- e-invoices


def statement_einvoice_status_set(*, statement_id: int, status: str) -> Statement:
    """Record where the statement's e-invoice is (sent, rejected, cancelled, back to not
    sent), for the billing pages; called by supportdesk.einvoicing in its own transaction
    (this takes the statement's row lock). A registered one changes only to cancelled."""
    status = Statement.EinvoiceStatus(status)
    if status == Statement.EinvoiceStatus.REGISTERED:
        raise ValueError("a registration is recorded by statement_record_registration")
    with transaction.atomic():
        current = Statement.objects.select_for_update().get(pk=statement_id)
        if current.status == Statement.Status.DRAFT:
            raise ApplicationError(EINVOICE_NOT_ISSUED, code="draft")
        if status != Statement.EinvoiceStatus.CANCELLED:
            ensure_not_registered(current)
        if current.einvoice_status != status:
            current.einvoice_status = status
            current.save(update_fields=["einvoice_status", "updated_at"])
    return current


def statement_record_registration(*, statement_id: int, mark: str, uid: str = "",
                                  authentication_code: str = "", qr_url: str = "",
                                  registered_at: datetime | None = None) -> Statement:
    """Store the provider's registration of the statement (ΜΑΡΚ, UID, authentication code,
    QR URL): from then on the statement is read-only. Recording the same ΜΑΡΚ again (a
    retried task) changes nothing; another ΜΑΡΚ over a registration is refused, so a
    statement is registered once."""
    mark = _mark_checked(mark)
    with transaction.atomic():
        current = Statement.objects.select_for_update().get(pk=statement_id)
        if current.status == Statement.Status.DRAFT:
            raise ApplicationError(EINVOICE_NOT_ISSUED, code="draft")
        if current.einvoice_status == Statement.EinvoiceStatus.REGISTERED:
            if current.mark == mark:
                return current
            raise ApplicationError(EINVOICE_OTHER_MARK, code="other_mark")
        current.mark = mark
        current.einvoice_status = Statement.EinvoiceStatus.REGISTERED
        current.einvoice_uid = (uid or "")[:100]
        current.einvoice_authentication_code = (authentication_code or "")[:200]
        # Printed as a QR code and shown as a link: an http(s) URL or nothing.
        qr_url = (qr_url or "").strip()
        current.einvoice_qr_url = qr_url[:500] if qr_url.lower().startswith(
            ("https://", "http://")) else ""
        current.einvoice_registered_at = registered_at or timezone.now()
        current.save(update_fields=["mark", "einvoice_status", "einvoice_uid",
                                    "einvoice_authentication_code", "einvoice_qr_url",
                                    "einvoice_registered_at", "updated_at"])
    return current
