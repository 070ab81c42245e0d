"""The support hold (§11): settling outstanding financial obligations is a prerequisite of
support, so a customer whose issued statement stays unpaid past its due date plus the grace
days is on hold, unless a manager's override is in force.

:func:`hold_decision` takes plain values (the customer's issued statements, the overrides,
today, the grace days) and returns a :class:`HoldDecision` with machine keys only; the
billing app gathers the rows and shows the decision.

Rules:

1. **Owed**: a statement counts when it is not itself a credit statement, has a due date and
   a positive total, and what is left after its credit statements (``total - credited``) is
   still positive. A partly credited statement is owed for the rest only.
2. **Overdue**: an owed statement is overdue from the day after its due date plus the grace
   days (``due_on + grace_days + 1``); on the last grace day the customer is not on hold yet.
   Before that, a statement past its due date is only *within grace*.
3. **On hold** from the first day any owed statement is overdue (``since``), as long as one is.
4. **Override**: an override lifts the hold while it is not revoked and ``today <= until``;
   of several, the one lasting longest is in force. An override only ever lifts a hold:
   when nothing is overdue there is nothing to lift and no override is reported.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "CREDIT_KIND",
    "HoldDecision",
    "HoldReason",
    "IssuedStatement",
    "Override",
    "OwedReason",
    "OwedStatement",
    "hold_decision",
    "overdue_statements",
    "override_in_force",
]

CREDIT_KIND = "credit"  # the kind of a credit statement (it reverses another, it is not owed)
_ZERO = Decimal("0.00")


class HoldReason(StrEnum):
    """Why the decision is what it is (stable machine keys, translated at display time)."""

    STATEMENT_OVERDUE = "statement_overdue"  # owed past its due date plus the grace days
    OVERRIDE_IN_FORCE = "override_in_force"  # ... but a manager's override lifts the hold
    WITHIN_GRACE = "within_grace"  # owed past its due date, the grace days not over yet
    NOTHING_OVERDUE = "nothing_overdue"


class OwedReason(StrEnum):
    """Why one statement is owed."""

    UNPAID = "unpaid"  # nothing of it was credited
    PARTLY_CREDITED = "partly_credited"  # credited in part: owed for the rest


@dataclass(frozen=True)
class IssuedStatement:
    """An issued, unpaid statement of the customer.

    Attributes:
        due_on: its due date (None: no due date, never overdue).
        total: its total with VAT, euros.
        credited: how much credit statements gave back on it (a positive amount).
        kind: the statement's kind; ``"credit"`` statements are never owed.
        ref: the caller's handle (e.g. the statement's id), carried through untouched.
    """

    due_on: date | None
    total: Decimal
    credited: Decimal = _ZERO
    kind: str = "period"
    ref: Hashable = None

    def __post_init__(self) -> None:
        for name in ("total", "credited"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite():
                raise TypeError(f"{name} must be a finite Decimal, got {value!r}")
        if self.due_on is not None and not isinstance(self.due_on, date):
            raise TypeError(f"due_on must be a date, got {self.due_on!r}")

    @property
    def owed(self) -> Decimal:
        return self.total - self.credited


@dataclass(frozen=True)
class Override:
    """A manager's override of the hold: serve the customer until ``until`` (inclusive)."""

    until: date
    is_revoked: bool = False
    ref: Hashable = None


@dataclass(frozen=True)
class OwedStatement:
    """An owed statement: what is left to pay, and from which day it puts the customer on
    hold (``overdue_from``)."""

    statement: IssuedStatement
    owed: Decimal
    overdue_from: date
    reason: OwedReason


@dataclass(frozen=True)
class HoldDecision:
    """The §11 decision for one customer on one day.

    Attributes:
        is_on_hold: a statement is overdue and no override is in force.
        reasons: machine keys, see :class:`HoldReason`.
        overdue: the overdue statements, by due date (listed under an override too).
        within_grace: statements past their due date whose grace days are not over.
        since: the first day of the hold (also while an override lifts it).
        override: the override in force that lifts the hold, if any.
        grace_days: the grace days the decision used.
    """

    is_on_hold: bool
    reasons: tuple[HoldReason, ...]
    overdue: tuple[OwedStatement, ...] = ()
    within_grace: tuple[OwedStatement, ...] = ()
    since: date | None = None
    override: Override | None = None
    grace_days: int = 0

    @property
    def overdue_total(self) -> Decimal:
        """What is owed on the overdue statements."""
        return sum((s.owed for s in self.overdue), _ZERO)


def _statement(value: IssuedStatement | tuple) -> IssuedStatement:
    """An :class:`IssuedStatement` from itself or a ``(due_on, total, credited, kind)`` tuple."""
    return value if isinstance(value, IssuedStatement) else IssuedStatement(*value)


def _override(value: Override | tuple) -> Override:
    """An :class:`Override` from itself or an ``(until, is_revoked)`` tuple."""
    return value if isinstance(value, Override) else Override(*value)


def _grace(grace_days: int) -> int:
    if isinstance(grace_days, bool) or not isinstance(grace_days, int) or grace_days < 0:
        raise ValueError(f"grace_days must be a non-negative whole number, got {grace_days!r}")
    return grace_days


def _owed(statements: Iterable[IssuedStatement | tuple], *, today: date, grace_days: int
          ) -> tuple[list[OwedStatement], list[OwedStatement]]:
    """(overdue, within grace), each by due date (stable for equal dates)."""
    overdue: list[OwedStatement] = []
    pending: list[OwedStatement] = []
    for statement in map(_statement, statements):
        if statement.kind == CREDIT_KIND or statement.due_on is None:
            continue
        if statement.total <= 0 or statement.owed <= 0:
            continue
        if statement.due_on >= today:  # not due yet
            continue
        reason = OwedReason.PARTLY_CREDITED if statement.credited else OwedReason.UNPAID
        owed = OwedStatement(statement=statement, owed=statement.owed, reason=reason,
                             overdue_from=statement.due_on + timedelta(days=grace_days + 1))
        (overdue if owed.overdue_from <= today else pending).append(owed)
    overdue.sort(key=lambda s: s.overdue_from)
    pending.sort(key=lambda s: s.overdue_from)
    return overdue, pending


def overdue_statements(statements: Iterable[IssuedStatement | tuple], *, today: date,
                       grace_days: int) -> tuple[OwedStatement, ...]:
    """The owed statements overdue on ``today`` (rules 1-2), by due date. An override can
    only matter when this is not empty."""
    return tuple(_owed(statements, today=today, grace_days=_grace(grace_days))[0])


def override_in_force(overrides: Iterable[Override | tuple], *, today: date
                      ) -> Override | None:
    """The override in force on ``today`` (rule 4): not revoked, lasting at least until today;
    of several, the one lasting longest (the first given of equals)."""
    best: Override | None = None
    for override in map(_override, overrides):
        if override.is_revoked or override.until < today:
            continue
        if best is None or override.until > best.until:
            best = override
    return best


def hold_decision(statements: Iterable[IssuedStatement | tuple],
                  overrides: Iterable[Override | tuple] = (), *, today: date,
                  grace_days: int) -> HoldDecision:
    """Whether the customer is on support hold on ``today`` (see the module's rules).

    ``statements`` are the customer's issued, unpaid statements as :class:`IssuedStatement`
    or ``(due_on, total, credited, kind)`` tuples; ``overrides`` as :class:`Override` or
    ``(until, is_revoked)`` tuples."""
    grace = _grace(grace_days)
    overdue, pending = _owed(statements, today=today, grace_days=grace)
    if not overdue:
        reason = HoldReason.WITHIN_GRACE if pending else HoldReason.NOTHING_OVERDUE
        return HoldDecision(is_on_hold=False, reasons=(reason,), within_grace=tuple(pending),
                            grace_days=grace)
    override = override_in_force(overrides, today=today)
    reasons = (HoldReason.STATEMENT_OVERDUE,)
    if override is not None:
        reasons += (HoldReason.OVERRIDE_IN_FORCE,)
    return HoldDecision(is_on_hold=override is None, reasons=reasons, overdue=tuple(overdue),
                        within_grace=tuple(pending), since=overdue[0].overdue_from,
                        override=override, grace_days=grace)
