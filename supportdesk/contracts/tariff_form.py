"""A manager's tariff editor: the numbers of a tariff version as a form, not raw TOML.

The form starts from the version in force (its TOML read with ``tomllib``), shows a tier x
channel grid (rate per hour, included, included hours per year), the response targets, the
annual fee percentages, the standard rate, the out-of-hours surcharge, VAT and the
out-of-town extras, and writes the edited numbers back into the same structure as TOML.
That text is validated by the rules engine's own loader (``domain.tariff.load_tariff``) and
priced for a preview before anything is saved; the TOML stays the import/export format
(the admin keeps it). Rules the form does not show (priorities, prepaid fee rules...) are
carried over unchanged.
"""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from supportdesk.common.forms import DateField
from supportdesk.domain.tariff import TariffError, load_tariff

TIERS = (("free", "Free"), ("basic", "Basic"), ("business", "Business"))
CHANNELS = (("phone", _("Phone")), ("remote", _("Remote")), ("office", _("At our offices")),
            ("onsite", _("At customer premises")))


def _money(value) -> str:
    try:
        return str(Decimal(str(value)).quantize(Decimal("0.01")))
    except (InvalidOperation, ValueError):
        return ""


class TariffForm(forms.Form):
    version = forms.CharField(label=_("Version name"), max_length=60)
    effective_from = DateField(label=_("In force from"))
    standard_rate_per_hour = forms.DecimalField(label=_("Standard rate per hour (€)"),
                                                min_value=0, decimal_places=2, max_digits=8)
    surcharge_percent = forms.DecimalField(label=_("Out-of-hours surcharge (%)"), min_value=0,
                                           max_value=500, decimal_places=2, max_digits=6)
    vat_percent = forms.DecimalField(label=_("VAT (%)"), min_value=0, max_value=100,
                                     decimal_places=2, max_digits=5)
    out_of_base_fee = forms.DecimalField(label=_("Out-of-town visit fee (€)"), min_value=0,
                                         decimal_places=2, max_digits=8)
    travel_rate_per_km = forms.DecimalField(label=_("Travel per km (€)"), min_value=0,
                                            decimal_places=2, max_digits=6)

    def __init__(self, *args, source: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source
        for tier, _label in TIERS:
            terms = source.get("tiers", {}).get(tier, {})
            self.fields[f"{tier}__response_expected_minutes"] = forms.IntegerField(
                label=_("Response target (working minutes)"), min_value=1)
            self.fields[f"{tier}__response_max_minutes"] = forms.IntegerField(
                label=_("Latest response (working minutes)"), min_value=1)
            if terms.get("annual_fee", {}).get("kind") == "percent_of_licence_value":
                self.fields[f"{tier}__fee_percent"] = forms.DecimalField(
                    label=_("Annual fee (% of licence value)"), min_value=0, max_value=100,
                    decimal_places=2, max_digits=5)
            for channel, _clabel in CHANNELS:
                prefix = f"{tier}__{channel}"
                self.fields[f"{prefix}__included"] = forms.BooleanField(
                    label=_("Included"), required=False)
                self.fields[f"{prefix}__included_hours"] = forms.DecimalField(
                    label=_("Included hours per year"), required=False, min_value=0,
                    decimal_places=2, max_digits=6)
                self.fields[f"{prefix}__rate_per_hour"] = forms.DecimalField(
                    label=_("Rate per hour (€)"), required=False, min_value=0,
                    decimal_places=2, max_digits=8)

    @classmethod
    def initial_from(cls, source: dict, *, effective_from: dt.date) -> dict:
        initial = {
            "version": source.get("version", ""), "effective_from": effective_from,
            "standard_rate_per_hour": _money(source.get("standard_rate_per_hour", "")),
            "surcharge_percent": Decimal(str(source.get("out_of_hours", {}).get("surcharge", 0)))
            * 100,
            "vat_percent": Decimal(str(sorted(source.get("vat", [{}]),
                                              key=lambda v: v.get("effective_from", ""))[-1]
                                       .get("rate", 0))) * 100,
            "out_of_base_fee": _money(source.get("out_of_town", {}).get("out_of_base_fee", 0)),
            "travel_rate_per_km": _money(source.get("out_of_town", {})
                                         .get("travel_rate_per_km", 0)),
        }
        for tier, _label in TIERS:
            terms = source.get("tiers", {}).get(tier, {})
            initial[f"{tier}__response_expected_minutes"] = terms.get("response_expected_minutes")
            initial[f"{tier}__response_max_minutes"] = terms.get("response_max_minutes")
            fee = terms.get("annual_fee", {})
            if fee.get("kind") == "percent_of_licence_value":
                initial[f"{tier}__fee_percent"] = Decimal(str(fee.get("percent", 0))) * 100
            for channel, _clabel in CHANNELS:
                ch = terms.get("channels", {}).get(channel, {})
                prefix = f"{tier}__{channel}"
                initial[f"{prefix}__included"] = bool(ch.get("included"))
                minutes = ch.get("included_minutes_per_year")
                initial[f"{prefix}__included_hours"] = (Decimal(minutes) / 60 if minutes
                                                        else None)
                initial[f"{prefix}__rate_per_hour"] = (_money(ch["rate_per_hour"])
                                                       if "rate_per_hour" in ch else None)
        return initial

    TOP = ("version", "effective_from", "standard_rate_per_hour", "surcharge_percent",
           "vat_percent", "out_of_base_fee", "travel_rate_per_km")

    def top_fields(self):
        return [self[name] for name in self.TOP]

    def grid(self):
        """Rows for the template: per tier, its targets, fee and one cell per channel."""
        rows = []
        for tier, label in TIERS:
            cells = [(clabel, self[f"{tier}__{channel}__included"],
                      self[f"{tier}__{channel}__included_hours"],
                      self[f"{tier}__{channel}__rate_per_hour"]) for channel, clabel in CHANNELS]
            fee = self[f"{tier}__fee_percent"] if f"{tier}__fee_percent" in self.fields else None
            rows.append({"tier": label, "expected": self[f"{tier}__response_expected_minutes"],
                         "max": self[f"{tier}__response_max_minutes"], "fee": fee,
                         "cells": cells})
        return rows

    def tariff_data(self) -> dict:
        """The source structure with the form's numbers in it (call after is_valid)."""
        data = copy.deepcopy(self.source)
        c = self.cleaned_data
        data["version"] = c["version"]
        data["effective_from"] = c["effective_from"].isoformat()
        data["standard_rate_per_hour"] = _money(c["standard_rate_per_hour"])
        data.setdefault("out_of_hours", {})["surcharge"] = str(
            (c["surcharge_percent"] / 100).normalize())
        vat = [v for v in data.get("vat", [])
               if v.get("effective_from", "") < data["effective_from"]]
        vat.append({"effective_from": data["effective_from"],
                    "rate": str((c["vat_percent"] / 100).normalize())})
        data["vat"] = vat
        town = data.setdefault("out_of_town", {})
        town["out_of_base_fee"] = _money(c["out_of_base_fee"])
        town["travel_rate_per_km"] = _money(c["travel_rate_per_km"])
        for tier, _label in TIERS:
            terms = data.setdefault("tiers", {}).setdefault(tier, {})
            terms["response_expected_minutes"] = c[f"{tier}__response_expected_minutes"]
            terms["response_max_minutes"] = c[f"{tier}__response_max_minutes"]
            if f"{tier}__fee_percent" in c:
                terms["annual_fee"]["percent"] = str((c[f"{tier}__fee_percent"] / 100).normalize())
            channels = terms.setdefault("channels", {})
            for channel, _clabel in CHANNELS:
                prefix = f"{tier}__{channel}"
                entry = {}
                if c[f"{prefix}__included"]:
                    entry["included"] = True
                hours = c[f"{prefix}__included_hours"]
                if hours:
                    entry["included_minutes_per_year"] = int(hours * 60)
                if c[f"{prefix}__rate_per_hour"] is not None:
                    entry["rate_per_hour"] = _money(c[f"{prefix}__rate_per_hour"])
                channels[channel] = entry
        return data


def tariff_source(text: str) -> dict:
    return tomllib.loads(text)


def check_tariff(text: str):
    """The engine's own verdict: the Tariff, or the TariffError naming the field."""
    try:
        return load_tariff(text), None
    except TariffError as exc:
        return None, exc


# -- TOML out (the structure above: tables, arrays of tables, scalars, inline values) ------

def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() and key.isascii() \
        else _value(key)


def _is_table(value) -> bool:
    return isinstance(value, dict) and any(isinstance(v, dict) for v in value.values())


def to_toml(data: dict, *, header: str = "") -> str:
    lines: list[str] = []
    if header:
        lines += [f"# {line}" if line else "#" for line in header.splitlines()] + [""]

    def emit(table: dict, path: list[str]) -> None:
        scalars = {k: v for k, v in table.items()
                   if not _is_table(v) and not (isinstance(v, list) and v
                                                and all(isinstance(i, dict) for i in v))
                   and not (isinstance(v, dict) and len(path) < 1)}
        if path and scalars:
            lines.append("[" + ".".join(_key(p) for p in path) + "]")
        for k, v in scalars.items():
            lines.append(f"{_key(k)} = {_value(v)}")
        if scalars:
            lines.append("")
        for k, v in table.items():
            if k in scalars:
                continue
            if isinstance(v, list):
                for item in v:
                    lines.append("[[" + ".".join(_key(p) for p in [*path, k]) + "]]")
                    for ik, iv in item.items():
                        lines.append(f"{_key(ik)} = {_value(iv)}")
                    lines.append("")
            else:
                emit(v, [*path, k])

    emit(data, [])
    return "\n".join(lines).rstrip() + "\n"
