"""Outbound e-mail for public staff replies (RELIABILITY #18, #7).

Called by ``tickets.services.lifecycle.ticket_reply`` through ``transaction.on_commit`` for a
staff reply that is not an internal note: an internal note never reaches this module. The
subject and Message-ID carry the reply token (``tokens.py``); Reply-To is the intake address.
Every header value is flattened to one line (no header injection) and recipients are only
validated addresses of the request's contact, or else of its customer's active users.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from supportdesk.common.text import clean_text

from .tokens import header_token, subject_token

logger = logging.getLogger(__name__)


def safe_header(text: str, limit: int = 180) -> str:
    """One line of header text: CR/LF and controls removed (no header injection)."""
    flat = clean_text(str(text)).replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return " ".join(flat.split())[:limit]


def _valid_address(address: str) -> str:
    address = (address or "").strip()
    if not address or any(c in address for c in "\r\n,;<>\"") or len(address) > 254:
        return ""
    try:
        validate_email(address)
    except ValidationError:
        return ""
    return address


def reply_recipients(ticket) -> list[str]:
    """The request's contact; without one, every active user of its customer."""
    contact = ticket.contact
    if contact is not None and contact.is_active and _valid_address(contact.email):
        return [_valid_address(contact.email)]
    users = get_user_model().objects.filter(
        customer_id=ticket.customer_id, role="customer", is_active=True).order_by("pk")
    out: list[str] = []
    for user in users:
        address = _valid_address(user.email)
        if address and address.lower() not in {a.lower() for a in out}:
            out.append(address)
    return out


def _domain() -> str:
    address = settings.SUPPORTDESK_INTAKE_ADDRESS or settings.DEFAULT_FROM_EMAIL
    return safe_header(address.rsplit("@", 1)[-1].strip(">")) or "supportdesk.invalid"


def reply_mail_build(message) -> EmailMessage | None:
    ticket = message.ticket
    recipients = reply_recipients(ticket)
    if not recipients:
        logger.warning("reply %s on %s: no customer address to mail", message.pk,
                       ticket.reference)
        return None
    domain = _domain()
    thread = f"<{header_token(ticket.pk)}@{domain}>"
    with translation.override(settings.LANGUAGE_CODE):
        subject = safe_header(f"{subject_token(ticket.pk)} Re: {ticket.subject}", limit=240)
        try:
            link = settings.SUPPORTDESK_SITE_URL.rstrip("/") + reverse(
                "portal:ticket", args=[ticket.pk])
        except NoReverseMatch:
            link = ""
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
        if link:
            lines += [_("Or answer in the customer portal: %(link)s") % {"link": link}]
    intake = _valid_address(settings.SUPPORTDESK_INTAKE_ADDRESS) or settings.DEFAULT_FROM_EMAIL
    headers = {
        "Message-ID": f"<{header_token(ticket.pk)}.{uuid.uuid4().hex}@{domain}>",
        "In-Reply-To": thread,
        "References": thread,
        # Ask Exchange & co. not to send out-of-office replies back (no loops, #20).
        "X-Auto-Response-Suppress": "All",
    }
    return EmailMessage(subject=subject, body="\n".join(lines), to=recipients,
                        reply_to=[intake], headers=headers)


def reply_notify(*, message_id: int) -> None:
    """Mail a public staff reply to the customer (runs after commit; never raises)."""
    from supportdesk.tickets.models import Message

    try:
        message = (Message.objects.select_related("ticket", "ticket__contact", "author")
                   .filter(pk=message_id, is_internal=False).first())
        if message is None or message.author is None or not message.author.is_vendor_staff:
            return
        mail = reply_mail_build(message)
        if mail is not None:
            mail.send()
    except Exception:  # the reply is saved; a mail failure must not turn it into an error
        logger.exception("reply %s: mail not sent", message_id)
