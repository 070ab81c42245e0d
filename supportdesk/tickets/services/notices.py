"""The mail a customer gets for a public staff reply (docs/security.md #18, #7).

``lifecycle.ticket_reply`` calls ``reply_notify`` through ``transaction.on_commit`` for a
staff reply that is not an internal note: an internal note never reaches this module. The
subject and Message-ID carry the reply token (``notifications.tokens``); Reply-To is the
intake address. Recipients are only validated addresses of the request's contact, or else of
its customer's active users. Sending (after commit, every header flattened to one line) is
``notifications.services.email_send``'s.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from supportdesk.common.text import clean_text
from supportdesk.notifications.services import address_valid, email_send, message_id_domain
from supportdesk.notifications.tokens import header_token, subject_token
from supportdesk.tickets.models import Message

logger = logging.getLogger(__name__)


def reply_recipients(ticket) -> list[str]:
    """The request's contact; without one, every active user of its customer."""
    contact = ticket.contact
    if contact is not None and contact.is_active and address_valid(contact.email):
        return [address_valid(contact.email)]
    users = get_user_model().objects.filter(
        customer_id=ticket.customer_id, role="customer", is_active=True).order_by("pk")
    out: list[str] = []
    for user in users:
        address = address_valid(user.email)
        if address and address.lower() not in {a.lower() for a in out}:
            out.append(address)
    return out


def _reply_body(message) -> str:
    ticket = message.ticket
    link = settings.SUPPORTDESK_SITE_URL.rstrip("/") + reverse("portal:ticket",
                                                               args=[ticket.pk])
    author = message.author
    name = (author.get_full_name() or author.get_username()) if author else ""
    lines = [
        _("Our reply to your request %(ref)s “%(subject)s”:") % {
            "ref": ticket.reference, "subject": clean_text(ticket.subject)},
        "",
        clean_text(message.body),
        "",
        f"-- {clean_text(name)}" if name else "--",
        "",
        _("Reply to this e-mail to answer; keep the reference %(token)s in the subject.")
        % {"token": subject_token(ticket.pk)},
    ]
    lines += [_("Or answer in the customer portal: %(link)s") % {"link": link}]
    return "\n".join(lines)


def reply_mail_send(message) -> None:
    """Mail ``message`` (a public staff reply) to the request's customer."""
    ticket = message.ticket
    recipients = reply_recipients(ticket)
    if not recipients:
        logger.warning("reply %s on %s: no customer address to mail", message.pk,
                       ticket.reference)
        return
    domain = message_id_domain()
    thread = f"<{header_token(ticket.pk)}@{domain}>"
    with translation.override(settings.LANGUAGE_CODE):
        body = _reply_body(message)
    intake = address_valid(settings.SUPPORTDESK_INTAKE_ADDRESS) or settings.DEFAULT_FROM_EMAIL
    email_send(
        to=recipients, subject=f"{subject_token(ticket.pk)} Re: {ticket.subject}", body=body,
        reply_to=[intake],
        message_id=f"<{header_token(ticket.pk)}.{uuid.uuid4().hex}@{domain}>",
        in_reply_to=thread, references=thread,
        # Ask Exchange & co. not to send out-of-office replies back (no mail loops,
        # docs/security.md #20).
        headers={"X-Auto-Response-Suppress": "All"},
    )


def reply_notify(*, message_id: int) -> None:
    """Mail a public staff reply to the customer (runs after commit; never raises)."""
    try:
        message = (Message.objects.select_related("ticket", "ticket__contact", "author")
                   .filter(pk=message_id, is_internal=False).first())
        if message is None or message.author is None or not message.author.is_vendor_staff:
            return
        reply_mail_send(message)
    except Exception:  # the reply is saved; a mail failure must not turn it into an error
        logger.exception("reply %s: mail not sent", message_id)
