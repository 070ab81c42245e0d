"""The §11 support hold: table tests of the decision and properties over random accounts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportdesk.domain.holds import (
    HoldReason,
    IssuedStatement,
    Override,
    OwedReason,
    hold_decision,
    overdue_statements,
    override_in_force,
)

D = Decimal
DUE = date(2026, 12, 31)  # a statement issued on 1 December with 30 days to pay
GRACE = 15


def statement(due_on=DUE, total="120.00", credited="0.00", kind="period", ref=None):
    return IssuedStatement(due_on=due_on, total=D(total), credited=D(credited), kind=kind,
                           ref=ref)


# (case, statements, overrides, today, grace, on hold, since, reasons, overdue refs)
CASES = [
    ("nothing issued", [], [], DUE, GRACE, False, None, ["nothing_overdue"], []),
    ("not due yet", [statement()], [], DUE, GRACE, False, None, ["nothing_overdue"], []),
    ("past due, first grace day", [statement()], [], DUE + timedelta(days=1), GRACE, False,
     None, ["within_grace"], []),
    ("last grace day", [statement()], [], date(2027, 1, 15), GRACE, False, None,
     ["within_grace"], []),
    ("the day after the grace days", [statement(ref=1)], [], date(2027, 1, 16), GRACE, True,
     date(2027, 1, 16), ["statement_overdue"], [1]),
    ("no grace days: the day after the due date", [statement(ref=1)], [],
     date(2027, 1, 1), 0, True, date(2027, 1, 1), ["statement_overdue"], [1]),
    ("fully credited", [statement(credited="120.00")], [], date(2027, 3, 1), GRACE, False,
     None, ["nothing_overdue"], []),
    ("partly credited: owed for the rest", [statement(credited="100.00", ref=1)], [],
     date(2027, 3, 1), GRACE, True, date(2027, 1, 16), ["statement_overdue"], [1]),
    ("a credit statement is never owed", [statement(total="50.00", kind="credit")], [],
     date(2027, 3, 1), GRACE, False, None, ["nothing_overdue"], []),
    ("nothing to pay", [statement(total="0.00")], [], date(2027, 3, 1), GRACE, False, None,
     ["nothing_overdue"], []),
    ("no due date", [statement(due_on=None)], [], date(2027, 3, 1), GRACE, False, None,
     ["nothing_overdue"], []),
    ("since: the oldest overdue statement",
     [statement(due_on=date(2027, 1, 31), ref=2), statement(ref=1)], [], date(2027, 2, 20),
     GRACE, True, date(2027, 1, 16), ["statement_overdue"], [1, 2]),
    ("one overdue, one within grace",
     [statement(ref=1), statement(due_on=date(2027, 1, 31), ref=2)], [], date(2027, 2, 1),
     GRACE, True, date(2027, 1, 16), ["statement_overdue"], [1]),
    ("an override lifts the hold", [statement(ref=1)], [Override(date(2027, 1, 31))],
     date(2027, 1, 20), GRACE, False, date(2027, 1, 16),
     ["statement_overdue", "override_in_force"], [1]),
    ("an override's last day", [statement(ref=1)], [Override(date(2027, 1, 31))],
     date(2027, 1, 31), GRACE, False, date(2027, 1, 16),
     ["statement_overdue", "override_in_force"], [1]),
    ("an ended override", [statement(ref=1)], [Override(date(2027, 1, 31))],
     date(2027, 2, 1), GRACE, True, date(2027, 1, 16), ["statement_overdue"], [1]),
    ("a revoked override", [statement(ref=1)], [Override(date(2027, 1, 31), True)],
     date(2027, 1, 20), GRACE, True, date(2027, 1, 16), ["statement_overdue"], [1]),
    ("an override with nothing overdue lifts nothing", [statement()],
     [Override(date(2027, 1, 31))], date(2027, 1, 10), GRACE, False, None,
     ["within_grace"], []),
    ("tuples in, as plain values", [(DUE, D("120.00"), D("0.00"), "period")],
     [(date(2027, 1, 10), False)], date(2027, 1, 20), GRACE, True, date(2027, 1, 16),
     ["statement_overdue"], [None]),
]


@pytest.mark.parametrize(
    ("statements", "overrides", "today", "grace", "on_hold", "since", "reasons", "refs"),
    [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_hold_decision(statements, overrides, today, grace, on_hold, since, reasons, refs):
    decision = hold_decision(statements, overrides, today=today, grace_days=grace)
    assert decision.is_on_hold is on_hold
    assert decision.since == since
    assert [str(r) for r in decision.reasons] == reasons
    assert [s.statement.ref for s in decision.overdue] == refs
    assert decision.grace_days == grace


def test_owed_statements_say_how_much_and_why():
    decision = hold_decision([statement(ref=1), statement(credited="100.00", ref=2)],
                             today=date(2027, 2, 1), grace_days=GRACE)
    assert [(s.statement.ref, s.owed, s.reason, s.overdue_from) for s in decision.overdue] == [
        (1, D("120.00"), OwedReason.UNPAID, date(2027, 1, 16)),
        (2, D("20.00"), OwedReason.PARTLY_CREDITED, date(2027, 1, 16)),
    ]
    assert decision.overdue_total == D("140.00")


def test_within_grace_lists_what_becomes_overdue_and_when():
    decision = hold_decision([statement(ref=1)], today=date(2027, 1, 5), grace_days=GRACE)
    assert [(s.statement.ref, s.overdue_from) for s in decision.within_grace] == [
        (1, date(2027, 1, 16))]
    assert decision.overdue == ()


def test_the_longest_override_in_force_is_reported():
    first = Override(date(2027, 1, 25), ref="a")
    longest = Override(date(2027, 2, 28), ref="b")
    revoked = Override(date(2027, 12, 31), is_revoked=True, ref="c")
    decision = hold_decision([statement()], [first, revoked, longest],
                             today=date(2027, 1, 20), grace_days=GRACE)
    assert decision.override is longest
    assert override_in_force([first, revoked], today=date(2027, 1, 26)) is None
    assert override_in_force([first, Override(date(2027, 1, 25), ref="d")],
                             today=date(2027, 1, 20)) is first


@pytest.mark.parametrize("grace", [-1, 1.5, True, "15"])
def test_bad_grace_days_are_refused(grace):
    with pytest.raises(ValueError, match="grace_days"):
        hold_decision([], today=DUE, grace_days=grace)


def test_amounts_must_be_decimals():
    with pytest.raises(TypeError):
        IssuedStatement(due_on=DUE, total=120.0)
    with pytest.raises(TypeError):
        IssuedStatement(due_on=DUE, total=D("NaN"))
    with pytest.raises(TypeError):
        IssuedStatement(due_on="2026-12-31", total=D("1"))


# --------------------------------------------------------------------------- properties

_days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
_amounts = st.decimals(min_value=D("-500"), max_value=D("500"), places=2)
_statements = st.builds(IssuedStatement, due_on=st.none() | _days, total=_amounts,
                        credited=st.decimals(min_value=D("0"), max_value=D("600"), places=2),
                        kind=st.sampled_from(["period", "contract_fee", "prepaid", "credit"]))
_overrides = st.builds(Override, until=_days, is_revoked=st.booleans())


def _owed_past_grace(s: IssuedStatement, today: date, grace: int) -> bool:
    """The rule as the terms state it, written independently of the module."""
    return (s.kind != "credit" and s.due_on is not None and s.total > 0
            and s.total - s.credited > 0 and (today - s.due_on).days > grace)


@given(st.lists(_statements, max_size=6), st.lists(_overrides, max_size=3), _days,
       st.integers(min_value=0, max_value=60))
def test_on_hold_exactly_when_something_is_owed_past_grace_and_no_override(
        statements, overrides, today, grace):
    decision = hold_decision(statements, overrides, today=today, grace_days=grace)
    owed = [s for s in statements if _owed_past_grace(s, today, grace)]
    lifting = [o for o in overrides if not o.is_revoked and o.until >= today]
    assert decision.is_on_hold == (bool(owed) and not lifting)
    assert sorted(map(id, (o.statement for o in decision.overdue))) == sorted(map(id, owed))
    assert (decision.override is not None) == (bool(owed) and bool(lifting))
    assert [o.statement.due_on for o in decision.overdue] == sorted(s.due_on for s in owed)
    if owed:
        assert decision.since == min(s.due_on for s in owed) + timedelta(days=grace + 1)
    assert decision.overdue == overdue_statements(statements, today=today, grace_days=grace)


@given(st.lists(_statements, min_size=1, max_size=6), _days,
       st.integers(min_value=0, max_value=60))
def test_a_hold_starts_on_since_and_lasts_while_nothing_is_paid(statements, today, grace):
    decision = hold_decision(statements, today=today, grace_days=grace)
    if not decision.is_on_hold:
        return
    day_before = hold_decision(statements, today=decision.since - timedelta(days=1),
                               grace_days=grace)
    assert not day_before.is_on_hold
    for later in (decision.since, today, today + timedelta(days=400)):
        again = hold_decision(statements, today=later, grace_days=grace)
        assert again.is_on_hold and again.since == decision.since


@given(st.lists(_statements, max_size=6), st.lists(_overrides, max_size=3), _days,
       st.integers(min_value=0, max_value=60), st.randoms(use_true_random=False))
def test_the_order_of_the_rows_does_not_matter(statements, overrides, today, grace, rnd):
    decision = hold_decision(statements, overrides, today=today, grace_days=grace)
    shuffled = list(statements)
    rnd.shuffle(shuffled)
    again = hold_decision(shuffled, overrides, today=today, grace_days=grace)
    assert (again.is_on_hold, again.since, again.reasons, again.overdue_total) == (
        decision.is_on_hold, decision.since, decision.reasons, decision.overdue_total)
    assert {HoldReason.STATEMENT_OVERDUE, HoldReason.WITHIN_GRACE,
            HoldReason.NOTHING_OVERDUE} & set(decision.reasons)
