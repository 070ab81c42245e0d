"""A technician's visits as an iCalendar (RFC 5545) feed that phones subscribe to.

Only what the technician needs on the road goes out: when, where (the customer's name,
address and phone for on-site visits), the request's reference and subject, and the visit
notes. No request body, internal notes, contract or prices: the feed URL is a bearer secret
that may end up in a phone's calendar sync, so it carries as little as possible.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from supportdesk.accounts.models import User
from supportdesk.common.text import clean_text
from supportdesk.worklog.models import Visit

PRODID = "-//supportdesk//visits//EN"


def _text(value: str, limit: int = 1000) -> str:
    return clean_text(value or "").strip()[:limit]


def visit_event(visit: Visit) -> Event:
    ticket = visit.ticket
    customer = ticket.customer
    event = Event()
    event.add("uid", f"visit-{visit.pk}@supportdesk")
    event.add("dtstamp", visit.updated_at or timezone.now())
    event.add("dtstart", visit.starts_at)
    event.add("dtend", visit.ends_at)
    where = visit.get_location_display()
    event.add("summary", _text(f"{where}: {customer.name} ({ticket.reference})", 200))
    if visit.location == Visit.Location.ONSITE:
        address = ", ".join(p for p in (customer.address, customer.postal_code, customer.city)
                            if p)
        event.add("location", _text(address or customer.name, 300))
    lines = [f"{ticket.reference} {_text(ticket.subject, 200)}"]
    if visit.location == Visit.Location.ONSITE and customer.phone:
        phone_label = _("Phone")
        lines.append(f"{phone_label}: {_text(customer.phone, 40)}")
    if visit.is_out_of_town:
        lines.append(_("Out of town (§9): record travel, out-of-base fee and lodging."))
    if visit.notes:
        lines += ["", _text(visit.notes)]
    event.add("description", "\n".join(lines))
    event.add("status", {
        Visit.Status.SCHEDULED: "CONFIRMED",
        Visit.Status.DONE: "CONFIRMED",
        Visit.Status.CANCELLED: "CANCELLED",
    }[visit.status])
    return event


def visits_to_ical(visits: Iterable[Visit], *, technician: User, lang: str = "el") -> bytes:
    with translation.override(lang):
        cal = Calendar()
        cal.add("prodid", PRODID)
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        name = technician.get_full_name() or technician.get_username()
        title = _("Visits")
        cal.add("x-wr-calname", _text(f"{title} · {name}", 120))
        cal.add("x-wr-timezone", "Europe/Athens")
        cal.add("refresh-interval", timedelta(minutes=15), parameters={"VALUE": "DURATION"})
        for visit in visits:
            cal.add_component(visit_event(visit))
        return cal.to_ical()
