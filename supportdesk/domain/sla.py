"""Response and resolution targets (§3-§4, docs/rules.md "Response targets" and
"Resolution targets"): due moments and the state of a clock.

Every request runs two clocks on the same calendar: the response clock (§4's table) stops at
the first response, the resolution clock at the resolution. Both pause while the request
waits on the customer; the resolution clock also stands still while a request is resolved
and waits to be reopened. Which targets apply depends on the tier and the request's
priority (:class:`ServiceTargets`).

Targets are working time on the vendor's calendar (§6): Business "24 h" is one working day
(480 working minutes), Basic "48 h" two (960), Free "2-5 working days" 960 expected and 2400
at most. A request received outside hours starts its clock at the next working moment; the
clock pauses while the request waits on the customer; the first response stops it.

A due moment that falls exactly at the end of a working day is that end (18:00). Breaches
are compared in working minutes (``used_minutes > target_minutes``), so a response at 18:00
or at 10:00 the next working morning is on time either way; one at 10:01 is late.

Pure: ``now`` is an argument; nothing here reads a clock or a database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from supportdesk.domain.calendar import BusinessCalendar

__all__ = [
    "DEFAULT_WARNING_SHARE",
    "ClockKind",
    "Priority",
    "ResponseTarget",
    "ServiceTargets",
    "SlaState",
    "due_at",
    "sla_state",
]

#: Share of the target used from which a ticket is shown as "at risk".
DEFAULT_WARNING_SHARE = Decimal("0.75")
_SHARE_PLACES = Decimal("0.0001")

OpenPause = tuple[datetime, datetime | None]


@dataclass(frozen=True)
class ResponseTarget:
    """A tier's response target in working minutes (§4): the one promised
    (``expected_minutes``) and the latest acceptable (``max_minutes``); equal except Free."""

    expected_minutes: int
    max_minutes: int

    def __post_init__(self) -> None:
        for name in ("expected_minutes", "max_minutes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive whole number of minutes")
        if self.max_minutes < self.expected_minutes:
            raise ValueError("max_minutes must not be less than expected_minutes")

    def minutes(self, which: str = "expected") -> int:
        """``"expected"`` or ``"max"``."""
        if which == "expected":
            return self.expected_minutes
        if which == "max":
            return self.max_minutes
        raise ValueError(f"target must be 'expected' or 'max', got {which!r}")


class Priority(StrEnum):
    """How urgent a request is; chosen at intake, changeable. Stored values."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class ClockKind(StrEnum):
    """Which of a request's two clocks."""

    RESPONSE = "response"
    RESOLUTION = "resolution"


@dataclass(frozen=True)
class ServiceTargets:
    """What a tier promises for one priority: the response target (§4's table unless the
    tariff says otherwise) and the resolution target, all in working minutes. A resolution
    target shorter than the latest response would promise to solve before answering, so it
    is refused."""

    response: ResponseTarget
    resolution_minutes: int

    def __post_init__(self) -> None:
        value = self.resolution_minutes
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError("resolution_minutes must be a positive whole number of minutes")
        if value < self.response.max_minutes:
            raise ValueError("resolution_minutes must not be less than the latest response "
                             "target")

    def minutes(self, kind: ClockKind | str = ClockKind.RESPONSE,
                which: str = "expected") -> int:
        """The target of clock ``kind``; ``which`` ("expected"/"max") for the response."""
        if ClockKind(kind) == ClockKind.RESOLUTION:
            return self.resolution_minutes
        return self.response.minutes(which)


@dataclass(frozen=True)
class SlaState:
    """Where a response clock stands at ``now`` (or at the first response, if stopped).

    Attributes:
        due_at: the due moment, with the pauses known so far (an open pause counted up
            to ``now``, so an open pause keeps pushing it).
        used_minutes: working minutes elapsed on the clock, pauses removed.
        left_minutes: working minutes left before the target (0 once used up).
        overdue_minutes: working minutes beyond the target (0 while on time).
        share_used: used / target, a Decimal with 4 places (may exceed 1).
        is_warning: at or past ``warning_share`` and not yet breached.
        is_breached: more working minutes used than the target.
        is_stopped: the first response was given (the clock no longer runs).
    """

    due_at: datetime
    target_minutes: int
    used_minutes: int
    left_minutes: int
    overdue_minutes: int
    share_used: Decimal
    is_warning: bool
    is_breached: bool
    is_stopped: bool


def due_at(calendar: BusinessCalendar, received_at: datetime, target_minutes: int,
           pauses: Iterable[tuple[datetime, datetime]] = ()) -> datetime:
    """The moment the response is due: ``target_minutes`` of working time counted from the
    next working moment at or after ``received_at``, extended by the working time inside
    ``pauses`` (closed ``(start, end)`` intervals; overlapping ones count once)."""
    if target_minutes <= 0:
        raise ValueError("target_minutes must be positive")
    return calendar.add_working_minutes(received_at, target_minutes, pauses)


def sla_state(
    calendar: BusinessCalendar,
    received_at: datetime,
    target_minutes: int,
    now: datetime,
    pauses: Iterable[OpenPause] = (),
    stopped_at: datetime | None = None,
    warning_share: Decimal = DEFAULT_WARNING_SHARE,
) -> SlaState:
    """The state of a response clock. ``pauses`` are ``(start, end)``; an end of ``None``
    is a pause still running, counted up to the clock's end. ``stopped_at`` is the first
    response: the clock stops there, and later pauses no longer matter."""
    if target_minutes <= 0:
        raise ValueError("target_minutes must be positive")
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware datetime")
    end = stopped_at if stopped_at is not None else now
    if end.tzinfo is None:
        raise ValueError("stopped_at must be a timezone-aware datetime")
    closed = []
    for start, p_end in pauses:
        if start.tzinfo is None or (p_end is not None and p_end.tzinfo is None):
            raise ValueError("pauses must be timezone-aware datetimes")
        closed.append((start, end if p_end is None else p_end))
    closed = [(start, min(p_end, end)) for start, p_end in closed if start < end]
    used = calendar.working_minutes_between(received_at, end, closed)
    share = (Decimal(used) / Decimal(target_minutes)).quantize(_SHARE_PLACES, ROUND_HALF_UP)
    is_breached = used > target_minutes
    return SlaState(
        due_at=calendar.add_working_minutes(received_at, target_minutes, closed),
        target_minutes=target_minutes,
        used_minutes=used,
        left_minutes=max(target_minutes - used, 0),
        overdue_minutes=max(used - target_minutes, 0),
        share_used=share,
        is_warning=not is_breached and share >= warning_share,
        is_breached=is_breached,
        is_stopped=stopped_at is not None,
    )
