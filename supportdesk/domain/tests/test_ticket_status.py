"""Ticket statuses: the transition table, the open and clock-paused sets, replies."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportdesk.domain.ticket_status import (
    CLOCK_PAUSED_STATUSES,
    CLOSED_STATUSES,
    INITIAL_STATUS,
    OPEN_STATUSES,
    TRANSITIONS,
    TicketStatus,
    can_move,
    is_clock_paused,
    is_open,
    next_statuses,
    status_after_reply,
)

N, OP, W, R, C = "new", "open", "waiting_customer", "resolved", "closed"

# The whole table, written out: (from, to) -> allowed.
ALLOWED = {
    (N, OP), (N, W), (N, R), (N, C),
    (OP, W), (OP, R), (OP, C),
    (W, OP), (W, R), (W, C),
    (R, OP), (R, C),
    (C, OP),
}
ALL = [N, OP, W, R, C]


@pytest.mark.parametrize(("old", "new"), [(a, b) for a in ALL for b in ALL])
def test_transition_table(old, new):
    assert can_move(old, new) is ((old, new) in ALLOWED)


@pytest.mark.parametrize(
    ("status", "expected"),
    [(N, (OP, W, R, C)), (OP, (W, R, C)), (W, (OP, R, C)), (R, (OP, C)), (C, (OP,))],
)
def test_next_statuses_in_display_order(status, expected):
    assert next_statuses(status) == expected


def test_the_sets():
    assert [s.value for s in TicketStatus] == ALL
    assert INITIAL_STATUS == N
    # the order of the partial indexes' predicates
    assert OPEN_STATUSES == (N, OP, W)
    assert CLOSED_STATUSES == (R, C)
    assert set(OPEN_STATUSES) | set(CLOSED_STATUSES) == set(ALL)
    assert not set(OPEN_STATUSES) & set(CLOSED_STATUSES)
    assert frozenset({W}) == CLOCK_PAUSED_STATUSES
    assert [s for s in ALL if is_open(s)] == [N, OP, W]
    assert [s for s in ALL if is_clock_paused(s)] == [W]
    assert set(TRANSITIONS) == set(ALL)
    assert all(type(s) is str for s in (*OPEN_STATUSES, *CLOSED_STATUSES,
                                        *CLOCK_PAUSED_STATUSES, *TRANSITIONS))


def test_the_table_cannot_be_changed_by_a_caller():
    with pytest.raises(TypeError):
        TRANSITIONS[C] = frozenset({N})  # type: ignore[index]


@pytest.mark.parametrize(
    ("status", "by_staff", "is_internal", "expected"),
    [
        (N, True, False, OP),  # the first public staff reply opens the request
        (N, True, True, N),  # an internal note changes nothing
        (W, True, False, W),
        (R, True, False, R),
        (W, False, False, OP),  # a customer's reply reopens a request waiting on them
        (R, False, False, OP),  # ... or resolved
        (N, False, False, N),
        (OP, False, False, OP),
        (C, False, False, C),  # (the desk refuses a customer's reply on a closed request)
    ],
)
def test_status_after_reply(status, by_staff, is_internal, expected):
    assert status_after_reply(status, by_staff=by_staff, is_internal=is_internal) == expected


@pytest.mark.parametrize("call", [
    lambda: can_move("gone", OP), lambda: can_move(OP, "gone"), lambda: next_statuses(""),
    lambda: is_open("OPEN"), lambda: is_clock_paused("paused"),
    lambda: status_after_reply("x", by_staff=True),
])
def test_unknown_statuses_are_refused(call):
    with pytest.raises(ValueError, match="unknown ticket status"):
        call()


@given(st.lists(st.sampled_from(ALL), max_size=12))
def test_a_walk_through_the_table_never_returns_to_new_and_can_always_go_on(moves):
    status = INITIAL_STATUS
    for wanted in moves:
        if can_move(status, wanted):
            status = wanted
        assert next_statuses(status)  # no dead end: a closed request can be reopened
        if status != N:
            assert not can_move(status, N)
        # moves from an open status always allow resolving and closing it
        if is_open(status):
            assert {R, C} <= set(next_statuses(status)) | {status}
