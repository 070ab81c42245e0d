"""Presence on a request's page (the desk's collision warning): who else is looking, who is
typing. One upsert per heartbeat; rows older than a day are swept by the heartbeat itself."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from supportdesk.common.permissions import ensure_staff
from supportdesk.tickets.models import Ticket

from ..models import TicketPresence

#: Someone seen within this is "here"; typing within the shorter one is "typing".
PRESENT_FOR = timedelta(seconds=45)
TYPING_FOR = timedelta(seconds=12)
_SWEEP_AFTER = timedelta(days=1)


def presence_beat(*, ticket: Ticket, by, typing: bool, now: datetime | None = None
                  ) -> list[dict]:
    """Record that ``by`` has the request open (and is typing), and return the others who
    have it open now: ``[{"name", "typing"}]``."""
    ensure_staff(by)
    now = now or timezone.now()
    values = {"seen_at": now}
    if typing:
        values["typing_at"] = now
    try:
        with transaction.atomic():
            TicketPresence.objects.update_or_create(ticket=ticket, user=by, defaults=values)
    except IntegrityError:  # two tabs of the same person beating at once: one row wins
        TicketPresence.objects.filter(ticket=ticket, user=by).update(**values)
    TicketPresence.objects.filter(seen_at__lt=now - _SWEEP_AFTER).delete()
    others = (TicketPresence.objects.filter(ticket=ticket, seen_at__gte=now - PRESENT_FOR)
              .exclude(user=by).select_related("user").order_by("user__first_name", "pk"))
    return [{"name": p.user.get_full_name() or p.user.get_username(),
             "typing": bool(p.typing_at and p.typing_at >= now - TYPING_FOR)}
            for p in others]
