"""``supportdesk-rules``: the rules engine on the command line (JSON on standard output).

    supportdesk-rules due --tier business --received 2026-11-27T17:00+02:00 \\
        [--pause START/END ...] [--target expected|max] [--priority normal] \\
        [--kind response|resolution] [--tariff FILE]
    supportdesk-rules price --tier basic --channel remote --start 2026-11-24T11:00+02:00 \\
        --minutes 90 [--allowance-left 60] [--bank-left 0] [--emergency] [--training] \\
        [--out-of-town [--distance-km 120 | --travel-cost 25.00] [--lodging 65.00]] \\
        [--out-of-scope [--quote-amount 150.00 | --quote-rate 50.00]] [--tariff FILE]
    supportdesk-rules fee --tier basic --licence 4000.00 --licence 1500.00 [--hours N]
    supportdesk-rules hold --today 2026-12-02 --grace-days 15 \\
        [--statement DUE:TOTAL[:CREDITED[:KIND]] ...] [--override UNTIL[:revoked] ...]
    supportdesk-rules contract-year --starts 2024-02-29 --ends 2027-02-27 --day 2026-03-01
    supportdesk-rules status [--from waiting_customer]
    supportdesk-rules timer --started 2026-11-24T11:00:40+02:00 \\
        --stopped 2026-11-24T12:30:10+02:00
    supportdesk-rules expense --kind out_of_base --on 2026-11-24 [--amount 30.00] \\
        [--tariff FILE]
    supportdesk-rules out-of-town --distance-km 120 --on 2026-11-24 [--tariff FILE]

Datetimes are ISO 8601 with an offset; results are in Europe/Athens on the Jewelsoft
calendar (§6). Dates are ISO 8601 days (2026-12-02). Amounts are strings with two decimals.
Bad arguments print a message on standard error and exit with status 2.

``price`` prices one work entry (§3-§10). ``--out-of-town`` marks an on-site entry at a
customer out of town (§9): the entry carries the out-of-base fee; ``--distance-km`` (one
way) adds travel for the round trip at the tariff's rate per km, or ``--travel-cost`` travel
at cost, and ``--lodging`` lodging for one person at cost; the totals include them.
``--out-of-scope`` is work §10 leaves out of support: it is priced only under an accepted
agreement, ``--quote-amount`` (a fixed amount: the work's minutes are ``agreed`` at 0.00 and
the amount is one ``agreement`` line) or ``--quote-rate`` (every minute billed at that rate
per hour, with the §7 surcharge as for any work); it never draws included or prepaid hours.
Without either it is held, not billed: the §10 message on standard error, exit status 2.

``hold`` is the §11 support hold: each ``--statement`` is an issued, unpaid statement (its
due date, its total with VAT, what credit statements gave back on it, its kind; a
``credit`` is never owed), each ``--override`` a manager's override lasting until a day
(``:revoked`` if it was revoked).

``contract-year`` is the year of a contract a day falls in (§4: included hours are granted
per contract year): its number and first and last days, and the renewal that would follow
the contract. A contract starting on 29 February has its anniversaries on 28 February in
common years; the last year ends with the contract.

``status`` is the ticket statuses' table: which status may follow which, which count as open
and which pause the response clock (all of them, or only ``--from`` one).

``timer`` is the work entry a stopped timer makes (§8): from the second it started, for the
elapsed time rounded up to a whole minute (as every entry); under a minute or over 12 hours
it makes none (exit status 2 with the reason).

``expense`` prices an expense (§5, §9): travel, parking and lodging at cost (``--amount`` is
the receipt's), the out-of-base fee at ``--amount`` or, without it, the tariff's; VAT is the
rate in force ``--on`` that day. ``out-of-town`` is what the tariff proposes for a visit to
a customer ``--distance-km`` away (one way): the round trip by distance, the out-of-base fee,
lodging for one person at cost.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from supportdesk.domain.calendar import BusinessCalendar, jewelsoft_calendar
from supportdesk.domain.contract_years import (
    add_years,
    contract_year_of,
    contract_years,
    fee_for_year,
    renewal_period,
)
from supportdesk.domain.holds import (
    CREDIT_KIND,
    HoldDecision,
    IssuedStatement,
    Override,
    OwedStatement,
    hold_decision,
)
from supportdesk.domain.pricing import (
    OUT_OF_SCOPE_HELD,
    Agreement,
    ExpenseKind,
    PricedLine,
    WorkItem,
    out_of_town_proposal,
    price_agreement,
    price_expense,
    price_out_of_scope,
    price_travel_distance,
    price_work,
    statement_totals,
)
from supportdesk.domain.sla import ClockKind, Priority, due_at
from supportdesk.domain.tariff import (
    Channel,
    Tariff,
    TariffError,
    Tier,
    WorkKind,
    annual_fee,
    contract_fee,
    default_tariff,
    load_tariff_file,
    tariff_for_contract_year,
    tariff_to_dict,
)
from supportdesk.domain.ticket_status import (
    TicketStatus,
    is_clock_paused,
    is_open,
    next_statuses,
)
from supportdesk.domain.timers import TIMER_MAX_MINUTES, timer_span


def _aware(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO 8601 datetime: {text!r} (e.g. 2026-11-27T17:00+02:00)") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"datetime needs a UTC offset: {text!r} (e.g. 2026-11-27T17:00+02:00)")
    return value


def _pause(text: str) -> tuple[datetime, datetime]:
    start, sep, end = text.partition("/")
    if not sep:
        raise argparse.ArgumentTypeError(f"a pause is START/END, got {text!r}")
    a, b = _aware(start), _aware(end)
    if b < a:
        raise argparse.ArgumentTypeError(f"pause ends before it starts: {text!r}")
    return a, b


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a decimal number: {text!r}") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative number: {text!r}")
    return value


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO 8601 date: {text!r} (e.g. 2026-12-02)") from None


# The kinds of statements billing issues; only a credit statement is treated differently.
_STATEMENT_KINDS = ("period", "contract_fee", "prepaid", CREDIT_KIND)


def _statement(text: str) -> IssuedStatement:
    parts = text.split(":")
    if not 2 <= len(parts) <= 4:
        raise argparse.ArgumentTypeError(
            f"a statement is DUE:TOTAL[:CREDITED[:KIND]], got {text!r}")
    due_on = _day(parts[0])
    try:
        total = Decimal(parts[1])
        credited = Decimal(parts[2]) if len(parts) > 2 and parts[2] else Decimal("0.00")
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a decimal amount in {text!r}") from None
    if not total.is_finite() or not credited.is_finite() or credited < 0:
        raise argparse.ArgumentTypeError(
            f"amounts must be numbers, what was credited not negative: {text!r}")
    kind = parts[3] if len(parts) > 3 else "period"
    if kind not in _STATEMENT_KINDS:
        raise argparse.ArgumentTypeError(
            f"statement kind must be one of {', '.join(_STATEMENT_KINDS)}: {text!r}")
    return IssuedStatement(due_on=due_on, total=total, credited=credited, kind=kind,
                           ref=text)


def _override(text: str) -> Override:
    until, sep, flag = text.partition(":")
    if sep and flag != "revoked":
        raise argparse.ArgumentTypeError(f"an override is UNTIL[:revoked], got {text!r}")
    return Override(until=_day(until), is_revoked=bool(sep), ref=text)


def _whole(what: str):
    """An argparse type: a whole number of ``what``, not negative."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number{what}: {text!r}") from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
        return value
    return parse


_count = _whole("")
_minutes = _whole(" of minutes")


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="supportdesk-rules",
        description="The support terms' rules (due moments, prices, fees, the support hold, "
                    "contract years, ticket statuses, timers, expenses) as JSON.")
    commands = parser.add_subparsers(dest="command", required=True)
    tiers = [t.value for t in Tier]

    due = commands.add_parser(
        "due", help="when the response (§4) or the resolution of a request is due (§6)")
    due.add_argument("--tier", required=True, choices=tiers)
    due.add_argument("--received", required=True, type=_aware, help="ISO datetime with offset")
    due.add_argument("--pause", action="append", default=[], type=_pause,
                     help="START/END while waiting on the customer (repeatable)")
    due.add_argument("--target", choices=["expected", "max"], default="expected",
                     help="the response target promised or the latest (Free)")
    due.add_argument("--priority", choices=[p.value for p in Priority], default="normal")
    due.add_argument("--kind", choices=[k.value for k in ClockKind], default="response",
                     help="which clock: the first response or the resolution")
    due.add_argument("--tariff", help="tariff TOML file (default: the Jewelsoft one)")

    price = commands.add_parser("price", help="price one work entry (§3-§10)")
    price.add_argument("--tier", required=True, choices=tiers)
    price.add_argument("--channel", required=True, choices=[c.value for c in Channel])
    price.add_argument("--start", required=True, type=_aware, help="ISO datetime with offset")
    length = price.add_mutually_exclusive_group(required=True)
    length.add_argument("--minutes", type=_minutes, help="the work's length")
    length.add_argument("--end", type=_aware, help="or its end (ISO datetime with offset): the "
                        "length is counted as every entry's, a started minute worked")
    price.add_argument("--allowance-left", type=_minutes, default=0)
    price.add_argument("--bank-left", type=_minutes, default=0)
    price.add_argument("--emergency", action="store_true", help="accepted §7 emergency")
    price.add_argument("--out-of-town", action="store_true", help="§9 visit out of town")
    travel = price.add_mutually_exclusive_group()
    travel.add_argument("--distance-km", type=_decimal, metavar="KM",
                        help="with --out-of-town: the customer's one-way distance; travel is "
                             "the round trip at the tariff's rate per km")
    travel.add_argument("--travel-cost", type=_decimal, metavar="EUR",
                        help="with --out-of-town: travel at cost instead of per km")
    price.add_argument("--lodging", type=_decimal, metavar="EUR",
                       help="with --out-of-town: lodging for one person, at cost")
    price.add_argument("--training", action="store_true", help="training, not support (§3)")
    price.add_argument("--out-of-scope", action="store_true",
                       help="§10 out-of-scope work: billed only under an accepted agreement "
                            "(without --quote-amount or --quote-rate: held, exit status 2)")
    quote = price.add_mutually_exclusive_group()
    quote.add_argument("--quote-amount", type=_decimal, metavar="EUR",
                       help="with --out-of-scope: the accepted fixed amount (net)")
    quote.add_argument("--quote-rate", type=_decimal, metavar="EUR_PER_HOUR",
                       help="with --out-of-scope: the accepted rate per hour (net)")
    price.add_argument("--tariff", help="tariff TOML file (default: the Jewelsoft one)")

    fee = commands.add_parser("fee", help="the annual contract fee (§4)")
    fee.add_argument("--tier", required=True, choices=tiers)
    fee.add_argument("--licence", action="append", default=[], type=_decimal,
                     help="value of a licensed program (repeatable)")
    fee.add_argument("--hours", type=_minutes, help="prepaid hours to buy (prepaid tiers)")
    fee.add_argument("--tariff", help="tariff TOML file (default: the Jewelsoft one)")
    fee.add_argument("--contract-start", type=_day, metavar="DATE",
                     help="with --contract-end: the fee statement of every contract year")
    fee.add_argument("--contract-end", type=_day, metavar="DATE")

    hold = commands.add_parser(
        "hold", help="whether a customer is on support hold for unpaid statements (§11)",
        description="The §11 support hold: on hold from the day after a statement's due "
                    "date plus the grace days, while it is owed and no override is in force.")
    hold.add_argument("--today", required=True, type=_day, metavar="DAY",
                      help="the day to decide for")
    hold.add_argument("--grace-days", required=True, type=_count, metavar="N",
                      help="days after the due date before the hold (the desk's setting)")
    hold.add_argument("--statement", action="append", default=[], type=_statement,
                      metavar="DUE:TOTAL[:CREDITED[:KIND]]",
                      help="an issued, unpaid statement, e.g. 2026-10-01:120.00 or "
                           "2026-10-01:120.00:20.00 (repeatable)")
    hold.add_argument("--override", action="append", default=[], type=_override,
                      metavar="UNTIL[:revoked]",
                      help="a manager's override, e.g. 2026-12-31 (repeatable)")

    year = commands.add_parser(
        "contract-year", help="the contract year a day falls in, and the renewal (§4)",
        description="The contract year (§4) a day falls in: its number, first and last day; "
                    "and the renewal that would follow the contract (as many whole years, "
                    "from the day after).")
    year.add_argument("--starts", required=True, type=_day, metavar="DAY",
                      help="the contract's first day")
    year.add_argument("--ends", required=True, type=_day, metavar="DAY",
                      help="the contract's last day")
    year.add_argument("--day", required=True, type=_day, metavar="DAY",
                      help="a day of the contract")

    allowance = commands.add_parser(
        "allowance", help="the included minutes of a contract year (§4), by its tariff",
        description="The contract year a day falls in and the included minutes per channel "
                    "it grants: those of the tariff version in force on the year's first day "
                    "(a version that starts mid-year waits for the next contract year).")
    allowance.add_argument("--tier", required=True, choices=tiers)
    allowance.add_argument("--contract-start", required=True, type=_day, metavar="DAY")
    allowance.add_argument("--contract-end", type=_day, metavar="DAY",
                           help="the contract's last day (default: its first year's)")
    allowance.add_argument("--on", required=True, type=_day, metavar="DAY",
                           help="a day of the contract")
    allowance.add_argument("--tariff", action="append", default=[], metavar="FILE",
                           help="a tariff version (TOML with its effective_from); repeat "
                                "for several (default: the Jewelsoft one)")

    status = commands.add_parser(
        "status", help="which ticket status may follow which; open and clock-paused ones",
        description="The ticket statuses: the statuses each may move to, whether it counts "
                    "as open, whether the response clock is paused in it.")
    status.add_argument("--from", dest="status", choices=[s.value for s in TicketStatus],
                        help="only this status (default: all of them)")

    timer = commands.add_parser(
        "timer", help="the work entry a stopped timer makes (§8)",
        description="The work entry a timer makes: it starts at the second the timer started "
                    "and lasts the elapsed time rounded up to a whole minute (as every entry); "
                    f"under a minute or over {TIMER_MAX_MINUTES // 60} hours, none.")
    timer.add_argument("--started", required=True, type=_aware, help="ISO datetime with offset")
    timer.add_argument("--stopped", required=True, type=_aware, help="ISO datetime with offset")

    expense = commands.add_parser(
        "expense", help="price an expense or the out-of-base fee (§5, §9)",
        description="An expense: travel, parking, lodging at cost; the out-of-base fee at the "
                    "recorded amount or the tariff's. VAT in force on the day.")
    expense.add_argument("--kind", required=True, choices=[k.value for k in ExpenseKind])
    expense.add_argument("--amount", type=_decimal,
                         help="euros (required for expenses at cost; the fee defaults to the "
                              "tariff's)")
    expense.add_argument("--on", required=True, type=_day, metavar="DAY",
                         help="the day it was incurred")
    expense.add_argument("--tariff", help="tariff TOML file (default: the Jewelsoft one)")

    town = commands.add_parser(
        "out-of-town", help="the costs the tariff proposes for an out-of-town visit (§9)",
        description="Travel as the round trip at the tariff's rate per km, the out-of-base "
                    "fee, lodging for one person at cost.")
    town.add_argument("--distance-km", required=True, type=_decimal, metavar="KM",
                      help="the customer's one-way distance")
    town.add_argument("--on", required=True, type=_day, metavar="DAY",
                      help="the day of the visit")
    town.add_argument("--tariff", help="tariff TOML file (default: the Jewelsoft one)")
    return parser


class _Held(Exception):
    """§10: out-of-scope work without an accepted agreement is not priced (exit status 2)."""


def _tariff(parser: argparse.ArgumentParser, path: str | None) -> Tariff:
    try:
        return load_tariff_file(path) if path else default_tariff()
    except TariffError as exc:
        parser.error(f"tariff: {exc}")


def _owed(owed: OwedStatement) -> dict[str, Any]:
    statement = owed.statement
    return {"statement": statement.ref, "due_on": str(statement.due_on),
            "total": _money(statement.total), "credited": _money(statement.credited),
            "owed": _money(owed.owed), "overdue_from": owed.overdue_from.isoformat(),
            "reason": owed.reason.value}


def _hold(decision: HoldDecision, today: date) -> dict[str, Any]:
    override = decision.override
    return {
        "today": today.isoformat(),
        "is_on_hold": decision.is_on_hold,
        "since": decision.since.isoformat() if decision.since else None,
        "reasons": [r.value for r in decision.reasons],
        "overdue": [_owed(o) for o in decision.overdue],
        "overdue_total": _money(decision.overdue_total),
        "within_grace": [_owed(o) for o in decision.within_grace],
        "override": None if override is None else {"until": override.until.isoformat()},
        "grace_days": decision.grace_days,
    }


def _visit_costs(args: argparse.Namespace, *, tariff: Tariff, on: date) -> list[PricedLine]:
    """§9: the travel and lodging of an out-of-town visit, priced by the engine as the
    ``out-of-town`` and ``expense`` commands do. The out-of-base fee is not among them: the
    priced entry carries it (once)."""
    lines = []
    if args.distance_km is not None:
        proposal = out_of_town_proposal(args.distance_km, tariff=tariff, on=on)
        lines.append(price_travel_distance(proposal.round_trip_km, tariff=tariff, on=on))
    elif args.travel_cost is not None:
        lines.append(price_expense(ExpenseKind.TRAVEL, args.travel_cost, tariff=tariff, on=on))
    if args.lodging is not None:
        lines.append(price_expense(ExpenseKind.LODGING, args.lodging, tariff=tariff, on=on))
    return lines


def _line(line: PricedLine) -> dict[str, Any]:
    return {
        "kind": line.kind.value,
        "minutes": line.minutes,
        "drawn_minutes": line.drawn_minutes,
        "rate_per_hour": None if line.rate_per_hour is None else _money(line.rate_per_hour),
        "is_out_of_hours": line.is_out_of_hours,
        "amount": _money(line.amount),
        "vat_rate": str(line.vat_rate),
        "quantity": None if line.quantity is None else str(line.quantity),
        "unit_price": None if line.unit_price is None else _money(line.unit_price),
    }


def _price(parser: argparse.ArgumentParser, args: argparse.Namespace, *, tariff: Tariff,
           calendar: BusinessCalendar) -> dict[str, Any]:
    """``price``: one work entry, with its §9 visit costs and its §10 agreement if any."""
    for option, value in (("--distance-km", args.distance_km),
                          ("--travel-cost", args.travel_cost), ("--lodging", args.lodging)):
        if value is not None and not args.out_of_town:
            parser.error(f"argument {option}: only with --out-of-town")
        if value is not None and args.channel != Channel.ONSITE:
            parser.error(f"argument {option}: only for an on-site visit (--channel onsite)")
    for option, value in (("--quote-amount", args.quote_amount),
                          ("--quote-rate", args.quote_rate)):
        if value is not None and not args.out_of_scope:
            parser.error(f"argument {option}: only with --out-of-scope")
    if args.quote_rate is not None and args.quote_rate == 0:
        parser.error("argument --quote-rate: must be positive")
    kind = WorkKind.TRAINING if args.training else WorkKind.SUPPORT
    if args.end is not None:
        if args.end <= args.start:
            parser.error("argument --end: must be after --start")
        item = WorkItem.between(Channel(args.channel), args.start, args.end, kind=kind,
                                is_emergency=args.emergency,
                                is_out_of_town=args.out_of_town)
    else:
        if args.minutes <= 0:
            parser.error("argument --minutes: must be positive")
        item = WorkItem(channel=Channel(args.channel), started_at=args.start,
                        minutes=args.minutes, kind=kind, is_emergency=args.emergency,
                        is_out_of_town=args.out_of_town)
    on = item.started_at.astimezone(calendar.tz).date()
    extra: list[PricedLine] = []
    if args.out_of_scope:
        if args.quote_amount is not None:
            agreement = Agreement.fixed(args.quote_amount)
            extra.append(price_agreement(agreement, tariff=tariff, on=on))
        elif args.quote_rate is not None:
            agreement = Agreement.hourly(args.quote_rate)
        else:
            raise _Held(OUT_OF_SCOPE_HELD)
        priced = price_out_of_scope(item, agreement=agreement, tariff=tariff,
                                    calendar=calendar)
    else:
        priced = price_work(item, tariff=tariff, tier=args.tier, calendar=calendar,
                            allowance_left_minutes=args.allowance_left,
                            bank_left_minutes=args.bank_left)
    lines = [*priced.lines, *extra, *_visit_costs(args, tariff=tariff, on=on)]
    totals = statement_totals(lines)
    return {
        "tariff": tariff.version,
        "lines": [_line(line) for line in lines],
        "minutes": priced.minutes,
        "rounded_minutes": priced.rounded_minutes,
        "out_of_hours_minutes": priced.out_of_hours_minutes,
        "billed_minutes": priced.billed_minutes,
        "agreed_minutes": priced.agreed_minutes,
        "allowance_drawn_minutes": priced.allowance_drawn_minutes,
        "bank_drawn_minutes": priced.bank_drawn_minutes,
        "totals": {
            "net": _money(totals.net),
            "vat": _money(totals.vat),
            "gross": _money(totals.gross),
            "vat_by_rate": {str(r): _money(v) for r, v in totals.vat_by_rate.items()},
        },
    }


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> dict[str, Any]:
    if args.command == "contract-year":
        if args.ends < args.starts:
            parser.error("argument --ends: the contract ends before it starts")
        if not args.starts <= args.day <= args.ends:
            parser.error("argument --day: not a day of the contract")
        cy = contract_year_of(contract_starts_on=args.starts, contract_ends_on=args.ends,
                              day=args.day)
        first, last = renewal_period(starts_on=args.starts, ends_on=args.ends)
        return {"number": cy.number, "starts_on": cy.starts_on.isoformat(),
                "ends_on": cy.ends_on.isoformat(),
                "renewal": {"starts_on": first.isoformat(), "ends_on": last.isoformat()}}
    if args.command == "allowance":
        end = args.contract_end or add_years(args.contract_start, 1) - timedelta(days=1)
        if not args.contract_start <= args.on <= end:
            parser.error("argument --on: not a day of the contract")
        try:
            versions = [load_tariff_file(p) for p in args.tariff] or [default_tariff()]
            cy = contract_year_of(contract_starts_on=args.contract_start,
                                  contract_ends_on=end, day=args.on)
            year_tariff = tariff_for_contract_year(versions, contract_year_starts_on=cy.starts_on)
        except (TariffError, ValueError) as exc:
            parser.error(str(exc))
        terms = year_tariff.tier(args.tier)
        return {"tier": args.tier, "tariff": year_tariff.version,
                "contract_year": {"number": cy.number, "starts_on": cy.starts_on.isoformat(),
                                  "ends_on": cy.ends_on.isoformat()},
                "included_minutes": {str(ch): t.included_minutes_per_year
                                     for ch, t in terms.channels
                                     if t.included_minutes_per_year}}
    if args.command == "timer":
        start, end = timer_span(started_at=args.started, stopped_at=args.stopped)
        return {"started_at": start.isoformat(), "ended_at": end.isoformat(),
                "minutes": round((end.astimezone(UTC) - start.astimezone(UTC))
                                 .total_seconds()) // 60}
    if args.command == "status":
        chosen = [args.status] if args.status else [s.value for s in TicketStatus]
        return {"statuses": {s: {"next": list(next_statuses(s)), "is_open": is_open(s),
                                 "is_clock_paused": is_clock_paused(s)} for s in chosen}}
    if args.command == "hold":
        return _hold(hold_decision(args.statement, args.override, today=args.today,
                                   grace_days=args.grace_days), args.today)
    tariff = _tariff(parser, args.tariff)
    calendar = jewelsoft_calendar()
    if args.command == "due":
        targets = tariff.tier(args.tier).targets(args.priority)
        target = targets.minutes(args.kind, args.target)
        due = due_at(calendar, args.received, target, args.pause)
        return {"due_at": due.isoformat(), "target_minutes": target,
                "target": args.target if args.kind == ClockKind.RESPONSE else "resolution",
                "kind": args.kind, "priority": args.priority, "tier": args.tier}
    if args.command == "price":
        return _price(parser, args, tariff=tariff, calendar=calendar)
    if args.command == "expense":
        line = price_expense(args.kind, args.amount, tariff=tariff, on=args.on)
        totals = statement_totals([line])
        return {"tariff": tariff.version, "kind": line.kind.value,
                "amount": _money(line.amount), "vat_rate": str(line.vat_rate),
                "totals": {"net": _money(totals.net), "vat": _money(totals.vat),
                           "gross": _money(totals.gross)}}
    if args.command == "out-of-town":
        proposal = out_of_town_proposal(args.distance_km, tariff=tariff, on=args.on)
        return {"tariff": tariff.version, "distance_km": str(proposal.distance_km),
                "round_trip_km": str(proposal.round_trip_km),
                "travel_rate_per_km": _money(proposal.travel_rate_per_km),
                "travel": _money(proposal.travel),
                "out_of_base_fee": _money(proposal.out_of_base_fee),
                "is_lodging_at_cost": proposal.is_lodging_at_cost}
    # fee
    rule = tariff_to_dict(tariff)["tiers"][args.tier]["annual_fee"]
    try:
        amount = annual_fee(tariff, args.tier, args.licence, prepaid_hours=args.hours)
    except ValueError as exc:
        parser.error(str(exc))
    out = {"tier": args.tier, "fee": _money(amount), "rule": rule,
           "licence_total": _money(sum(args.licence, Decimal(0)))}
    if (args.contract_start is None) != (args.contract_end is None):
        parser.error("--contract-start and --contract-end go together")
    if args.contract_start is not None:
        if args.contract_end < args.contract_start:
            parser.error("the contract must end on or after the day it starts")
        yearly = contract_fee(tariff, args.tier, args.licence)
        out["contract_fee"] = _money(yearly)
        out["years"] = [
            {"number": y.number, "starts_on": y.starts_on.isoformat(),
             "ends_on": y.ends_on.isoformat(), "fee": _money(fee_for_year(yearly, y))}
            for y in contract_years(starts_on=args.contract_start, ends_on=args.contract_end)]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``supportdesk-rules`` console script; returns the exit status
    (argparse exits with 2 on bad arguments; out-of-scope work without an agreement returns
    2 with the §10 message on standard error)."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        result = _run(parser, args)
    except _Held as held:
        sys.stderr.write(f"{held}\n")
        return 2
    except ValueError as exc:  # a rule refused the input (e.g. an impossible moment)
        parser.error(str(exc))
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
