"""Remote sessions (§1, §2): "always under your supervision and guidance".

A session is recorded with its tool, the tool's session id, start and end and the name of
the customer's person who consented and supervised; without consent nothing is recorded.
The session's time becomes a work entry on the remote channel through the entries service
(which prices it: included hours first, then the standard rate, docs/rules.md
"Tariff reading").
"""

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from supportdesk.accounts.models import User
from supportdesk.common.choices import Channel, WorkKind
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import ensure_staff
from supportdesk.common.text import clean_text
from supportdesk.tickets.models import Ticket
from supportdesk.worklog.models import RemoteSession
from supportdesk.worklog.services.entries import work_entry_create

REMOTE_ONLY_STAFF = _("Only the vendor's staff record remote sessions (§8).")
REMOTE_NEEDS_CONSENT = _(
    "Remote work is done only with the customer's consent and under their supervision (§2): "
    "confirm the consent and name the person who gave it."
)
REMOTE_TOOL_REQUIRED = _("Name the remote-access tool and the session id.")
REMOTE_END_BEFORE_START = _("The session must end after it starts.")
REMOTE_DUPLICATE = _(
    "This session (same tool and session id) is already recorded on this request. "
    "Nothing was changed."
)
REMOTE_TICKET_CLOSED = _("This request is closed: reopen it before recording work on it.")


def remote_session_record(
    *,
    ticket: Ticket,
    technician: User,
    tool: str,
    session_id: str,
    started_at: datetime,
    ended_at: datetime,
    has_customer_consent: bool,
    consent_given_by: str,
    description: str = "",
    kind: str = WorkKind.SUPPORT,
    by: User,
) -> RemoteSession:
    """Record a supervised remote session and its priced work entry, all or nothing."""
    ensure_staff(by, REMOTE_ONLY_STAFF)
    ensure_staff(technician, REMOTE_ONLY_STAFF)
    tool = clean_text(tool).strip()
    session_id = clean_text(session_id).strip()
    consent_given_by = clean_text(consent_given_by).strip()
    if not tool or not session_id:
        raise ApplicationError(REMOTE_TOOL_REQUIRED, code="tool_required")
    if has_customer_consent is not True or not consent_given_by:
        raise ApplicationError(REMOTE_NEEDS_CONSENT, code="consent_required")
    if ended_at <= started_at:
        raise ApplicationError(REMOTE_END_BEFORE_START, code="end_before_start")
    with transaction.atomic():
        # Lock the request so a double submit of the same form records one session.
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.status == Ticket.Status.CLOSED:
            raise ApplicationError(REMOTE_TICKET_CLOSED, code="ticket_closed")
        if RemoteSession.objects.filter(ticket=locked, tool=tool, session_id=session_id).exists():
            raise ApplicationError(REMOTE_DUPLICATE, code="duplicate_session")
        session = RemoteSession(
            ticket=locked, technician=technician, tool=tool, session_id=session_id,
            started_at=started_at, ended_at=ended_at, has_customer_consent=True,
            consent_given_by=consent_given_by,
        )
        session.full_clean(exclude=["work_entry"])
        text = description or _("Remote session %(tool)s %(id)s") % {
            "tool": tool, "id": session_id}
        entry = work_entry_create(
            ticket=locked, technician=technician, channel=Channel.REMOTE,
            started_at=started_at, ended_at=ended_at, kind=kind, description=str(text),
            flat_fee=None, by=by,
        )
        session.work_entry = entry
        session.save()
    return session
