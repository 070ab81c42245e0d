"""Reads of billing: hold state (§11), balances, statements, usage report.

Every balance shown is explained by its ledger; ``*_get_for_user`` raise Http404 for
another customer's rows (docs/security.md #1), so a guessed id reveals nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from supportdesk.billing.models import BillingSettings, HoldOverride, Statement
from supportdesk.common.choices import Channel
from supportdesk.common.permissions import is_vendor_staff
from supportdesk.common.text import fold
from supportdesk.contracts.selectors import (
    calendar_get_default,
    contract_in_force,
    contract_list_ending_between,
)
from supportdesk.domain.holds import (
    IssuedStatement,
    Override,
    hold_decision,
    overdue_statements,
)
from supportdesk.entitlements.selectors import Balances, customer_balances
from supportdesk.worklog.models import WorkEntry

RENEWAL_WINDOW_DAYS = 60
_NOTHING = Decimal("0.00")


# --------------------------------------------------------------------------- settings


def billing_settings() -> BillingSettings:
    """The single settings row, created with its defaults on first use."""
    row = BillingSettings.objects.filter(pk=1).first()
    if row is None:
        BillingSettings.objects.bulk_create([BillingSettings(pk=1)], ignore_conflicts=True)
        row = BillingSettings.objects.get(pk=1)
    return row


def billing_timezone():
    """Periods are cut in the vendor's local days (its working calendar's zone)."""
    return calendar_get_default().tz


def period_bounds(period_start: date, period_end: date, tz) -> tuple[datetime, datetime]:
    """[start, end) of a period of local days in ``tz`` (docs/security.md #36)."""
    start = datetime.combine(period_start, time(0), tzinfo=tz)
    end = datetime.combine(period_end + timedelta(days=1), time(0), tzinfo=tz)
    return start, end


# --------------------------------------------------------------------------- hold (§11)


@dataclass(frozen=True)
class HoldState:
    """§11 "settlement of outstanding financial obligations".

    ``is_on_hold``: an issued statement is unpaid past its due date plus the grace days and
    no override is in force. ``since``: the first day of the hold. ``override``: the
    override in force, if any (then ``is_on_hold`` is False but ``overdue_statements`` still
    lists what is owed). Decided by ``supportdesk.domain.holds.hold_decision``.
    """

    is_on_hold: bool
    overdue_statements: tuple[Statement, ...] = ()
    since: date | None = None
    override: HoldOverride | None = None
    grace_days: int = 0
    reasons: tuple[str, ...] = ()  # the decision's machine keys (``domain.holds.HoldReason``)

    @property
    def overdue_total(self) -> Decimal:
        return sum((s.total for s in self.overdue_statements), Decimal("0.00"))


def customer_hold_state(customer, today: date) -> HoldState:
    """Whether ``customer`` (a Customer or its id) is on support hold on ``today``: the rows
    are read here, the decision is the rules engine's (``domain.holds.hold_decision``)."""
    customer_id = getattr(customer, "pk", customer)
    grace = billing_settings().grace_days
    statements = {
        s.pk: s
        for s in Statement.objects.filter(customer_id=customer_id,
                                          status=Statement.Status.ISSUED)
        .annotate(credits_total=Sum("credit_statements__total"))
        .order_by("due_on", "pk")
    }
    issued = [
        # Credit statements carry negative totals: what they gave back is minus their sum.
        IssuedStatement(due_on=s.due_on, total=s.total, kind=s.kind, ref=s.pk,
                        credited=-s.credits_total if s.credits_total else _NOTHING)
        for s in statements.values()
    ]
    overrides = {}
    if overdue_statements(issued, today=today, grace_days=grace):  # else nothing to lift
        overrides = {
            o.pk: o
            for o in HoldOverride.objects.filter(customer_id=customer_id, until__gte=today)
            .select_related("created_by").order_by("-until", "pk")
        }
    decision = hold_decision(
        issued, [Override(until=o.until, is_revoked=o.revoked_at is not None, ref=o.pk)
                 for o in overrides.values()],
        today=today, grace_days=grace)
    return HoldState(
        is_on_hold=decision.is_on_hold,
        overdue_statements=tuple(statements[o.statement.ref] for o in decision.overdue),
        since=decision.since,
        override=overrides[decision.override.ref] if decision.override else None,
        grace_days=decision.grace_days,
        reasons=tuple(str(r) for r in decision.reasons),
    )


# --------------------------------------------------------------------------- balances


# --------------------------------------------------------------------------- statements


def statement_list(*, filters: dict | None = None) -> QuerySet[Statement]:
    """Staff list with simple filters: customer (id or folded name), status, kind, year."""
    filters = filters or {}
    qs = Statement.objects.select_related("customer").order_by("-issued_at", "-id")
    if filters.get("status") in Statement.Status.values:
        qs = qs.filter(status=filters["status"])
    if filters.get("kind") in Statement.Kind.values:
        qs = qs.filter(kind=filters["kind"])
    year = str(filters.get("year") or "")
    if year.isdigit() and len(year) == 4:
        qs = qs.filter(year=int(year))
    customer = str(filters.get("customer") or "").strip()
    if customer.isdigit():
        qs = qs.filter(customer_id=int(customer))
    elif customer:
        qs = qs.filter(customer__search_text__contains=fold(customer))
    period_start = filters.get("period_start")
    period_end = filters.get("period_end")
    if isinstance(period_start, date):
        qs = qs.filter(Q(period_end__gte=period_start) | Q(period_end__isnull=True))
    if isinstance(period_end, date):
        qs = qs.filter(Q(period_start__lte=period_end) | Q(period_start__isnull=True))
    return qs


def statement_get_for_user(*, user, statement_id: int) -> Statement:
    """Staff: any statement; a customer user: only their own customer's; else 404."""
    qs = Statement.objects.select_related("customer", "credits", "contract")
    if is_vendor_staff(user):
        pass
    elif getattr(user, "is_customer_user", False) and user.customer_id:
        qs = qs.filter(customer_id=user.customer_id).exclude(status=Statement.Status.DRAFT)
    else:
        raise Http404
    statement = qs.filter(pk=statement_id).first()
    if statement is None:
        raise Http404
    return statement


def statement_lines(statement: Statement):
    return statement.lines.select_related("ticket").order_by("position", "id")


def renewal_list(*, today: date, days: int = RENEWAL_WINDOW_DAYS):
    """Contracts ending in the next ``days`` days that were not renewed yet (§4)."""
    return contract_list_ending_between(today, today + timedelta(days=days))


# --------------------------------------------------------------------------- usage report


@dataclass(frozen=True)
class UsageRow:
    channel: str
    entries: int
    minutes: int
    billed_minutes: int
    net_amount: Decimal


@dataclass(frozen=True)
class UsageReport:
    customer: object
    period_start: date
    period_end: date
    rows: tuple[UsageRow, ...]
    contract: object | None
    balances: Balances

    @property
    def total_minutes(self) -> int:
        return sum(r.minutes for r in self.rows)

    @property
    def total_net(self) -> Decimal:
        return sum((r.net_amount for r in self.rows), Decimal("0.00"))


def usage_report(*, customer, period_start: date, period_end: date) -> UsageReport:
    """Hours by channel in the period (local days), allowance used/left, bank left."""

    start, end = period_bounds(period_start, period_end, billing_timezone())
    agg = {
        r["channel"]: r
        for r in WorkEntry.objects.filter(ticket__customer_id=customer.pk,
                                          started_at__gte=start, started_at__lt=end)
        .values("channel").annotate(n=Count("id"), m=Sum("duration_minutes"),
                                    b=Sum("billed_minutes"), a=Sum("net_amount"))
    }
    rows = tuple(
        UsageRow(channel=c, entries=agg.get(c, {}).get("n") or 0,
                 minutes=agg.get(c, {}).get("m") or 0,
                 billed_minutes=agg.get(c, {}).get("b") or 0,
                 net_amount=agg.get(c, {}).get("a") or Decimal("0.00"))
        for c in Channel.values
    )
    contract = contract_in_force(customer_id=customer.pk, day=period_end)
    return UsageReport(customer=customer, period_start=period_start, period_end=period_end,
                       rows=rows, contract=contract,
                       balances=customer_balances(customer_id=customer.pk, contract=contract))
