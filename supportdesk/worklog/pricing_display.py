"""How a priced entry reads for a technician: "included", "from allowance 60 min",
"billed 37,50 €". Presentation only: the numbers come from the rules engine (a preview's
``PricedEntry``) or from the pricing snapshot stored on the entry; nothing is priced here.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from supportdesk.domain.money import format_eur
from supportdesk.domain.pricing import ExpenseKind
from supportdesk.worklog.models import WorkEntry
from supportdesk.worklog.services.entries import OUT_OF_TOWN_LABELS, PricedEntry

_ZERO = Decimal("0.00")


def _has_surcharge(lines) -> bool:
    return any(isinstance(line, dict) and line.get("kind") == "surcharge" for line in lines)


def _minutes_of(lines, kind: str) -> int:
    return sum(int(line.get("minutes") or 0) for line in lines
               if isinstance(line, dict) and line.get("kind") == kind)


def price_parts(*, allowance_minutes: int, bank_minutes: int, net_amount: Decimal,
                out_of_hours_minutes: int, is_surcharged: bool, lang: str,
                held_minutes: int = 0, agreed_minutes: int = 0) -> list[str]:
    """The short phrases of a price, in the order the engine applies them."""
    parts: list[str] = []
    if held_minutes:
        parts.append(_("held %(minutes)s min: out of scope (§10), no accepted agreement, "
                       "not billed") % {"minutes": held_minutes})
    if agreed_minutes:
        parts.append(_("%(minutes)s min under the fixed-amount agreement (§10)")
                     % {"minutes": agreed_minutes})
    if allowance_minutes:
        parts.append(_("from allowance %(minutes)s min") % {"minutes": allowance_minutes})
    if bank_minutes:
        parts.append(_("from prepaid hours %(minutes)s min") % {"minutes": bank_minutes})
    if net_amount and net_amount > _ZERO:
        parts.append(_("billed %(amount)s") % {"amount": format_eur(net_amount, lang)})
    if not parts:
        parts.append(_("included"))
    if out_of_hours_minutes and is_surcharged:
        parts.append(_("%(minutes)s min out of hours with the §7 surcharge")
                     % {"minutes": out_of_hours_minutes})
    return parts


def out_of_town_parts(costs, *, lang: str) -> list[str]:
    """The §9 costs of an on-site entry out of town (``OutOfTownCost.to_dict()`` rows), one
    phrase each: "Travel (§9), 240 km round trip: 96,00 €"."""
    parts = []
    for cost in costs:
        label = OUT_OF_TOWN_LABELS[ExpenseKind(cost["kind"])]
        amount = format_eur(Decimal(cost["amount"]), lang)
        if cost.get("round_trip_km"):
            parts.append(_("%(label)s, %(km)s km round trip: %(amount)s")
                         % {"label": label, "km": cost["round_trip_km"], "amount": amount})
        else:
            parts.append(_("%(label)s: %(amount)s") % {"label": label, "amount": amount})
    return parts


def priced_work_summary(priced: PricedEntry, *, lang: str) -> dict:
    """JSON-ready summary of a preview (the live price shown while an entry is typed)."""
    lang = (lang or "el")[:2]
    with override(lang):
        surcharged = _has_surcharge(priced.lines)
        parts = price_parts(
            allowance_minutes=priced.allowance_drawn_minutes,
            bank_minutes=priced.bank_drawn_minutes, net_amount=priced.net_amount,
            out_of_hours_minutes=priced.out_of_hours_minutes, is_surcharged=surcharged,
            lang=lang, held_minutes=priced.held_minutes, agreed_minutes=priced.agreed_minutes,
        )
        left = []
        if priced.allowance_left_after is not None:
            left.append(_("allowance left after: %(minutes)s min")
                        % {"minutes": priced.allowance_left_after})
        if priced.bank_left_after is not None:
            left.append(_("prepaid hours left after: %(minutes)s min")
                        % {"minutes": priced.bank_left_after})
        if priced.is_out_of_scope and priced.agreement_id is None:
            left.append(_("out of scope (§10): billed only under a separately accepted quote"))
        elif priced.is_out_of_scope:
            left.append(_("out of scope (§10): priced by the accepted agreement"))
        costs = [cost.to_dict() for cost in priced.out_of_town]
        town = out_of_town_parts(costs, lang=lang)
        return {
            "label": " · ".join(parts + town),
            "notes": left,
            "parts": parts,
            "minutes": priced.minutes,
            "rounded_minutes": priced.rounded_minutes,
            "billed_minutes": priced.billed_minutes,
            "allowance_drawn_minutes": priced.allowance_drawn_minutes,
            "bank_drawn_minutes": priced.bank_drawn_minutes,
            "out_of_hours_minutes": priced.out_of_hours_minutes,
            "net_amount": str(priced.net_amount),
            "net_amount_display": format_eur(priced.net_amount, lang),
            "is_surcharged": surcharged,
            "out_of_town": [{**cost, "label": phrase} for cost, phrase in zip(costs, town,
                                                                              strict=True)],
            "out_of_town_amount": str(priced.out_of_town_amount),
            "out_of_town_amount_display": format_eur(priced.out_of_town_amount, lang),
        }


def entry_price_label(entry: WorkEntry, *, lang: str) -> str:
    """The same phrases for a saved entry, from its stored pricing snapshot."""
    lang = (lang or "el")[:2]
    if (get_language() or "")[:2] == lang:  # already active (a page's rows): no switching
        return _entry_price_label(entry, lang=lang)
    with override(lang):
        return _entry_price_label(entry, lang=lang)


def _entry_price_label(entry: WorkEntry, *, lang: str) -> str:
    pricing = entry.pricing or {}
    return " · ".join(price_parts(
        allowance_minutes=entry.allowance_drawn_minutes,
        bank_minutes=entry.bank_drawn_minutes, net_amount=entry.net_amount,
        out_of_hours_minutes=entry.out_of_hours_minutes,
        is_surcharged=_has_surcharge(pricing.get("lines", ())), lang=lang,
        held_minutes=_minutes_of(pricing.get("lines", ()), "held"),
        agreed_minutes=_minutes_of(pricing.get("lines", ()), "agreed"),
    ) + out_of_town_parts(pricing.get("out_of_town", ()), lang=lang))
