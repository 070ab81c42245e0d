"""Polling support mailboxes over IMAP (``imapclient``) into the one intake (``mail_ingest``);
how to configure a mailbox: docs/notifications.md "Mailbox polling".

``mailbox_poll(mailbox)``:

1. logs in (implicit TLS, STARTTLS, or plain on 127.0.0.1 only, with certificate checks),
   selects the folder and reads its UIDVALIDITY: when it differs from the stored one, the
   UIDs mean other messages now and ``last_uid`` starts again from 0 (what was filed
   before is recognised by its Message-ID);
2. lists the messages with UID > ``last_uid`` (in "flag" mode also without our keyword);
3. for each, in UID order, in **one transaction**: locks the mailbox row
   (``select_for_update(skip_locked=True)`` on PostgreSQL; SQLite's IMMEDIATE transactions
   serialise writers), re-reads ``last_uid`` (another worker may have filed it), hands the
   raw bytes to ``mail_ingest`` and advances ``last_uid``. A second worker that finds the row
   locked stops: the first is at work. So no UID is filed twice, and the intake's
   Message-ID dedup is the second guard;
4. after the commit, moves the message to the processed folder (MOVE, or COPY + \\Deleted +
   UID EXPUNGE) or flags it \\Seen plus the keyword. The fetch uses BODY.PEEK[], so a
   message that was not filed is not marked read.

Errors (connection refused, TLS, authentication, a folder that does not exist, an
unreadable stored password) are stored on the mailbox (``last_error``, ``last_error_at``)
and logged; they never escape ``mailboxes_poll`` (the periodic job).
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import socket
import ssl
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from .crypto import SecretUnreadable
from .models import Mailbox
from .services import mail_ingest

logger = logging.getLogger(__name__)

#: At most this many messages per mailbox and poll (the next poll goes on).
POLL_BATCH = 200

SEEN = rb"\Seen"
FILED, SKIPPED, STOP = "filed", "skipped", "stop"

_ERRORS = (IMAPClientError, imaplib.IMAP4.error, OSError, socket.timeout, ssl.SSLError,
           SecretUnreadable)


@dataclass
class PollResult:
    mailbox: str
    statuses: Counter = field(default_factory=Counter)
    error: str = ""
    busy: bool = False
    uidvalidity_reset: bool = False

    @property
    def filed(self) -> int:
        return sum(self.statuses.values())

    def __str__(self) -> str:
        if self.error:
            return f"{self.mailbox}: error: {self.error}"
        if self.busy:
            return f"{self.mailbox}: another worker is polling it"
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items())) or "nothing new"
        return f"{self.mailbox}: {counts}"


def _connect(mailbox: Mailbox) -> IMAPClient:
    timeout = settings.MAIL_POLL_TIMEOUT
    context = ssl.create_default_context()
    if mailbox.security == Mailbox.Security.TLS:
        client = IMAPClient(mailbox.host, port=mailbox.port, ssl=True, ssl_context=context,
                            timeout=timeout)
    else:
        if (mailbox.security == Mailbox.Security.NONE
                and mailbox.host not in Mailbox.LOOPBACK_HOSTS):
            raise IMAPClientError("a mailbox without TLS must be on 127.0.0.1")
        client = IMAPClient(mailbox.host, port=mailbox.port, ssl=False, timeout=timeout)
        if mailbox.security == Mailbox.Security.STARTTLS:
            client.starttls(context)
    try:
        client.login(mailbox.username, mailbox.get_password())
    except BaseException:
        _logout(client)
        raise
    return client


def _logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except _ERRORS:
        with contextlib.suppress(*_ERRORS):
            client.shutdown()


def _locked(pk: int) -> Mailbox | None:
    """The mailbox row, locked for this transaction; None when another worker holds it."""
    qs = Mailbox.objects.filter(pk=pk)
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True)
    return qs.first()


def _record(pk: int, **fields) -> None:
    Mailbox.objects.filter(pk=pk).update(**fields)


def _error_text(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, bytes):  # pragma: no cover - imaplib gives str
        text = exc.decode(errors="replace")
    return f"{type(exc).__name__}: {text}"[:1000]


def _mark(client: IMAPClient, mailbox: Mailbox, uid: int, *, can_move: bool) -> None:
    if mailbox.processed_action == Mailbox.Action.MOVE:
        if can_move:
            client.move([uid], mailbox.processed_folder)
        else:
            client.copy([uid], mailbox.processed_folder)
            client.delete_messages([uid])
            if client.has_capability("UIDPLUS"):
                client.uid_expunge([uid])
            else:
                client.expunge()
    else:
        flags = [SEEN]
        if mailbox.processed_keyword:
            flags.append(mailbox.processed_keyword.encode())
        client.add_flags([uid], flags)


def _file_one(pk: int, uidvalidity: int, uid: int, raw: bytes, result: PollResult) -> str:
    """File one message: FILED (mark it), SKIPPED (another worker did) or STOP (it is at
    work right now)."""
    with transaction.atomic():
        mailbox = _locked(pk)
        if mailbox is None:
            result.busy = True
            return STOP
        if mailbox.uidvalidity != uidvalidity or uid <= mailbox.last_uid:
            return SKIPPED  # filed by another worker meanwhile
        row = mail_ingest(raw, mailbox=mailbox, mailbox_uid=uid)
        mailbox.last_uid = uid
        mailbox.save(update_fields=["last_uid"])
    result.statuses[row.status] += 1
    return FILED


def _start(pk: int, uidvalidity: int, result: PollResult) -> int | None:
    """``last_uid`` to continue from (reset when UIDVALIDITY changed); None when busy."""
    with transaction.atomic():
        mailbox = _locked(pk)
        if mailbox is None:
            result.busy = True
            return None
        if mailbox.uidvalidity != uidvalidity:
            if mailbox.uidvalidity is not None:
                logger.warning("mailbox %s: UIDVALIDITY changed (%s -> %s), reading the "
                               "folder again", mailbox.name, mailbox.uidvalidity, uidvalidity)
                result.uidvalidity_reset = True
            mailbox.uidvalidity, mailbox.last_uid = uidvalidity, 0
            mailbox.save(update_fields=["uidvalidity", "last_uid"])
        return mailbox.last_uid


def mailbox_poll(mailbox: Mailbox) -> PollResult:
    """Fetch the new messages of ``mailbox`` into the intake; never raises for mail errors."""
    result = PollResult(mailbox=mailbox.name)
    started = timezone.now()
    mark_error = ""
    try:
        client = _connect(mailbox)
    except _ERRORS as exc:
        return _failed(mailbox, result, exc, started)
    try:
        info = client.select_folder(mailbox.folder)
        uidvalidity = int(info[b"UIDVALIDITY"])
        start = _start(mailbox.pk, uidvalidity, result)
        if start is None:
            return result
        criteria: list = ["UID", f"{start + 1}:*"]
        if mailbox.processed_action == Mailbox.Action.FLAG and mailbox.processed_keyword:
            criteria += ["NOT", "KEYWORD", mailbox.processed_keyword]
        # "n:*" always matches the highest UID, even below n: filter here.
        uids = sorted(u for u in client.search(criteria) if u > start)[:POLL_BATCH]
        if (uids and mailbox.processed_action == Mailbox.Action.MOVE
                and not client.folder_exists(mailbox.processed_folder)):
            client.create_folder(mailbox.processed_folder)
        can_move = client.has_capability("MOVE")
        for uid in uids:
            fetched = client.fetch([uid], ["BODY.PEEK[]"]).get(uid)
            if not fetched or b"BODY[]" not in fetched:
                continue  # expunged meanwhile
            outcome = _file_one(mailbox.pk, uidvalidity, uid, bytes(fetched[b"BODY[]"]),
                                result)
            if outcome == STOP:
                break
            if outcome == FILED:
                try:
                    _mark(client, mailbox, uid, can_move=can_move)
                except _ERRORS as exc:  # filed; it stays where it is, below last_uid
                    mark_error = f"UID {uid} filed but not marked: {_error_text(exc)}"
                    logger.warning("mailbox %s: %s", mailbox.name, mark_error)
    except _ERRORS as exc:
        return _failed(mailbox, result, exc, started)
    finally:
        _logout(client)
    now = timezone.now()
    if mark_error:
        result.error = mark_error
        _record(mailbox.pk, last_polled_at=started, last_error=mark_error, last_error_at=now)
    else:
        _record(mailbox.pk, last_polled_at=started, last_success_at=now)
    if result.filed:
        logger.info("%s", result)
    return result


def _failed(mailbox: Mailbox, result: PollResult, exc: BaseException, started) -> PollResult:
    result.error = _error_text(exc)
    logger.warning("mailbox %s: poll failed: %s", mailbox.name, result.error)
    _record(mailbox.pk, last_polled_at=started, last_error=result.error,
            last_error_at=timezone.now())
    return result


def mailboxes_poll(*, names: list[str] | None = None) -> list[PollResult]:
    """Poll every active mailbox (or those named); one failing never stops the others."""
    qs = Mailbox.objects.filter(is_active=True)
    if names:
        qs = Mailbox.objects.filter(name__in=names)
    results = []
    for mailbox in qs.order_by("name"):
        try:
            results.append(mailbox_poll(mailbox))
        except Exception as exc:  # a bug must not stop the other mailboxes or the job
            logger.exception("mailbox %s: poll crashed", mailbox.name)
            result = PollResult(mailbox=mailbox.name)
            try:
                _failed(mailbox, result, exc, timezone.now())
            except DatabaseError:  # the database itself is away: the next poll retries
                result.error = _error_text(exc)
            results.append(result)
    return results
