"""The survey's writes (docs/satisfaction.md): the survey mail on resolution, a rating,
its comment.

* **The survey** is told through the notifications (``notify``: a row in the transaction
  of the status change, sent after commit, in the contact's language, once per occurrence
  key), called by :func:`survey_on_announcement`, the listener this app registers in its
  ``ready()`` for ``ticket.status_changed``. It goes to the request's contact only (a
  request without one, or whose contact left the customer, gets no survey), once per
  request: the key is the request's, and a request already surveyed or rated is not
  surveyed again when it is reopened and resolved anew.
* **A rating** is one row per request (UNIQUE): of two clicks, double submits or threads,
  the first is kept and the others are told it was already given; nothing changes.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.common.exceptions import ApplicationError
from supportdesk.domain.ticket_status import CLOSED_STATUSES
from supportdesk.notifications.announcements import Announcement, Happening
from supportdesk.notifications.events import Event
from supportdesk.notifications.models import Notification
from supportdesk.notifications.services import address_valid, notify
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services._common import clean_field
from supportdesk.tickets.services.notices import site_url, thread_mail, ticket_context

from .models import COMMENT_MAX, Rating
from .tokens import VALID_DAYS, rate_token

TEMPLATE = "satisfaction/notifications/survey"
NOT_YOURS = _("You cannot rate this request.")
NOT_RESOLVED = _("This request is not resolved: it can be rated once it is.")
SCORE_INVALID = _("Choose good or poor.")
COMMENT = _("Comment")


def survey_key(ticket_id: int) -> str:
    return f"{Event.SATISFACTION_SURVEY}:{int(ticket_id)}"


def may_rate(user, ticket: Ticket) -> bool:
    """An active user of the request's own customer (a contact who moved elsewhere or was
    deactivated may not; staff do not rate)."""
    return bool(user is not None and user.is_active
                and getattr(user, "is_customer_user", False)
                and user.customer_id is not None and user.customer_id == ticket.customer_id)


# ----------------------------------------------------------------------------- the survey


def survey_on_announcement(announcement: Announcement) -> None:
    """Listener of the notifications' announcements: a request reaching resolved (or closed
    straight from an open state) is surveyed."""
    if announcement.event != Happening.TICKET_STATUS_CHANGED:
        return
    old, new = announcement.data.get("old"), announcement.data.get("new")
    if new in CLOSED_STATUSES and old not in CLOSED_STATUSES:
        survey_send(announcement.subject)


def survey_send(ticket: Ticket, *, now: datetime | None = None) -> list[Notification]:
    """Mail the rating links to the request's contact, once per request (see module)."""
    contact = ticket.contact
    if ticket.merged_into_id is not None or not may_rate(contact, ticket):
        return []
    if not address_valid(contact.email):
        return []
    if (Rating.objects.filter(ticket_id=ticket.pk).exists()
            or Notification.objects.filter(key=survey_key(ticket.pk)).exists()):
        return []
    moment = (now or timezone.now()).timestamp()
    token = rate_token(ticket_id=ticket.pk, user_id=contact.pk, now=moment)
    link = site_url(reverse("portal:rate:link", args=[token]))
    context = {**ticket_context(ticket, staff=False),
               "good_url": f"{link}?score=good", "poor_url": f"{link}?score=poor",
               "days": VALID_DAYS}
    return notify(event=Event.SATISFACTION_SURVEY, users=[contact], key=survey_key(ticket.pk),
                  template=TEMPLATE, context=context, customer_id=ticket.customer_id,
                  ticket_id=ticket.pk, link=reverse("portal:ticket", args=[ticket.pk]),
                  **thread_mail(ticket.pk))


# ----------------------------------------------------------------------------- a rating


def _comment(text: str | None) -> str:
    return clean_field(text, field=COMMENT, max_length=COMMENT_MAX, required=False)


def rating_record(*, ticket: Ticket, by, score: str, comment: str = "", via: str,
                  now: datetime | None = None) -> tuple[Rating, bool]:
    """Record ``by``'s rating of ``ticket``; returns (the request's rating, whether it is
    this one). Already rated: the first rating, unchanged, and False."""
    if not may_rate(by, ticket):
        raise ApplicationError(NOT_YOURS, code="not_allowed")
    if score not in Rating.Score.values:
        raise ApplicationError(SCORE_INVALID, code="invalid_score")
    comment = _comment(comment)
    now = now or timezone.now()
    with transaction.atomic():
        # The request's row lock orders concurrent raters on PostgreSQL; the UNIQUE
        # constraint decides on SQLite (and in any case).
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        existing = Rating.objects.filter(ticket_id=locked.pk).first()
        if existing is not None:
            return existing, False
        if locked.status not in CLOSED_STATUSES:
            raise ApplicationError(NOT_RESOLVED, code="not_resolved")
        try:
            with transaction.atomic():
                rating = Rating.objects.create(
                    ticket=locked, score=score, comment=comment, rated_by=by, via=via,
                    rated_at=now, commented_at=now if comment else None)
        except IntegrityError:
            return Rating.objects.get(ticket_id=locked.pk), False
    return rating, True


def rating_comment_add(*, rating: Rating, by, comment: str,
                       now: datetime | None = None) -> bool:
    """Add the comment to a rating that has none (once: a second one changes nothing)."""
    if not may_rate(by, rating.ticket):
        raise ApplicationError(NOT_YOURS, code="not_allowed")
    comment = _comment(comment)
    if not comment:
        return False
    added = Rating.objects.filter(pk=rating.pk, comment="").update(
        comment=comment, commented_at=now or timezone.now())
    rating.refresh_from_db()
    return bool(added)
