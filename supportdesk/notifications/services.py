"""The one way out for e-mail (docs/security.md #7, #18).

Every outgoing mail goes through ``email_send``: it is handed to Django's mail API (the
configured ``EMAIL_BACKEND``; tests read ``mail.outbox``) only after the surrounding
transaction commits, so a rolled-back change never mails anyone, and every header value
passes through ``safe_header`` (one line, no CR/LF, bounded length: no header injection).

What people are told goes through :func:`notify` (docs/notifications.md): one
``Notification`` row per event occurrence and recipient, written in the caller's
transaction, rendered in the recipient's language, then sent after commit by
:func:`notifications_deliver` (a Celery task when a broker is configured, in this process
otherwise: one code path), retried with back-off, and shown in the recipient's inbox
(docs/notifications.md "Delivery guarantees" for each promise, "Headers" for the mail). This
module knows nothing about requests: callers give the recipients, the template and its
context, and the customer the recipients must still belong to when it is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from supportdesk.common.brand import brand_context

from .events import MANDATORY
from .headers import (  # noqa: F401  (the mail helpers stay importable from here)
    ADDRESS_LIMIT,
    HEADER_LIMIT,
    LONG_HEADER_LIMIT,
    SUBJECT_LIMIT,
    address_valid,
    addresses_checked,
    headers_checked,
    message_id_domain,
    safe_header,
)
from .models import Notification, NotificationPreference
from .selectors import still_entitled, wants
from .tasks import deliver_task

logger = logging.getLogger(__name__)


def _deliver(message: EmailMultiAlternatives, *, raise_errors: bool) -> None:
    try:
        message.send()
    except Exception:
        if raise_errors:
            raise
        # The change that asked for the mail is committed: a mail failure must not turn
        # it into an error.
        logger.exception("mail %r to %s not sent", message.subject, message.recipients())


def email_send(*, to: Sequence[str], subject: str, body: str, html: str | None = None,
               reply_to: Sequence[str] = (), message_id: str = "", in_reply_to: str = "",
               references: str = "", headers: Mapping[str, str] | None = None,
               subject_limit: int = SUBJECT_LIMIT, raise_errors: bool = False) -> None:
    """Send one mail once the surrounding transaction commits (at once outside one).

    ``to``/``reply_to`` are lists of addresses; ``html`` an optional HTML alternative of the
    text ``body``; ``message_id``/``in_reply_to``/``references`` the threading headers
    (``<...@...>``); ``headers`` any further headers (not those above, nor From/Cc/Bcc).
    Subject and header values are flattened with ``safe_header`` (the subject to
    ``subject_limit`` characters). From is ``DEFAULT_FROM_EMAIL``. With no recipient nothing
    is sent. A failure to send is logged, or with ``raise_errors`` raised to whoever runs
    the commit.
    """
    recipients = addresses_checked(to, "to")
    if not recipients:
        return
    message = EmailMultiAlternatives(
        subject=safe_header(subject, subject_limit), body=body, to=recipients,
        reply_to=addresses_checked(reply_to, "reply_to"),
        headers=headers_checked(message_id=message_id, in_reply_to=in_reply_to,
                         references=references, headers=headers))
    if html is not None:
        message.attach_alternative(html, "text/html")
    transaction.on_commit(partial(_deliver, message, raise_errors=raise_errors))


# --------------------------------------------------------------------------- notifications


# --------------------------------------------------------------------------- notifications


def _render(template: str, context: dict, language: str) -> tuple[str, str, str]:
    # The vendor's brand (name, logo at its absolute URL, colours) in every mail, and its
    # signature under every text body (issue 14).
    context = {**brand_context(absolute=True), **context}
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}.subject.txt", context).split())
        body = (render_to_string(f"{template}.txt", context).strip() + "\n\n"
                + render_to_string("notifications/_signature.txt", context).strip() + "\n")
        try:
            html = render_to_string(f"{template}.html", context)
        except TemplateDoesNotExist:
            html = ""
    return subject, body, html


def notify(*, event: str, users, key: str, template: str, context: dict,
           customer_id: int | None = None, ticket_id: int | None = None, link: str = "",
           reply_to: Sequence[str] = (), message_id: str = "", in_reply_to: str = "",
           references: str = "", headers: Mapping[str, str] | None = None
           ) -> list[Notification]:
    """Tell ``users`` of ``event``: one row each, in this transaction, sent after commit.

    ``key`` names the occurrence: the same key and user again writes nothing (a retried
    request, a job run twice). ``template`` is a template path without its suffix:
    ``<template>.subject.txt``, ``<template>.txt`` and optionally ``<template>.html``,
    rendered with ``context`` plus ``recipient`` in the recipient's language. Users not
    entitled (:func:`still_entitled` for ``customer_id``) or who switched the event off are
    left out. ``message_id`` may contain ``{n}``: it is made unique per row.
    """
    made: list[Notification] = []
    seen: set[int] = set()
    for user in users:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        if not still_entitled(user, customer_id) or not wants(user, event):
            continue
        language = getattr(user, "language", "") or settings.LANGUAGE_CODE
        subject, body, html = _render(template, {**context, "recipient": user}, language)
        row = Notification(event=event, key=key[:200], user=user, customer_id=customer_id,
                           ticket_id=ticket_id, link=link[:300], language=language,
                           subject=safe_header(subject, SUBJECT_LIMIT), body=body, html=html,
                           mail={"reply_to": list(reply_to), "message_id": message_id,
                                 "in_reply_to": in_reply_to, "references": references,
                                 "headers": dict(headers or {})})
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            continue  # this occurrence was already told to this user
        made.append(row)
    if made:
        ids = [row.pk for row in made]
        transaction.on_commit(partial(_deliver_soon, ids))
    return made


def _deliver_soon(ids: list[int]) -> None:
    try:
        deliver_task.delay(ids)
    except Exception:  # a broker down must not fail the request: the sweep sends it later
        logger.exception("notifications %s: could not queue the delivery", ids)


def notification_resend(*, notification: Notification, by) -> Notification:
    """A manager sends a failed, skipped or sent notification again (from the outbox):
    attempts reset, sent after commit through the same claim and checks
    (docs/notifications.md "The outbox and resend")."""
    if not getattr(by, "is_manager", False):
        raise PermissionError("only managers resend notifications")
    Notification.objects.filter(pk=notification.pk).exclude(
        status=Notification.Status.SENDING).update(
        status=Notification.Status.PENDING, next_attempt_at=None, attempts=0, last_error="")
    transaction.on_commit(partial(_deliver_soon, [notification.pk]))
    notification.refresh_from_db()
    return notification


def notification_mark_read(*, notification: Notification, user) -> None:
    if notification.user_id == user.pk and notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now())


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now())


def preferences_set(*, user, choices: Mapping[str, bool], language: str | None = None) -> None:
    """Save a user's choices (mandatory events stay on whatever is sent) and the language of
    their mail (docs/notifications.md "Preferences and the inbox")."""
    with transaction.atomic():
        for event, enabled in choices.items():
            if event in MANDATORY:
                continue
            NotificationPreference.objects.update_or_create(
                user=user, event=event, defaults={"enabled": bool(enabled)})
        if language and language in dict(settings.LANGUAGES):
            get_user_model().objects.filter(pk=user.pk).update(language=language)
            user.language = language
