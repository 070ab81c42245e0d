"""Pricing of work entries and expenses (§3-§10), and statement totals with VAT (§5).

:func:`price_work` turns one work entry into priced lines, each with a stable machine
``kind`` and numbers only (the UI translates at display time):

* ``included``: the channel is free of charge for the tier (§4), no charge.
* ``allowance``: covered by the yearly included minutes of the channel (remote, §4).
* ``bank``: covered by a Free customer's prepaid hours (§4).
* ``billed``: minutes x rate per hour (§4; Free pays the standard rate on every channel;
  §10: out-of-scope work under an hourly agreement, at the agreed rate).
* ``surcharge``: §7, the out-of-hours share (20%) of the out-of-hours billed amount.
* ``out_of_base``: §9, the fee of an on-site visit out of town (on a work entry marked out
  of town, or recorded per visit as an expense of kind ``out_of_base``).
* ``travel`` / ``parking`` / ``lodging``: expenses at cost (§5, §9), from
  :func:`price_expense` / :func:`price_travel_distance`.
* ``flat_fee``: §3, work charged by the kind of service (:func:`price_flat_fee`).
* ``held``: §10, out-of-scope minutes without an accepted agreement: 0.00, not billed.
* ``agreed``: §10, out-of-scope minutes done under a fixed-amount agreement: 0.00 (the
  amount is billed once, as the ``agreement`` line).
* ``agreement``: §10, the fixed amount of an accepted agreement (one line, once), from
  :func:`price_agreement`.

Out-of-scope work (§10) is priced by :func:`price_out_of_scope` instead of
:func:`price_work`: only under a separately accepted :class:`Agreement` (a fixed amount, or
hours at a rate); see rule 6.

Expenses (:class:`ExpenseKind`) are priced by :func:`price_expense`: travel, parking and
lodging (for one person, §9) at cost, the out-of-base fee at the recorded amount or, when
none was recorded, the tariff's (:func:`expense_default_amount`); VAT is the rate in force
on the day. An out-of-town visit proposes travel as the round trip
(:func:`round_trip_km`, :func:`out_of_town_proposal`).

Rules, in order:

1. **Minutes** are whole (§8: the vendor measures). The entry runs over
   ``[started_at, started_at + minutes)`` in absolute time (not wall-clock arithmetic, so
   a DST night is counted right). The entry is rounded **up** to the tariff's billing unit;
   the extra minutes belong to the entry's last part.
2. **Out of hours** (§7) is decided by the calendar: the entry is split into its in-hours
   and out-of-hours parts, in time order (an entry straddling 18:00 splits at 18:00; a
   sub-minute remainder of the working part counts as out of hours). Out-of-hours parts are
   surcharged when the entry is an accepted emergency (or for all work, if the tariff's
   ``emergency_only`` is false); otherwise they are priced like in-hours work.
3. **Included channels** cost nothing, out of hours too (20% of nothing is nothing, and
   there is no allowance to draw 1.2x from).
4. **Allowance / bank**: parts are covered in time order while minutes are left; a
   surcharged part draws 1.2x its duration. Never more than
   what is left is drawn; when it runs out mid-entry the rest is billed (a 90-minute job
   with 60 left: 60 drawn, 30 billed). The 1.2x draw is rounded up **once per entry**, on
   the sum of its surcharged covered minutes, not once per out-of-hours part.
5. **Amounts** are Decimal euros, rounded half-up to cents per line
   (:func:`~supportdesk.domain.money.quantize_money`). VAT is not on the lines: it is
   computed per statement and rate by :func:`statement_totals`; each line carries the VAT
   rate in force on the work's local date.
6. **Out of scope** (§10): the work is done only under a separate agreement the customer
   accepts. It never draws included or prepaid hours and is never ``included``, whatever
   the channel. Without an agreement it is ``held`` (0.00, not billed). Under an hourly
   agreement every rounded minute is ``billed`` at the agreed rate, split and surcharged
   as rules 1-2 say. Under a fixed-amount agreement the minutes are ``agreed`` (0.00, no
   surcharge: the amount is agreed whatever the time) and the amount is one
   ``agreement`` line. An on-site entry out of town carries the §9 ``out_of_base`` line
   as under :func:`price_work`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import Any

from supportdesk.domain.calendar import BusinessCalendar
from supportdesk.domain.money import amount_for_minutes, quantize_money
from supportdesk.domain.tariff import Channel, Tariff, Tier, WorkKind

__all__ = [
    "OUT_OF_SCOPE_HELD",
    "Agreement",
    "AgreementKind",
    "ExpenseKind",
    "LineKind",
    "OutOfTownProposal",
    "PricedLine",
    "PricedWork",
    "Totals",
    "WorkItem",
    "expense_default_amount",
    "out_of_town_proposal",
    "price_agreement",
    "price_expense",
    "price_flat_fee",
    "price_out_of_scope",
    "price_travel_distance",
    "price_work",
    "round_trip_km",
    "statement_totals",
]

_ZERO = Decimal("0.00")


class LineKind(StrEnum):
    """Stable machine keys of priced lines (translated only at display time)."""

    INCLUDED = "included"
    ALLOWANCE = "allowance"
    BANK = "bank"
    BILLED = "billed"
    SURCHARGE = "surcharge"
    OUT_OF_BASE = "out_of_base"
    TRAVEL = "travel"
    PARKING = "parking"
    LODGING = "lodging"
    FLAT_FEE = "flat_fee"
    HELD = "held"
    AGREED = "agreed"
    AGREEMENT = "agreement"


class ExpenseKind(StrEnum):
    """§5, §9: expenses re-billed at cost, and the §9 out-of-base fee of an out-of-town
    visit (a fee, not a cost: it defaults to the tariff's)."""

    TRAVEL = "travel"
    PARKING = "parking"
    LODGING = "lodging"
    OUT_OF_BASE = "out_of_base"

    @property
    def is_at_cost(self) -> bool:
        """Re-billed at what it cost (a receipt), so it has no default amount."""
        return self is not ExpenseKind.OUT_OF_BASE


class AgreementKind(StrEnum):
    """§10: how an accepted agreement for out-of-scope work prices it."""

    FIXED = "fixed"
    HOURLY = "hourly"


@dataclass(frozen=True)
class Agreement:
    """§10: an accepted agreement for out-of-scope work.

    Attributes:
        kind: a fixed amount, or hours at a rate.
        amount: ``fixed``: the agreed net euros (>= 0), quantized to cents.
        rate_per_hour: ``hourly``: the agreed net euros per hour (> 0); the standard rate
            unless agreed otherwise (the caller passes it).
    """

    kind: AgreementKind
    amount: Decimal | None = None
    rate_per_hour: Decimal | None = None

    def __post_init__(self) -> None:
        try:
            kind = AgreementKind(self.kind)
        except ValueError:
            raise ValueError(f"agreement kind must be fixed or hourly, got {self.kind!r}") from None
        object.__setattr__(self, "kind", kind)
        if kind is AgreementKind.FIXED:
            if self.rate_per_hour is not None:
                raise ValueError("a fixed-amount agreement has no rate per hour")
            if (not isinstance(self.amount, Decimal) or not self.amount.is_finite()
                    or self.amount < 0):
                raise ValueError("a fixed-amount agreement needs its amount, a non-negative "
                                 f"Decimal, got {self.amount!r}")
            object.__setattr__(self, "amount", quantize_money(self.amount))
        else:
            if self.amount is not None:
                raise ValueError("an hourly agreement has no fixed amount")
            if (not isinstance(self.rate_per_hour, Decimal)
                    or not self.rate_per_hour.is_finite() or self.rate_per_hour <= 0):
                raise ValueError("an hourly agreement needs its rate per hour, a positive "
                                 f"Decimal, got {self.rate_per_hour!r}")

    @classmethod
    def fixed(cls, amount: Decimal) -> Agreement:
        """An agreed fixed amount (net euros) for the work, whatever its time."""
        return cls(kind=AgreementKind.FIXED, amount=amount)

    @classmethod
    def hourly(cls, rate_per_hour: Decimal) -> Agreement:
        """The work's hours at an agreed rate (net euros per hour)."""
        return cls(kind=AgreementKind.HOURLY, rate_per_hour=rate_per_hour)


OUT_OF_SCOPE_HELD = ("§10: out-of-scope work is billed only under a separately accepted agreement "
                     "(a fixed amount or hours at a rate); without one it is held, not billed.")


@dataclass(frozen=True)
class WorkItem:
    """One work entry as measured by the vendor (§8).

    Attributes:
        channel: phone, remote, office or on site (§1).
        started_at: aware start.
        minutes: whole minutes of work (> 0).
        kind: support or training (§3).
        is_emergency: an out-of-hours emergency the vendor accepted (§7).
        is_out_of_town: on-site at a customer seat out of town (§9); the desk sets it on
            one entry per visit, since the out-of-base fee is charged per visit.
    """

    channel: Channel
    started_at: datetime
    minutes: int
    kind: WorkKind = WorkKind.SUPPORT
    is_emergency: bool = False
    is_out_of_town: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "channel", Channel(self.channel))
        object.__setattr__(self, "kind", WorkKind(self.kind))
        if self.started_at.tzinfo is None or self.started_at.utcoffset() is None:
            raise ValueError("started_at must be a timezone-aware datetime")
        if isinstance(self.minutes, bool) or not isinstance(self.minutes, int):
            raise ValueError(f"minutes must be a whole number, got {self.minutes!r}")
        if self.minutes <= 0:
            raise ValueError(f"minutes must be positive, got {self.minutes}")

    @property
    def ended_at(self) -> datetime:
        """``started_at`` plus ``minutes`` of elapsed (absolute) time, in its zone."""
        end = self.started_at.astimezone(UTC) + timedelta(minutes=self.minutes)
        return end.astimezone(self.started_at.tzinfo)

    @classmethod
    def between(cls, channel: Channel, started_at: datetime, ended_at: datetime,
                **kwargs: Any) -> WorkItem:
        """An entry from a timer's start and end: the elapsed time rounded **up** to a whole
        minute (a started minute is a worked minute)."""
        if started_at.tzinfo is None or ended_at.tzinfo is None:
            raise ValueError("started_at and ended_at must be timezone-aware")
        # Subtracting two datetimes that share a tzinfo gives wall-clock time (PEP 495), so a
        # span across a DST change would be an hour off: measure in UTC.
        seconds = (ended_at.astimezone(UTC) - started_at.astimezone(UTC)).total_seconds()
        return cls(channel=channel, started_at=started_at,
                   minutes=max(math.ceil(seconds / 60), 0), **kwargs)


@dataclass(frozen=True)
class PricedLine:
    """One priced line. ``amount`` is net of VAT, in euros, rounded to cents.

    Attributes:
        kind: what the line is.
        amount: net euros (0.00 for included / allowance / bank lines).
        vat_rate: the VAT rate that applies (§5).
        minutes: work minutes the line covers (0 for fees and expenses).
        drawn_minutes: minutes taken from the allowance or bank (1.2x out of hours).
        rate_per_hour: the hourly rate of a ``billed`` line.
        is_out_of_hours: the line is out-of-hours work priced with the §7 surcharge (for a
            ``surcharge`` line: always true).
        quantity: km for a ``travel`` line by distance.
        unit_price: price per km for a ``travel`` line by distance.
    """

    kind: LineKind
    amount: Decimal
    vat_rate: Decimal
    minutes: int = 0
    drawn_minutes: int = 0
    rate_per_hour: Decimal | None = None
    is_out_of_hours: bool = False
    quantity: Decimal | None = None
    unit_price: Decimal | None = None


@dataclass(frozen=True)
class PricedWork:
    """A priced work entry.

    Attributes:
        lines: the priced lines, in a stable order.
        minutes: the entry as measured.
        rounded_minutes: after rounding up to the billing unit.
        out_of_hours_minutes: the part of the measured entry outside working time (§7).
        included_minutes: minutes on a free-of-charge channel.
        covered_minutes: work minutes covered by the allowance or bank.
        billed_minutes: work minutes charged at a rate.
        allowance_drawn_minutes: minutes taken from the yearly allowance (1.2x out of hours).
        bank_drawn_minutes: minutes taken from the prepaid bank (1.2x out of hours).
        net_amount: the sum of the lines' amounts.
        held_minutes: out-of-scope minutes without an accepted agreement (§10), not billed.
        agreed_minutes: out-of-scope minutes under a fixed-amount agreement (§10).

    ``included_minutes + covered_minutes + billed_minutes + held_minutes + agreed_minutes
    == rounded_minutes``.
    """

    lines: tuple[PricedLine, ...]
    minutes: int
    rounded_minutes: int
    out_of_hours_minutes: int
    included_minutes: int
    covered_minutes: int
    billed_minutes: int
    allowance_drawn_minutes: int
    bank_drawn_minutes: int
    net_amount: Decimal
    held_minutes: int = 0
    agreed_minutes: int = 0


@dataclass(frozen=True)
class Totals:
    """Statement totals: VAT computed per statement and per rate, rounded half-up.

    Attributes:
        net: sum of the lines' net amounts.
        net_by_rate: ``{vat_rate: net}``.
        vat_by_rate: ``{vat_rate: vat}`` with vat = quantize(net of that rate x rate).
        vat: sum of ``vat_by_rate``.
        gross: net + vat.
    """

    net: Decimal
    net_by_rate: dict[Decimal, Decimal] = field(default_factory=dict)
    vat_by_rate: dict[Decimal, Decimal] = field(default_factory=dict)
    vat: Decimal = _ZERO
    gross: Decimal = _ZERO


def _segments(calendar: BusinessCalendar, item: WorkItem) -> list[tuple[bool, int]]:
    """The entry's parts in time order as ``(is_out_of_hours, minutes)``."""
    start = item.started_at
    end = item.ended_at
    t0 = start.timestamp()
    cuts: list[tuple[bool, int]] = []
    position = 0
    for w_start, w_end in calendar.working_intervals(start, end):
        a = int((w_start.timestamp() - t0) // 60)
        b = int((w_end.timestamp() - t0) // 60)
        if a > position:
            cuts.append((True, a - position))
        if b > a:
            cuts.append((False, b - a))
        position = max(position, b)
    if item.minutes > position:
        cuts.append((True, item.minutes - position))
    merged: list[tuple[bool, int]] = []
    for is_ooh, minutes in cuts:
        if merged and merged[-1][0] == is_ooh:
            merged[-1] = (is_ooh, merged[-1][1] + minutes)
        else:
            merged.append((is_ooh, minutes))
    return merged


def _work_vat_rate(item: WorkItem, *, tariff: Tariff, calendar: BusinessCalendar) -> Decimal:
    """The VAT rate in force on the work's local date (rule 5)."""
    return tariff.vat_rate_on(item.started_at.astimezone(calendar.tz).date())


def _may_surcharge(item: WorkItem, tariff: Tariff) -> bool:
    """§7: out-of-hours parts are surcharged for an accepted emergency, or for all work if
    the tariff says so (rule 2)."""
    return item.is_emergency or not tariff.is_surcharge_for_emergencies_only


def _rounded_parts(item: WorkItem, *, tariff: Tariff,
                   calendar: BusinessCalendar) -> tuple[list[tuple[bool, int]], int, int]:
    """Rules 1-2: the entry's parts in time order as ``(is_out_of_hours, minutes)`` with the
    rounding up to the billing unit in the last part; the out-of-hours minutes as measured;
    the rounded minutes."""
    segments = _segments(calendar, item)
    out_of_hours = sum(m for is_ooh, m in segments if is_ooh)
    unit = tariff.billing_unit_minutes
    rounded = -(-item.minutes // unit) * unit
    if rounded > item.minutes:  # the rounding belongs to the entry's last part
        is_ooh, minutes = segments[-1]
        segments[-1] = (is_ooh, minutes + rounded - item.minutes)
    return segments, out_of_hours, rounded


def _billed_lines(minutes: int, rate: Decimal, *, surcharged: bool, tariff: Tariff,
                  vat_rate: Decimal) -> list[PricedLine]:
    """A ``billed`` line of ``minutes`` at ``rate``, and its §7 ``surcharge`` line when the
    part is surcharged."""
    amount = amount_for_minutes(minutes, rate)
    lines = [PricedLine(kind=LineKind.BILLED, amount=amount, vat_rate=vat_rate,
                        minutes=minutes, rate_per_hour=rate, is_out_of_hours=surcharged)]
    if surcharged:
        lines.append(PricedLine(kind=LineKind.SURCHARGE,
                                amount=quantize_money(amount * tariff.out_of_hours_surcharge),
                                vat_rate=vat_rate, minutes=minutes, is_out_of_hours=True))
    return lines


def _out_of_base_lines(item: WorkItem, *, tariff: Tariff, vat_rate: Decimal) -> list[PricedLine]:
    """§9: the out-of-base fee of an on-site entry marked out of town (one per visit)."""
    if item.channel == Channel.ONSITE and item.is_out_of_town:
        return [PricedLine(kind=LineKind.OUT_OF_BASE,
                           amount=quantize_money(tariff.out_of_town.out_of_base_fee),
                           vat_rate=vat_rate)]
    return []


def _priced(item: WorkItem, lines: list[PricedLine], *, rounded: int, out_of_hours: int,
            **minutes: int) -> PricedWork:
    """The :class:`PricedWork` of ``lines``; ``minutes`` gives its non-zero minute counts."""
    counts = {"included_minutes": 0, "covered_minutes": 0, "billed_minutes": 0,
              "allowance_drawn_minutes": 0, "bank_drawn_minutes": 0, "held_minutes": 0,
              "agreed_minutes": 0}
    counts.update(minutes)
    return PricedWork(lines=tuple(lines), minutes=item.minutes, rounded_minutes=rounded,
                      out_of_hours_minutes=out_of_hours,
                      net_amount=sum((line.amount for line in lines), _ZERO), **counts)


def price_work(item: WorkItem, *, tariff: Tariff, tier: Tier | str,
               calendar: BusinessCalendar, allowance_left_minutes: int = 0,
               bank_left_minutes: int = 0) -> PricedWork:
    """Price one work entry for a customer of ``tier`` (see the module's rules).

    ``allowance_left_minutes`` is what is left of the channel's yearly included minutes
    (§4, ignored for channels without any); ``bank_left_minutes`` what is left of a
    prepaid-hours customer's bank (ignored for other tiers). The caller records the
    ``*_drawn_minutes`` of the result against them. Out-of-scope work (§10) is priced by
    :func:`price_out_of_scope` instead."""
    for name, value in (("allowance_left_minutes", allowance_left_minutes),
                        ("bank_left_minutes", bank_left_minutes)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a non-negative whole number, got {value!r}")
    tier_terms = tariff.tier(tier)
    terms = tier_terms.channel(item.channel, item.kind)
    vat_rate = _work_vat_rate(item, tariff=tariff, calendar=calendar)
    surcharge = tariff.out_of_hours_surcharge
    may_surcharge = _may_surcharge(item, tariff)
    segments, out_of_hours, rounded = _rounded_parts(item, tariff=tariff, calendar=calendar)

    if terms.included_minutes_per_year > 0:
        pool_kind: LineKind | None = LineKind.ALLOWANCE
        left = allowance_left_minutes
    elif tier_terms.uses_prepaid_bank:
        pool_kind = LineKind.BANK
        left = bank_left_minutes
    else:
        pool_kind = None
        left = 0

    # (kind, is_surcharged) -> [work minutes, drawn minutes], in order of appearance.
    parts: dict[tuple[LineKind, bool], list[int]] = {}
    # What is left is followed exactly (1.2 x 7 minutes is 8.4, not 9): the draw of the
    # surcharged minutes is rounded up once per entry below, not once per out-of-hours part
    # (an entry from 09:59 to 18:01 has two), so the parts never round up twice (rule 4).
    left_exact = Decimal(left)
    surcharged_factor = Decimal(1) + surcharge
    for is_ooh, minutes in segments:
        surcharged = is_ooh and may_surcharge
        if terms.is_included:
            parts.setdefault((LineKind.INCLUDED, surcharged), [0, 0])[0] += minutes
            continue
        covered = 0
        if pool_kind is not None and left_exact > 0:
            factor = surcharged_factor if surcharged else Decimal(1)
            covered = min(minutes, int((left_exact / factor).to_integral_value(ROUND_FLOOR)))
            if covered:
                left_exact -= Decimal(covered) * factor
                parts.setdefault((pool_kind, surcharged), [0, 0])[0] += covered
        if minutes > covered:
            parts.setdefault((LineKind.BILLED, surcharged), [0, 0])[0] += minutes - covered
    for (kind, surcharged), part in parts.items():
        if kind == pool_kind:
            # Never more than what was left: the exact draw is at most ``left`` (a whole
            # number), so its rounding up is too.
            part[1] = math.ceil(Decimal(part[0]) * surcharged_factor) if surcharged else part[0]

    lines: list[PricedLine] = []
    totals = {LineKind.INCLUDED: 0, LineKind.ALLOWANCE: 0, LineKind.BANK: 0, LineKind.BILLED: 0}
    drawn_totals = {LineKind.ALLOWANCE: 0, LineKind.BANK: 0}
    for (kind, surcharged), (minutes, drawn) in parts.items():
        totals[kind] += minutes
        if kind in drawn_totals:
            drawn_totals[kind] += drawn
        if kind == LineKind.BILLED:
            rate = terms.rate_per_hour
            assert rate is not None
            lines += _billed_lines(minutes, rate, surcharged=surcharged, tariff=tariff,
                                   vat_rate=vat_rate)
        else:
            lines.append(PricedLine(kind=kind, amount=_ZERO, vat_rate=vat_rate,
                                    minutes=minutes, drawn_minutes=drawn,
                                    is_out_of_hours=surcharged))
    lines += _out_of_base_lines(item, tariff=tariff, vat_rate=vat_rate)
    return _priced(
        item, lines, rounded=rounded, out_of_hours=out_of_hours,
        included_minutes=totals[LineKind.INCLUDED],
        covered_minutes=totals[LineKind.ALLOWANCE] + totals[LineKind.BANK],
        billed_minutes=totals[LineKind.BILLED],
        allowance_drawn_minutes=drawn_totals[LineKind.ALLOWANCE],
        bank_drawn_minutes=drawn_totals[LineKind.BANK],
    )


def price_out_of_scope(item: WorkItem, *, agreement: Agreement | None, tariff: Tariff,
                       calendar: BusinessCalendar) -> PricedWork:
    """Price out-of-scope work (§10, rule 6) under its accepted ``agreement``, if any.

    The minutes are rounded up to the billing unit as by :func:`price_work`, and the lines
    carry the VAT rate of the work's local date. Nothing is ever drawn from included or
    prepaid hours, and no channel is ``included`` for it:

    * no agreement: one ``held`` line (0.00) of the rounded minutes; nothing is billed;
    * ``hourly``: every rounded minute ``billed`` at the agreed rate, the out-of-hours parts
      with the §7 surcharge on the same condition as :func:`price_work`;
    * ``fixed``: one ``agreed`` line (0.00) of the rounded minutes, no surcharge; the amount
      is billed once, by :func:`price_agreement`.

    An on-site entry marked out of town carries the §9 ``out_of_base`` line, as under
    :func:`price_work`.
    """
    if agreement is not None and not isinstance(agreement, Agreement):
        raise ValueError(f"agreement must be an Agreement or None, got {agreement!r}")
    vat_rate = _work_vat_rate(item, tariff=tariff, calendar=calendar)
    segments, out_of_hours, rounded = _rounded_parts(item, tariff=tariff, calendar=calendar)
    lines: list[PricedLine] = []
    if agreement is None or agreement.kind is AgreementKind.FIXED:
        kind = LineKind.HELD if agreement is None else LineKind.AGREED
        lines.append(PricedLine(kind=kind, amount=_ZERO, vat_rate=vat_rate, minutes=rounded))
        counts = {"held_minutes" if agreement is None else "agreed_minutes": rounded}
    else:
        rate = agreement.rate_per_hour
        assert rate is not None
        may_surcharge = _may_surcharge(item, tariff)
        # is_surcharged -> minutes, in order of appearance (as price_work's billed parts).
        billed: dict[bool, int] = {}
        for is_ooh, minutes in segments:
            surcharged = is_ooh and may_surcharge
            billed[surcharged] = billed.get(surcharged, 0) + minutes
        for surcharged, minutes in billed.items():
            lines += _billed_lines(minutes, rate, surcharged=surcharged, tariff=tariff,
                                   vat_rate=vat_rate)
        counts = {"billed_minutes": rounded}
    lines += _out_of_base_lines(item, tariff=tariff, vat_rate=vat_rate)
    return _priced(item, lines, rounded=rounded, out_of_hours=out_of_hours, **counts)


def price_agreement(agreement: Agreement, *, tariff: Tariff, on: date) -> PricedLine:
    """The fixed amount of an accepted §10 agreement: one ``agreement`` line (billed once,
    not per entry), with the VAT rate in force ``on`` that day. An hourly agreement has no
    such line (its work is billed by :func:`price_out_of_scope`)."""
    if not isinstance(agreement, Agreement):
        raise ValueError(f"agreement must be an Agreement, got {agreement!r}")
    if agreement.kind is not AgreementKind.FIXED:
        raise ValueError("only a fixed-amount agreement has an amount to bill; an hourly "
                         "agreement's work is billed by the hour")
    assert agreement.amount is not None
    return PricedLine(kind=LineKind.AGREEMENT, amount=agreement.amount,
                      vat_rate=tariff.vat_rate_on(on), minutes=0)


def price_flat_fee(item: WorkItem, fee: Decimal, *, tariff: Tariff,
                   calendar: BusinessCalendar) -> PricedWork:
    """Work charged as a flat fee by the kind of service (§3) instead of by time.

    The fee replaces the time charge and draws no included or prepaid hours. Out-of-hours
    work (§7) adds the tariff's surcharge to the fee, on the same condition as timed work
    (an accepted emergency, unless the tariff surcharges all out-of-hours work).
    """
    if not isinstance(fee, Decimal) or not fee.is_finite() or fee < 0:
        raise ValueError(f"flat fee must be a non-negative Decimal, got {fee!r}")
    fee = quantize_money(fee)
    vat_rate = _work_vat_rate(item, tariff=tariff, calendar=calendar)
    out_of_hours = calendar.out_of_hours_minutes(item.started_at, item.ended_at)
    lines = [PricedLine(kind=LineKind.FLAT_FEE, amount=fee, vat_rate=vat_rate,
                        minutes=item.minutes)]
    if out_of_hours and _may_surcharge(item, tariff) and fee > 0:
        lines.append(PricedLine(kind=LineKind.SURCHARGE,
                                amount=quantize_money(fee * tariff.out_of_hours_surcharge),
                                vat_rate=vat_rate, minutes=out_of_hours, is_out_of_hours=True))
    return _priced(item, lines, rounded=item.minutes, out_of_hours=out_of_hours,
                   billed_minutes=item.minutes)


def expense_default_amount(kind: ExpenseKind | str, *, tariff: Tariff) -> Decimal | None:
    """The amount an expense of ``kind`` has when none was recorded: the tariff's §9
    out-of-base fee; ``None`` for expenses at cost (they need their receipt's amount)."""
    expense = ExpenseKind(kind)
    if expense.is_at_cost:
        return None
    return tariff.out_of_town.out_of_base_fee


def price_expense(kind: ExpenseKind | str, amount: Decimal | None = None, *, tariff: Tariff,
                  on: date) -> PricedLine:
    """An expense (§5, §9): travel, parking and lodging re-billed at cost, or the
    out-of-base fee, with VAT in force ``on`` that day (docs/rules.md "VAT": 24% on
    re-billed expenses too). ``amount`` may be left out only for the out-of-base fee: then
    the tariff's is billed."""
    expense = ExpenseKind(kind)
    if amount is None:
        amount = expense_default_amount(expense, tariff=tariff)
        if amount is None:
            raise ValueError(f"an expense of kind {expense.value!r} needs its amount")
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount < 0:
        raise ValueError(f"expense amount must be a non-negative Decimal, got {amount!r}")
    return PricedLine(kind=LineKind(expense.value), amount=quantize_money(amount),
                      vat_rate=tariff.vat_rate_on(on))


def round_trip_km(one_way_km: Decimal | int) -> Decimal:
    """§9 travel to a customer out of town is there and back: twice the one-way distance."""
    if (isinstance(one_way_km, bool) or not isinstance(one_way_km, Decimal | int)
            or one_way_km < 0):
        raise ValueError(f"distance must be a non-negative number of km, got {one_way_km!r}")
    return Decimal(2 * one_way_km)


@dataclass(frozen=True)
class OutOfTownProposal:
    """What the tariff proposes for an out-of-town visit (§9); the technician confirms or
    corrects each amount before anything is booked.

    Attributes:
        distance_km: the customer's one-way distance.
        round_trip_km: the km travelled, there and back.
        travel_rate_per_km: the tariff's rate.
        travel: the round trip priced by distance (net euros).
        out_of_base_fee: the tariff's fee per visit.
        is_lodging_at_cost: lodging for one person is re-billed at cost (the receipt), so no
            amount is proposed for it.
    """

    distance_km: Decimal | int
    round_trip_km: Decimal
    travel_rate_per_km: Decimal
    travel: Decimal
    out_of_base_fee: Decimal
    is_lodging_at_cost: bool


def out_of_town_proposal(one_way_km: Decimal | int, *, tariff: Tariff,
                         on: date) -> OutOfTownProposal:
    """The §9 costs the tariff in force ``on`` the visit's day proposes for a customer
    ``one_way_km`` away: the round trip by distance, the out-of-base fee, lodging at cost."""
    km = round_trip_km(one_way_km)
    travel = price_travel_distance(km, tariff=tariff, on=on)
    return OutOfTownProposal(
        distance_km=one_way_km, round_trip_km=km,
        travel_rate_per_km=tariff.out_of_town.travel_rate_per_km, travel=travel.amount,
        out_of_base_fee=tariff.out_of_town.out_of_base_fee,
        is_lodging_at_cost=tariff.out_of_town.is_lodging_at_cost,
    )


def price_travel_distance(km: Decimal, *, tariff: Tariff, on: date) -> PricedLine:
    """Travel charged by distance (§9): ``km`` x the tariff's rate per km."""
    if not isinstance(km, Decimal | int) or isinstance(km, bool) or km < 0:
        raise ValueError(f"km must be a non-negative Decimal, got {km!r}")
    rate = tariff.out_of_town.travel_rate_per_km
    return PricedLine(kind=LineKind.TRAVEL, amount=quantize_money(Decimal(km) * rate),
                      vat_rate=tariff.vat_rate_on(on), quantity=Decimal(km), unit_price=rate)


def statement_totals(lines: Iterable[PricedLine | tuple[Decimal, Decimal]]) -> Totals:
    """Totals of a statement from its lines (``PricedLine`` or ``(net, vat_rate)`` pairs):
    VAT per rate on the summed net of that rate, rounded half-up once per rate (§5)."""
    net_by_rate: dict[Decimal, Decimal] = {}
    for line in lines:
        if isinstance(line, PricedLine):
            net, rate = line.amount, line.vat_rate
        else:
            net, rate = line
        if not isinstance(net, Decimal) or not isinstance(rate, Decimal):
            raise TypeError("statement lines need Decimal net amounts and VAT rates")
        net_by_rate[rate] = net_by_rate.get(rate, _ZERO) + net
    vat_by_rate = {rate: quantize_money(net * rate) for rate, net in net_by_rate.items()}
    net = quantize_money(sum(net_by_rate.values(), _ZERO))
    vat = sum(vat_by_rate.values(), _ZERO)
    return Totals(net=net, net_by_rate={r: quantize_money(n) for r, n in net_by_rate.items()},
                  vat_by_rate=vat_by_rate, vat=vat, gross=net + vat)
