"""The tariff (§3-§5, §7, §9): what each tier gets and pays, as a versioned value.

A :class:`Tariff` is loaded from TOML (``data/jewelsoft-tariff.toml`` is the Jewelsoft
default, with the reading of the table in docs/rules.md "Tariff reading", §4) and can be
written back
(:func:`tariff_to_toml`, :func:`tariff_to_dict`) so that the Django side stores and edits it.

Loading is all-or-nothing: a malformed or incomplete file raises :class:`TariffError` whose
message starts with the dotted path of the field at fault
(``tiers.basic.channels.remote.rate_per_hour: expected a decimal string ...``); no
half-built tariff escapes. Unknown fields are refused too (a typo must not silently fall
back to a default).

Money, rates and percentages are given as strings (``"50.00"``, ``"0.15"``) or integers,
**never TOML floats**: a float cannot hold 0.1 exactly, and money is never a float
(docs/rules.md "Time and money"). Durations are whole minutes (integers).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import Any

from supportdesk.domain.money import quantize_money
from supportdesk.domain.sla import Priority, ResponseTarget, ServiceTargets

__all__ = [
    "DEFAULT_RESOLUTION_MINUTES",
    "DEFAULT_TARIFF_PATH",
    "AnnualFeeRule",
    "Channel",
    "ChannelTerms",
    "FeeKind",
    "OutOfTownTerms",
    "Tariff",
    "TariffError",
    "Tier",
    "TierTerms",
    "VatRate",
    "WorkKind",
    "annual_fee",
    "contract_fee",
    "default_tariff",
    "load_tariff",
    "load_tariff_file",
    "prepaid_purchase_price",
    "tariff_for_contract_year",
    "tariff_to_dict",
    "tariff_to_toml",
]

DEFAULT_TARIFF_PATH = Path(__file__).parent / "data" / "jewelsoft-tariff.toml"

_DAY = 480  # one working day (§6: 10:00-18:00) in minutes

#: Resolution targets in working minutes when a tariff does not set them (docs/rules.md
#: "Resolution targets"): configuration, not terms. For a normal priority Business 3, Basic
#: 5 and Free 10 working days; urgent and high are shorter, low twice as long.
DEFAULT_RESOLUTION_MINUTES: Mapping[str, Mapping[str, int]] = {
    "business": {"urgent": 1 * _DAY, "high": 2 * _DAY, "normal": 3 * _DAY, "low": 5 * _DAY},
    "basic": {"urgent": 2 * _DAY, "high": 3 * _DAY, "normal": 5 * _DAY, "low": 10 * _DAY},
    "free": {"urgent": 5 * _DAY, "high": 7 * _DAY, "normal": 10 * _DAY, "low": 20 * _DAY},
}


class Tier(StrEnum):
    """Contract tiers of the §4 table."""

    FREE = "free"
    BASIC = "basic"
    BUSINESS = "business"


class Channel(StrEnum):
    """The four support channels (§1): phone, remote (§2), at our offices, on site."""

    PHONE = "phone"
    REMOTE = "remote"
    OFFICE = "office"
    ONSITE = "onsite"


class WorkKind(StrEnum):
    """§3: support and training are both paid work."""

    SUPPORT = "support"
    TRAINING = "training"


class FeeKind(StrEnum):
    """§4 "annual cost": a share of the licensed software's value, or prepaid hours."""

    PERCENT_OF_LICENCE_VALUE = "percent_of_licence_value"
    PREPAID_HOURS = "prepaid_hours"


class TariffError(ValueError):
    """A tariff file or value is malformed; ``field`` is the dotted path at fault."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}" if field else problem)
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class ChannelTerms:
    """How one tier pays for one channel (§4).

    Attributes:
        is_included: no charge at all ("free of charge").
        rate_per_hour: euros per hour, excluding VAT (§5), for work not included and not
            covered by ``included_minutes_per_year``; ``None`` only when ``is_included``.
        included_minutes_per_year: a yearly allowance drawn before billing (remote: Basic
            240, Business 480); 0 for none.
    """

    is_included: bool
    rate_per_hour: Decimal | None = None
    included_minutes_per_year: int = 0


@dataclass(frozen=True)
class AnnualFeeRule:
    """§4 "annual cost".

    Attributes:
        kind: percentage of the licensed software's value, or prepaid hours.
        percent: for ``PERCENT_OF_LICENCE_VALUE``, e.g. ``Decimal("0.15")``.
        min_hours: for ``PREPAID_HOURS``, the minimum purchase in whole hours (1).
        rate_per_hour: for ``PREPAID_HOURS``, the price of one hour (the standard rate).
    """

    kind: FeeKind
    percent: Decimal | None = None
    min_hours: int | None = None
    rate_per_hour: Decimal | None = None


@dataclass(frozen=True)
class TierTerms:
    """Everything one tier gets (§4).

    Attributes:
        tier: which tier.
        channels: ``(channel, terms)`` for all four channels, in :class:`Channel` order.
        training: ``(channel, terms)`` overrides for training (§3); channels not listed
            price training like support.
        has_updates: entitled to updated versions.
        response: the response target in working minutes (§4's table).
        annual_fee: the annual cost rule.
        priorities: ``(priority, targets)`` for every :class:`Priority`: the response
            and resolution targets of a request of that priority.
    """

    tier: Tier
    channels: tuple[tuple[Channel, ChannelTerms], ...]
    has_updates: bool
    response: ResponseTarget
    annual_fee: AnnualFeeRule
    training: tuple[tuple[Channel, ChannelTerms], ...] = ()
    priorities: tuple[tuple[Priority, ServiceTargets], ...] = ()

    def targets(self, priority: Priority | str = Priority.NORMAL) -> ServiceTargets:
        """The response and resolution targets of a request of ``priority``."""
        wanted = Priority(priority)
        for key, targets in self.priorities:
            if key == wanted:
                return targets
        return _default_targets(self.tier, wanted, self.response)

    def channel(self, channel: Channel, kind: WorkKind = WorkKind.SUPPORT) -> ChannelTerms:
        """The terms for work of ``kind`` on ``channel``."""
        if kind == WorkKind.TRAINING:
            for key, terms in self.training:
                if key == channel:
                    return terms
        for key, terms in self.channels:
            if key == channel:
                return terms
        raise KeyError(channel)

    @property
    def uses_prepaid_bank(self) -> bool:
        """Work is drawn from a prepaid hour bank before billing (Free tier, §4)."""
        return self.annual_fee.kind == FeeKind.PREPAID_HOURS


@dataclass(frozen=True)
class VatRate:
    """A VAT rate in force from ``effective_from`` (§5; Greek standard rate 24%)."""

    effective_from: date
    rate: Decimal


@dataclass(frozen=True)
class OutOfTownTerms:
    """§9: a visit outside the vendor's city and suburbs.

    Attributes:
        out_of_base_fee: a fixed fee per out-of-town visit (configuration).
        travel_rate_per_km: euros per km when travel is charged by distance (configuration;
            travel may also be re-billed at cost as an expense line).
        is_lodging_at_cost: lodging for one person is re-billed at cost.
    """

    out_of_base_fee: Decimal
    travel_rate_per_km: Decimal
    is_lodging_at_cost: bool = True


@dataclass(frozen=True)
class Tariff:
    """A versioned, effective-dated tariff.

    Attributes:
        version: a label ("jewelsoft-2026.1").
        effective_from: the first day it applies.
        currency: ISO code, "EUR".
        standard_rate_per_hour: the standard rate (50 €/h): Free tier work, prepaid hours.
        billing_unit_minutes: each work entry is rounded up to this unit (1 or e.g. 15).
        out_of_hours_surcharge: §7, the share added for out-of-hours work (0.20).
        is_surcharge_for_emergencies_only: §7 speaks of accepted emergencies; when true,
            work that merely runs past closing time is not surcharged.
        vat: dated VAT rates, sorted by date.
        out_of_town: §9 extras.
        tiers: the three tiers' terms, in :class:`Tier` order.
    """

    version: str
    effective_from: date
    currency: str
    standard_rate_per_hour: Decimal
    billing_unit_minutes: int
    out_of_hours_surcharge: Decimal
    is_surcharge_for_emergencies_only: bool
    vat: tuple[VatRate, ...]
    out_of_town: OutOfTownTerms
    tiers: tuple[TierTerms, ...]

    def tier(self, tier: Tier | str) -> TierTerms:
        """The terms of ``tier``."""
        wanted = Tier(tier)
        for terms in self.tiers:
            if terms.tier == wanted:
                return terms
        raise KeyError(tier)

    def terms(self, tier: Tier | str, channel: Channel | str,
              kind: WorkKind | str = WorkKind.SUPPORT) -> ChannelTerms:
        """Shortcut: ``tier(tier).channel(channel, kind)``."""
        return self.tier(tier).channel(Channel(channel), WorkKind(kind))

    def vat_rate_on(self, day: date) -> Decimal:
        """The VAT rate in force on ``day``."""
        rate = None
        for entry in self.vat:
            if entry.effective_from <= day:
                rate = entry.rate
        if rate is None:
            raise TariffError("vat", f"no VAT rate in force on {day.isoformat()}")
        return rate


# --------------------------------------------------------------------------- fees


def annual_fee(tariff: Tariff, tier: Tier | str, licence_values: Iterable[Decimal] = (),
               *, prepaid_hours: int | None = None) -> Decimal:
    """The annual contract fee (§4): ``percent`` of the summed licence values for Basic
    (15%) and Business (30%); for a prepaid-hours tier (Free), the price of
    ``prepaid_hours`` (default: the minimum purchase)."""
    rule = tariff.tier(tier).annual_fee
    if rule.kind == FeeKind.PREPAID_HOURS:
        hours = rule.min_hours if prepaid_hours is None else prepaid_hours
        return prepaid_purchase_price(tariff, hours or 0, tier=tier)
    total = Decimal(0)
    for value in licence_values:
        if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
            raise ValueError(f"licence value must be a non-negative Decimal, got {value!r}")
        total += value
    assert rule.percent is not None
    return quantize_money(total * rule.percent)


def contract_fee(tariff: Tariff, tier: Tier | str,
                 licence_values: Iterable[Decimal] = ()) -> Decimal:
    """What a contract of ``tier`` bills as its yearly fee statement (§4): the annual fee of
    a percentage tier; nothing for a prepaid-hours tier (Free), whose "annual cost" is the
    prepaid hours it buys, billed by their own sale (docs/rules.md "Prepaid hours")."""
    if tariff.tier(tier).annual_fee.kind == FeeKind.PREPAID_HOURS:
        return Decimal("0.00")
    return annual_fee(tariff, tier, licence_values)


def prepaid_purchase_price(tariff: Tariff, hours: int,
                           *, tier: Tier | str = Tier.FREE) -> Decimal:
    """The price of buying ``hours`` prepaid hours (§4: whole hours, at least the minimum)."""
    rule = tariff.tier(tier).annual_fee
    if rule.kind != FeeKind.PREPAID_HOURS:
        raise ValueError(f"tier {Tier(tier).value} does not buy prepaid hours")
    if isinstance(hours, bool) or not isinstance(hours, int):
        raise ValueError(f"prepaid hours must be a whole number, got {hours!r}")
    minimum = rule.min_hours or 1
    if hours < minimum:
        raise ValueError(f"prepaid hours must be at least {minimum}, got {hours}")
    rate = rule.rate_per_hour if rule.rate_per_hour is not None else tariff.standard_rate_per_hour
    return quantize_money(rate * hours)


# --------------------------------------------------------------------------- loading


class _Reader:
    """Typed access to a TOML table that names the field in every error."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise TariffError(path, f"expected a table, got {_describe(data)}")
        self.data = data
        self.path = path
        self.used: set[str] = set()

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def raw(self, key: str, *, required: bool = True) -> Any:
        self.used.add(key)
        if key not in self.data:
            if required:
                raise TariffError(self.where(key), "missing")
            return None
        return self.data[key]

    def table(self, key: str) -> _Reader:
        return _Reader(self.raw(key), self.where(key))

    def string(self, key: str) -> str:
        value = self.raw(key)
        if not isinstance(value, str) or not value.strip():
            raise TariffError(self.where(key), f"expected a non-empty string, got "
                                               f"{_describe(value)}")
        return value

    def boolean(self, key: str, default: bool | None = None) -> bool:
        value = self.raw(key, required=default is None)
        if value is None:
            assert default is not None
            return default
        if not isinstance(value, bool):
            raise TariffError(self.where(key), f"expected true or false, got {_describe(value)}")
        return value

    def integer(self, key: str, *, default: int | None = None, minimum: int = 0) -> int:
        value = self.raw(key, required=default is None)
        if value is None:
            assert default is not None
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise TariffError(self.where(key), f"expected a whole number, got {_describe(value)}")
        if value < minimum:
            raise TariffError(self.where(key), f"must be at least {minimum}, got {value}")
        return value

    def decimal(self, key: str, *, required: bool = True, maximum: Decimal | None = None
                ) -> Decimal | None:
        value = self.raw(key, required=required)
        if value is None:
            return None
        where = self.where(key)
        if isinstance(value, float):
            raise TariffError(where, f"expected a decimal string such as \"{value}\", got the "
                                     f"float {value!r} (money and rates are never floats)")
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise TariffError(where, f"expected a decimal string, got {_describe(value)}")
        try:
            number = Decimal(value.strip() if isinstance(value, str) else value)
        except InvalidOperation:
            raise TariffError(where, f"expected a decimal string, got {value!r}") from None
        if not number.is_finite():
            raise TariffError(where, f"expected a finite decimal, got {value!r}")
        if number < 0:
            raise TariffError(where, f"must not be negative, got {value!r}")
        if maximum is not None and number > maximum:
            raise TariffError(where, f"must be at most {maximum}, got {value!r}")
        return number

    def money(self, key: str, *, required: bool = True) -> Decimal | None:
        return self.decimal(key, required=required)

    def day(self, key: str) -> date:
        value = self.raw(key)
        if isinstance(value, date) and not hasattr(value, "hour"):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise TariffError(self.where(key), f"expected a date (YYYY-MM-DD), got "
                                           f"{_describe(value)}")

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise TariffError(self.where(unknown[0]), "unknown field")


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    kind = {bool: "a boolean", int: "an integer", float: "a float", str: "a string",
            dict: "a table", list: "an array"}.get(type(value), type(value).__name__)
    return f"{kind} ({value!r})" if not isinstance(value, dict | list) else kind


_ONE = Decimal(1)


def _channel_terms(reader: _Reader) -> ChannelTerms:
    is_included = reader.boolean("included", default=False)
    allowance = reader.integer("included_minutes_per_year", default=0)
    rate = reader.money("rate_per_hour", required=not is_included)
    if is_included and allowance:
        raise TariffError(reader.where("included_minutes_per_year"),
                          "an included channel needs no yearly allowance")
    reader.done()
    return ChannelTerms(is_included=is_included, rate_per_hour=rate,
                        included_minutes_per_year=allowance)


def _annual_fee(reader: _Reader, standard_rate: Decimal) -> AnnualFeeRule:
    kind_text = reader.string("kind")
    try:
        kind = FeeKind(kind_text)
    except ValueError:
        choices = ", ".join(k.value for k in FeeKind)
        raise TariffError(reader.where("kind"), f"expected one of {choices}, got "
                                                f"{kind_text!r}") from None
    if kind == FeeKind.PERCENT_OF_LICENCE_VALUE:
        percent = reader.decimal("percent", maximum=_ONE)
        reader.done()
        return AnnualFeeRule(kind=kind, percent=percent)
    min_hours = reader.integer("min_hours", default=1, minimum=1)
    rate = reader.money("rate_per_hour", required=False)
    reader.done()
    return AnnualFeeRule(kind=kind, min_hours=min_hours,
                         rate_per_hour=standard_rate if rate is None else rate)


def _default_targets(tier: Tier, priority: Priority, response: ResponseTarget
                     ) -> ServiceTargets:
    resolution = DEFAULT_RESOLUTION_MINUTES[tier.value][priority.value]
    return ServiceTargets(response=response,
                          resolution_minutes=max(resolution, response.max_minutes))


def _priority_targets(tier: Tier, reader: _Reader | None, response: ResponseTarget
                      ) -> tuple[tuple[Priority, ServiceTargets], ...]:
    """Each priority's targets; a missing field takes the tier's §4 response target or the
    default resolution target."""
    result = []
    for priority in Priority:
        default = _default_targets(tier, priority, response)
        if reader is None or priority.value not in reader.data:
            result.append((priority, default))
            continue
        entry = reader.table(priority.value)
        expected = entry.integer("response_expected_minutes",
                                 default=response.expected_minutes, minimum=1)
        maximum = entry.integer("response_max_minutes",
                                default=max(response.max_minutes, expected), minimum=1)
        if maximum < expected:
            raise TariffError(entry.where("response_max_minutes"),
                              "must not be less than response_expected_minutes")
        resolution = entry.integer("resolution_minutes",
                                   default=max(default.resolution_minutes, maximum),
                                   minimum=1)
        if resolution < maximum:
            raise TariffError(entry.where("resolution_minutes"),
                              "must not be less than response_max_minutes")
        entry.done()
        result.append((priority, ServiceTargets(
            response=ResponseTarget(expected_minutes=expected, max_minutes=maximum),
            resolution_minutes=resolution)))
    if reader is not None:
        reader.done()
    return tuple(result)


def _tier_terms(tier: Tier, reader: _Reader, standard_rate: Decimal) -> TierTerms:
    channels_reader = reader.table("channels")
    channels = tuple(
        (channel, _channel_terms(channels_reader.table(channel.value))) for channel in Channel)
    channels_reader.done()
    training: list[tuple[Channel, ChannelTerms]] = []
    if reader.raw("training", required=False) is not None:
        training_reader = reader.table("training")
        for channel in Channel:
            if channel.value in training_reader.data:
                training.append((channel, _channel_terms(training_reader.table(channel.value))))
        training_reader.done()
    has_updates = reader.boolean("updates")
    expected = reader.integer("response_expected_minutes", minimum=1)
    maximum = reader.integer("response_max_minutes", minimum=1)
    if maximum < expected:
        raise TariffError(reader.where("response_max_minutes"),
                          "must not be less than response_expected_minutes")
    fee = _annual_fee(reader.table("annual_fee"), standard_rate)
    response = ResponseTarget(expected_minutes=expected, max_minutes=maximum)
    priorities = _priority_targets(
        tier, reader.table("priorities") if reader.raw("priorities", required=False)
        is not None else None, response)
    reader.done()
    return TierTerms(tier=tier, channels=channels, training=tuple(training),
                     has_updates=has_updates, response=response, annual_fee=fee,
                     priorities=priorities)


def _tariff_from_data(data: dict[str, Any]) -> Tariff:
    root = _Reader(data, "")
    version = root.string("version")
    effective_from = root.day("effective_from")
    currency = root.string("currency")
    standard_rate = root.money("standard_rate_per_hour")
    assert standard_rate is not None
    unit = root.integer("billing_unit_minutes", minimum=1)

    ooh = root.table("out_of_hours")
    surcharge = ooh.decimal("surcharge", maximum=Decimal(10))
    emergencies_only = ooh.boolean("emergency_only")
    ooh.done()

    vat_list = root.raw("vat")
    if not isinstance(vat_list, list) or not vat_list:
        raise TariffError("vat", "expected at least one [[vat]] entry")
    vat = []
    for n, item in enumerate(vat_list):
        entry = _Reader(item, f"vat[{n}]")
        rate = entry.decimal("rate", maximum=_ONE)
        assert rate is not None
        vat.append(VatRate(effective_from=entry.day("effective_from"), rate=rate))
        entry.done()
    vat.sort(key=lambda v: v.effective_from)
    for earlier, later in pairwise(vat):
        if earlier.effective_from == later.effective_from:
            raise TariffError("vat", f"two rates from {later.effective_from.isoformat()}")

    town = root.table("out_of_town")
    out_of_town = OutOfTownTerms(
        out_of_base_fee=town.money("out_of_base_fee"),  # type: ignore[arg-type]
        travel_rate_per_km=town.money("travel_rate_per_km"),  # type: ignore[arg-type]
        is_lodging_at_cost=town.boolean("lodging_at_cost", default=True),
    )
    town.done()

    tiers_reader = root.table("tiers")
    tiers = tuple(_tier_terms(t, tiers_reader.table(t.value), standard_rate) for t in Tier)
    tiers_reader.done()
    root.done()
    return Tariff(
        version=version,
        effective_from=effective_from,
        currency=currency,
        standard_rate_per_hour=standard_rate,
        billing_unit_minutes=unit,
        out_of_hours_surcharge=surcharge,  # type: ignore[arg-type]
        is_surcharge_for_emergencies_only=emergencies_only,
        vat=tuple(vat),
        out_of_town=out_of_town,
        tiers=tiers,
    )


def load_tariff(text: str) -> Tariff:
    """Parse a tariff from TOML text; raises :class:`TariffError` naming the field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TariffError("", f"not valid TOML: {exc}") from exc
    return _tariff_from_data(data)


def load_tariff_file(path: str | Path) -> Tariff:
    """Read and parse a tariff file (UTF-8 TOML)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TariffError("", f"cannot read tariff file {path}: {exc.strerror}") from exc
    return load_tariff(text)


def default_tariff() -> Tariff:
    """The Jewelsoft tariff shipped with the package (docs/rules.md "Tariff reading")."""
    return load_tariff_file(DEFAULT_TARIFF_PATH)


# --------------------------------------------------------------------------- writing


def _money_text(value: Decimal) -> str:
    return format(value, "f")


def _channel_dict(terms: ChannelTerms) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if terms.is_included:
        result["included"] = True
    if terms.included_minutes_per_year:
        result["included_minutes_per_year"] = terms.included_minutes_per_year
    if terms.rate_per_hour is not None:
        result["rate_per_hour"] = _money_text(terms.rate_per_hour)
    return result


def tariff_to_dict(tariff: Tariff) -> dict[str, Any]:
    """The tariff as plain data (str, int, bool, nested dicts/lists; decimals and dates as
    strings), in the shape of the TOML file: ``load_tariff`` of its TOML gives it back."""
    tiers: dict[str, Any] = {}
    for terms in tariff.tiers:
        fee = terms.annual_fee
        fee_dict: dict[str, Any] = {"kind": fee.kind.value}
        if fee.kind == FeeKind.PERCENT_OF_LICENCE_VALUE:
            assert fee.percent is not None
            fee_dict["percent"] = _money_text(fee.percent)
        else:
            fee_dict["min_hours"] = fee.min_hours
            if fee.rate_per_hour is not None:
                fee_dict["rate_per_hour"] = _money_text(fee.rate_per_hour)
        tier_dict: dict[str, Any] = {
            "updates": terms.has_updates,
            "response_expected_minutes": terms.response.expected_minutes,
            "response_max_minutes": terms.response.max_minutes,
            "annual_fee": fee_dict,
            "channels": {c.value: _channel_dict(t) for c, t in terms.channels},
        }
        if terms.training:
            tier_dict["training"] = {c.value: _channel_dict(t) for c, t in terms.training}
        tier_dict["priorities"] = {
            p.value: {"response_expected_minutes": t.response.expected_minutes,
                      "response_max_minutes": t.response.max_minutes,
                      "resolution_minutes": t.resolution_minutes}
            for p in Priority for t in [terms.targets(p)]}
        tiers[terms.tier.value] = tier_dict
    return {
        "version": tariff.version,
        "effective_from": tariff.effective_from.isoformat(),
        "currency": tariff.currency,
        "standard_rate_per_hour": _money_text(tariff.standard_rate_per_hour),
        "billing_unit_minutes": tariff.billing_unit_minutes,
        "out_of_hours": {
            "surcharge": _money_text(tariff.out_of_hours_surcharge),
            "emergency_only": tariff.is_surcharge_for_emergencies_only,
        },
        "vat": [{"effective_from": v.effective_from.isoformat(), "rate": _money_text(v.rate)}
                for v in tariff.vat],
        "out_of_town": {
            "out_of_base_fee": _money_text(tariff.out_of_town.out_of_base_fee),
            "travel_rate_per_km": _money_text(tariff.out_of_town.travel_rate_per_km),
            "lodging_at_cost": tariff.out_of_town.is_lodging_at_cost,
        },
        "tiers": tiers,
    }


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON string escapes are valid TOML
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def _toml_table(lines: list[str], path: str, table: Mapping[str, Any]) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, Mapping | list)}
    if path and scalars:
        lines.append(f"\n[{path}]")
    for key, value in scalars.items():
        lines.append(f"{key} = {_toml_value(value)}")
    for key, value in table.items():
        child = f"{path}.{key}" if path else key
        if isinstance(value, list):
            for item in value:
                lines.append(f"\n[[{child}]]")
                lines.extend(f"{k} = {_toml_value(v)}" for k, v in item.items())
        elif isinstance(value, Mapping):
            if key in ("channels", "training"):  # one inline table per channel
                lines.append(f"\n[{child}]")
                lines.extend(f"{k} = {_toml_value(v)}" for k, v in value.items())
            elif key == "annual_fee":
                lines.append(f"{key} = {_toml_value(value)}")
            else:
                _toml_table(lines, child, value)


def tariff_to_toml(tariff: Tariff) -> str:
    """The tariff as TOML text that :func:`load_tariff` reads back to an equal tariff."""
    data = tariff_to_dict(tariff)
    lines = [f"# Tariff {tariff.version}, written by supportdesk.domain.tariff_to_toml"]
    _toml_table(lines, "", data)
    return "\n".join(lines) + "\n"


def tariff_for_contract_year(tariffs: Iterable[Tariff], *, contract_year_starts_on: date
                             ) -> Tariff:
    """Of several tariff versions, the one that prices a contract year: the version in force
    on the year's first day (docs/rules.md "The contract year keeps its tariff")."""
    in_force = [t for t in tariffs if t.effective_from <= contract_year_starts_on]
    if not in_force:
        raise ValueError(f"no tariff version is in force on {contract_year_starts_on}")
    return max(in_force, key=lambda t: t.effective_from)
