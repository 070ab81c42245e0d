"""Inbound e-mail: ``mail_ingest(raw)`` stores the raw bytes, then files the message.

Order of business (docs/security.md #17-#20):

1. The raw message is saved first, in its own short transaction, before a byte is parsed:
   whatever happens next, it is never lost.
2. One transaction decides and records the outcome. A parser crash or a refused service call
   rolls that transaction back and marks the row ``quarantined`` (never a 500).
3. Loops: auto-replies, bulk/list mail, bounces and our own mail are ``ignored``.
4. Identity is the From address only (never Reply-To or Sender). A reply token appends to its
   request only when its HMAC verifies *and* the sender is a participant (an active user of
   the request's customer now: a contact who has moved to another customer is not).
   Otherwise a known customer user gets a new request for its own customer; anyone else
   goes to quarantine.
5. Duplicates: only a *filed* message (appended or created) holds its Message-ID, so a copy
   first seen in quarantine (or ignored) never blocks the same id from a known customer
   later; such a blocked copy can be processed again (``mail_reprocess``).
6. Authentication-Results of our receiving server (``MAIL_AUTHSERV_ID``): dmarc=fail or
   spf=fail for the domain of a customer user's From address quarantines the mail
   (``auth_failed``) instead of filing it, unless ``MAIL_QUARANTINE_ON_AUTH_FAIL`` is off.
7. A reply (a request reference, In-Reply-To/References or a Re:/Απ: subject) is filed
   without its quoted history and signature (``replies.reply_clean``); the full text stays
   on the row (``body_full``).

Attachments go through the ticket service's ``attachment_check``/``attachment_add`` (size,
allowlist, content sniffing): a refused part is dropped with a note, the mail still accepted.
A TNEF ``winmail.dat`` is refused by the allowlist (``.dat``) and so dropped with a note.
"""

from __future__ import annotations

import logging
import mimetypes
from datetime import datetime
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import ensure_manager
from supportdesk.notifications.tokens import subject_without_token, tokens_find
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services._common import BODY_MAX, SUBJECT_MAX
from supportdesk.tickets.services.attachments import attachment_add
from supportdesk.tickets.services.lifecycle import ticket_create, ticket_reply
from supportdesk.tickets.services.relations import ticket_follow_merges

from . import models as m
from .models import InboundMessage
from .parsing import MailParseError, ParsedMail, mail_parse
from .replies import reply_clean

logger = logging.getLogger(__name__)

NOT_QUARANTINED = gettext_lazy("Only a quarantined e-mail, or a duplicate of a message "
                               "that was never filed, can be processed again.")


def own_addresses() -> set[str]:
    return {a.strip().lower() for a in (settings.DEFAULT_FROM_EMAIL,
                                        settings.SUPPORTDESK_INTAKE_ADDRESS,
                                        settings.SERVER_EMAIL) if a}


def _bare(address: str) -> str:
    return parseaddr(address)[1].strip().lower()


def mail_ingest(raw: bytes, *, now: datetime | None = None, mailbox=None,
                mailbox_uid: int | None = None) -> InboundMessage:
    """Store ``raw`` and file it: appended, created, quarantined or ignored.

    The one intake of every channel (MTA pipe, Maildir, polled mailbox). Called inside a
    transaction (the mailbox poll), the raw row commits with it: the IMAP server keeps the
    message until then, so nothing is lost either way.
    """
    raw = bytes(raw or b"")
    # 1. The raw bytes first, committed on their own.
    row = InboundMessage.objects.create(raw=raw, size_bytes=len(raw), mailbox=mailbox,
                                        mailbox_uid=mailbox_uid)
    return _run(row, raw, now=now or timezone.now())


def inbound_reprocessable() -> QuerySet[InboundMessage]:
    """Rows a manager may process again: quarantined ones, and duplicates whose Message-ID
    no filed message holds (the first copy was quarantined or ignored)."""
    filed_ids = (InboundMessage.objects.filter(handled_message_id__isnull=False)
                 .values("handled_message_id"))
    blocked = Q(status=InboundMessage.Status.IGNORED, reason=m.REASON_DUPLICATE) & ~Q(
        message_id__in=filed_ids)
    return InboundMessage.objects.filter(Q(status=InboundMessage.Status.QUARANTINED) | blocked)


def mail_reprocess(*, inbound: InboundMessage, by, now: datetime | None = None
                   ) -> InboundMessage:
    """File a quarantined mail again (a manager, e.g. after adding the sender as a user),
    or a duplicate of a Message-ID that no filed message holds."""
    ensure_manager(by)
    with transaction.atomic():
        row = InboundMessage.objects.select_for_update().get(pk=inbound.pk)
        if not inbound_reprocessable().filter(pk=row.pk).exists():
            raise ApplicationError(NOT_QUARANTINED, code="not_quarantined")
        row.status, row.reason, row.notes = InboundMessage.Status.RECEIVED, "", ""
        row.handled_message_id = None
        row.save()
    return _run(row, bytes(row.raw), now=now or timezone.now())


def _run(row: InboundMessage, raw: bytes, *, now: datetime) -> InboundMessage:
    try:
        with transaction.atomic():
            _process(row, raw, now=now)
    except Exception as exc:  # whatever happens, the row records it
        reason, notes = _failure(exc)
        if reason != m.REASON_DUPLICATE:
            logger.warning("inbound mail %s quarantined: %s (%s)", row.pk, reason, notes)
        status = (InboundMessage.Status.IGNORED if reason == m.REASON_DUPLICATE
                  else InboundMessage.Status.QUARANTINED)
        InboundMessage.objects.filter(pk=row.pk).update(
            status=status, reason=reason, notes=notes[:2000], processed_at=timezone.now(),
            ticket=None, ticket_message=None, sender=None, handled_message_id=None)
    row.refresh_from_db()
    return row


def _failure(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, MailParseError):
        return exc.reason, exc.detail
    if isinstance(exc, ApplicationError):
        return m.REASON_REFUSED, f"{exc.code}: {exc}"
    if isinstance(exc, IntegrityError):
        # Two deliveries of one Message-ID at once: the unique index let one through.
        return m.REASON_DUPLICATE, ""
    logger.exception("inbound mail could not be processed")
    return m.REASON_UNPARSEABLE, f"{type(exc).__name__}: {exc}"


def _finish(row: InboundMessage, status: str, reason: str = "", notes: list[str] | None = None,
            ) -> None:
    row.status = status
    row.reason = reason
    if status not in m.FILED:
        row.handled_message_id = None  # only a filed message holds its Message-ID
    row.notes = "\n".join(notes or [])[:2000]
    row.processed_at = timezone.now()
    row.save()


def _process(row: InboundMessage, raw: bytes, *, now: datetime) -> None:
    if len(raw) > settings.SUPPORTDESK_MAIL_MAX_BYTES:
        raise MailParseError(m.REASON_TOO_LARGE, f"{len(raw)} bytes")
    parsed = mail_parse(raw, own_addresses=own_addresses(),
                        authserv_id=settings.MAIL_AUTHSERV_ID)
    row.message_id = parsed.message_id
    row.from_address = parsed.from_address
    row.subject = parsed.subject[:255]
    if parsed.message_id:
        if InboundMessage.objects.filter(handled_message_id=parsed.message_id).exists():
            _finish(row, InboundMessage.Status.IGNORED, m.REASON_DUPLICATE)
            return
        row.handled_message_id = parsed.message_id
        row.save()  # the unique index settles a concurrent duplicate here
    if parsed.loop_reason:
        _finish(row, InboundMessage.Status.IGNORED, parsed.loop_reason)
        return
    if not parsed.from_address:
        _finish(row, InboundMessage.Status.QUARANTINED, m.REASON_NO_SENDER)
        return
    _file(row, parsed, now=now)


def _sender(address: str):
    """(user, reason): the one active user with this address, or why there is none."""
    users = list(get_user_model().objects.filter(email__iexact=address, is_active=True)
                 .select_related("customer"))
    if not users:
        return None, m.REASON_UNKNOWN_SENDER
    if any(u.is_vendor_staff for u in users):
        return None, m.REASON_STAFF_SENDER
    customers = {u.customer_id for u in users if u.is_customer_user}
    if len(users) > 1 or len(customers) != 1:
        return None, m.REASON_AMBIGUOUS_SENDER
    user = users[0]
    if user.customer is None or not user.customer.is_active:
        return None, m.REASON_CUSTOMER_INACTIVE
    return user, ""


def _is_participant(user, ticket: Ticket) -> bool:
    """An active user of the request's customer *now*. Its contact is one only while still
    the customer's: a contact who moved to another customer answering an old mail opens a
    request of the new customer (docs/security.md #17, #42), never a write into the
    former one's (which the ticket service refuses, so the mail went to quarantine)."""
    return user.customer_id == ticket.customer_id


def _file(row: InboundMessage, parsed: ParsedMail, *, now: datetime) -> None:
    valid_ids, bad_token = tokens_find(parsed.subject, parsed.references)
    user, why = _sender(parsed.from_address)
    notes: list[str] = []
    ticket = None
    if valid_ids:
        # A reply to a merged duplicate goes to the request it was merged into.
        ticket = ticket_follow_merges(
            Ticket.objects.filter(pk=valid_ids[0]).select_related("customer").first())
        if ticket is None:
            bad_token = True
    if user is None:
        if why == m.REASON_UNKNOWN_SENDER and (ticket is not None or bad_token):
            why = m.REASON_NOT_PARTICIPANT if ticket is not None else m.REASON_BAD_TOKEN
        _finish(row, InboundMessage.Status.QUARANTINED, why)
        return
    failure = _auth_failure(parsed)
    if failure:
        _finish(row, InboundMessage.Status.QUARANTINED, m.REASON_AUTH_FAILED, [failure])
        return
    row.sender = user

    body = parsed.body
    if _is_reply(parsed, bool(valid_ids or bad_token)):
        clean = reply_clean(body)
        if clean != body:
            row.body_full, row.body_trimmed = body, True
            body = clean
    if len(body) > BODY_MAX:
        body = body[:BODY_MAX - 200].rstrip()
        notes.append("body truncated")

    if ticket is not None and _is_participant(user, ticket):
        if ticket.status != Ticket.Status.CLOSED:
            message = ticket_reply(ticket=ticket, body=body or _empty_body(), by=user, now=now)
            row.ticket, row.ticket_message = ticket, message
            _attachments(row, parsed, ticket, user, message, notes)
            _finish(row, InboundMessage.Status.APPENDED, "", notes)
            return
        notes.append(f"follow-up of closed request {ticket.reference}")
        body = _with_header(_followup_line(ticket), body)
    elif ticket is not None:
        notes.append(f"reference to {ticket.reference} from a non-participant: new request")
    elif bad_token:
        notes.append("reference failed its check: new request")

    new = ticket_create(customer=user.customer, subject=_subject(parsed.subject),
                        body=body, received_via=Ticket.ReceivedVia.EMAIL, by=user,
                        received_at=now, now=now)
    row.ticket = new
    _attachments(row, parsed, new, user, None, notes)
    _finish(row, InboundMessage.Status.CREATED, "", notes)


def _domain_matches(domain: str, claimed: str) -> bool:
    """``claimed`` (from an authentication result) names ``domain`` or its parent domain."""
    claimed = claimed.rsplit("@", 1)[-1].strip().lower().rstrip(".")
    return bool(claimed) and (domain == claimed or domain.endswith("." + claimed))


def _auth_failure(parsed: ParsedMail) -> str:
    """Why our receiving server says the From domain was forged ("" when it does not)."""
    if not settings.MAIL_QUARANTINE_ON_AUTH_FAIL or not parsed.auth_results:
        return ""
    domain = parsed.from_address.rsplit("@", 1)[-1]
    for method, result, props in parsed.auth_results:
        if result != "fail":
            continue
        if method == "dmarc":
            claimed = props.get("header.from", domain)
        elif method == "spf":
            claimed = props.get("smtp.mailfrom", "")
        else:
            continue
        if _domain_matches(domain, claimed):
            return f"{settings.MAIL_AUTHSERV_ID}: {method}={result} ({claimed})"
    return ""


def _is_reply(parsed: ParsedMail, has_token: bool) -> bool:
    subject = subject_without_token(parsed.subject).strip().lower()
    if any(subject.startswith(p) for p in _FORWARD_PREFIXES):
        return False  # even with References (Gmail keeps them on a forward)
    return (has_token or bool(parsed.references.strip())
            or any(subject.startswith(p) for p in _ANSWER_PREFIXES))


def _empty_body() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("(attachments only)")


def _followup_line(ticket: Ticket) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("Follow-up of the closed request %(ref)s.") % {"ref": ticket.reference}


def _with_header(line: str, body: str) -> str:
    return f"{line}\n\n{body}".strip()


_REPLY_PREFIXES = ("re:", "fw:", "fwd:", "aw:", "απ:", "σχετ:", "πρθ:", "πρωθ:")
# A forward is not a reply: what it quotes is the content (never cut).
_ANSWER_PREFIXES = ("re:", "aw:", "απ:", "σχετ:")
_FORWARD_PREFIXES = ("fw:", "fwd:", "wg:", "πρθ:", "πρωθ:")


def _subject(subject: str) -> str:
    text = subject_without_token(subject)
    changed = True
    while changed and text:
        changed = False
        for prefix in _REPLY_PREFIXES:
            if text.lower().startswith(prefix):
                text = text[len(prefix):].strip()
                changed = True
    if not text:
        with translation.override(settings.LANGUAGE_CODE):
            text = _("(no subject)")
    return text[:SUBJECT_MAX]


def _attachments(row, parsed: ParsedMail, ticket: Ticket, user, message, notes: list[str]
                 ) -> None:
    for part in parsed.attachments:
        if not part.data:
            notes.append(f"empty part ignored: {part.filename or part.content_type}")
            continue
        name = part.filename or "attachment" + (mimetypes.guess_extension(part.content_type) or "")
        upload = SimpleUploadedFile(name, part.data,
                                    content_type=part.content_type)
        try:
            # attachment_add runs attachment_check (size, allowlist, sniffing) first.
            with transaction.atomic():
                attachment_add(ticket=ticket, uploaded_file=upload, by=user, message=message)
        except ApplicationError as exc:
            notes.append(f"attachment dropped ({exc.code}): {upload.name}")
