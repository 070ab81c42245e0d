"""Contract-aware placeholders in canned replies: ``{tier}``, ``{response_due}``, ...

Only the names below are replaced, by plain text computed here; anything else in braces is
left as typed (never ``str.format``, which would let a reply reach attributes of the
objects). Values come from the same selectors as the ticket page (the contract in force,
the hours left, the tariff of the contract year, the working calendar), formatted in the
language the reply is written in, with Athens times on the 24-hour clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.templatetags.supportdesk_format import eur, hours
from supportdesk.contracts.selectors import (
    calendar_get_default,
    tariff_to_domain,
    tariff_version_for,
)
from supportdesk.domain.tariff import Channel
from supportdesk.tickets.models import Ticket

from .selectors import customer_standing

_NAME = re.compile(r"\{([a-z_]{2,40})\}")

#: Every placeholder and what it becomes (shown beside the reply editor).
PLACEHOLDERS: dict[str, object] = {
    "customer": gettext_lazy("the customer's name"),
    "contact": gettext_lazy("the contact person's name"),
    "reference": gettext_lazy("the request's number, e.g. #000123"),
    "subject": gettext_lazy("the request's subject"),
    "technician": gettext_lazy("your name"),
    "tier": gettext_lazy("the tier of the request (Free, Basic, Business)"),
    "priority": gettext_lazy("the request's priority"),
    "response_due": gettext_lazy("when the response is due (Athens time)"),
    "resolution_due": gettext_lazy("when the resolution is due (Athens time)"),
    "included_hours_left": gettext_lazy("included hours left this contract year, per channel"),
    "prepaid_hours_left": gettext_lazy("prepaid hours left (Free tier)"),
    "rate_phone": gettext_lazy("the customer's rate by phone"),
    "rate_remote": gettext_lazy("the customer's rate for remote work"),
    "rate_office": gettext_lazy("the customer's rate at our offices"),
    "rate_onsite": gettext_lazy("the customer's rate at their premises"),
    "next_working_moment": gettext_lazy("the next moment we are at work (§6)"),
}


@dataclass(frozen=True)
class Rendered:
    text: str
    unknown: tuple[str, ...]  # names in braces that are not placeholders (left as typed)


def _moment(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else "—"


def _values(ticket: Ticket, *, user, now: datetime) -> dict[str, str]:
    today = timezone.localdate(now)
    standing = customer_standing(customer=ticket.customer, today=today)
    contact = ticket.contact
    values = {
        "customer": ticket.customer.name,
        "contact": (contact.get_full_name() or contact.get_username()) if contact
        else ticket.contact_name,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "technician": user.get_full_name() or user.get_username(),
        "tier": ticket.get_tier_display(),
        "priority": ticket.get_priority_display(),
        "response_due": _moment(ticket.response_due_at),
        "resolution_due": _moment(ticket.resolution_due_at),
        "included_hours_left": ", ".join(
            f"{a.label} {hours(a.left_minutes)}" for a in standing.allowance) or "—",
        "prepaid_hours_left": hours(standing.bank_minutes) if standing.uses_bank else "—",
    }
    tariff = tariff_to_domain(tariff_version_for(contract=standing.contract, day=today))
    terms = tariff.tier(standing.tier)
    for channel in Channel:
        channel_terms = terms.channel(channel)
        values[f"rate_{channel.value}"] = (
            _("included") if channel_terms.is_included else
            _("%(rate)s per hour excl. VAT") % {"rate": eur(channel_terms.rate_per_hour)})
    try:
        values["next_working_moment"] = _moment(calendar_get_default().next_working_moment(now))
    except ApplicationError:
        values["next_working_moment"] = "—"
    return values


def placeholders_render(text: str, *, ticket: Ticket, user, language: str,
                        now: datetime | None = None) -> Rendered:
    """``text`` with its placeholders filled for ``ticket``, in ``language``."""
    now = now or timezone.now()
    if not _NAME.search(text):
        return Rendered(text=text, unknown=())
    with translation.override(language):
        values = _values(ticket, user=user, now=now)
    unknown: list[str] = []

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name in values:
            return str(values[name])
        unknown.append(name)
        return match.group(0)

    return Rendered(text=_NAME.sub(fill, text), unknown=tuple(dict.fromkeys(unknown)))


def reply_language(ticket: Ticket) -> str:
    """The language the customer reads: the contact's, else Greek."""
    language = getattr(ticket.contact, "language", "") if ticket.contact else ""
    return language if language in ("el", "en") else "el"
