"""Handing statements to the e-invoicing provider (docs/einvoicing.md "Hand-off").

* **One submission per statement** (UNIQUE), created when the statement is issued (the
  billing run's ``statement.issued`` announcements, when a provider is configured and
  ``SUPPORTDESK_EINVOICE_AUTO_SEND``) or by a manager ("send this month's statements", send
  one); sent after commit by a task, and again by the sweep while it is due.
* **Registered once, whatever the retries.** A worker *claims* a due submission with one
  atomic UPDATE (``sending_since``; two workers never send it at once; a claim older than
  ``common.retry.STALE_SENDING`` was left by a killed worker). Every call carries the
  submission's idempotency key, so a provider that got the document twice registers it
  once. A send without an answer (timeout, connection lost) leaves ``check_status_first``:
  the next attempt asks the provider for the status under the same key and sends again
  only if the provider has nothing. State changes are written under ``select_for_update``
  of the submission, and the registration through billing's
  ``statement_record_registration`` (which takes the statement's row lock and refuses a
  second, different ΜΑΡΚ).
* **Validation gate**: the draft's ``problems`` (the document rules and the schema) are
  checked before every send; a statement with problems is not sent, and they are kept per
  field for the manager's page.
* Retries follow the shared back-off (``common.retry``); the provider's refusal of the
  document (``rejected``) is final until a manager resends it, under a new key (the
  provider registered nothing under the old one).
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.billing import services as billing_services
from supportdesk.billing.models import Statement
from supportdesk.billing.selectors import billing_timezone, period_bounds
from supportdesk.common import retry
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import ensure_manager
from supportdesk.einvoicing import handoff
from supportdesk.einvoicing.handoff import base as meaning
from supportdesk.einvoicing.models import Submission, SubmissionAttempt
from supportdesk.einvoicing.sending import locked, log_attempt, save_fields, submission_send
from supportdesk.einvoicing.tasks import send_task
from supportdesk.notifications.announcements import Announcement, Happening

logger = logging.getLogger(__name__)

ONLY_MANAGERS = _("Only managers send, refresh and cancel e-invoices.")
NO_PROVIDER = _("No e-invoicing provider is configured: statements are not sent.")
ALREADY_REGISTERED = _("This statement is already registered (ΜΑΡΚ %(mark)s).")
CANCELLED_ALREADY = _("This e-invoice was cancelled: issue a new statement instead.")
BEING_SENT = _("This statement is being sent right now; look again in a moment.")
NOT_ISSUED = _("Only an issued statement is sent as an e-invoice.")
NOT_SENT = _("This statement has not been sent: there is nothing to refresh.")
NOT_REGISTERED = _("Only a registered e-invoice can be cancelled.")
CANCEL_REFUSED = _("The provider did not cancel it: %(reason)s")
BAD_MONTH = _("Choose a month between 2000 and 2100.")


# --------------------------------------------------------------------------- queueing


def send_soon(ids: list[int]) -> None:
    """Queue the sending task (after commit); a broker that is down leaves it to the sweep."""
    try:
        send_task.delay(ids)
    except Exception:  # the sweep sends what is due anyway
        logger.exception("e-invoice submissions %s: could not queue the hand-off", ids)


def submissions_queue(*, statement_ids: list[int], now: datetime | None = None) -> list[int]:
    """Create (or re-arm) the submissions of issued ``statement_ids`` that are not yet
    handed over, due now, and queue their sending after commit. Idempotent: a statement
    sent, registered, rejected, cancelled or being sent is left as it is."""
    now = now or timezone.now()
    issued = list(Statement.objects.filter(pk__in=statement_ids)
                  .exclude(status=Statement.Status.DRAFT).values_list("pk", flat=True))
    if not issued:
        return []
    fmt = handoff.payload_format()
    Submission.objects.bulk_create(
        [Submission(statement_id=pk, payload_format=fmt, next_attempt_at=now) for pk in issued],
        ignore_conflicts=True, batch_size=500)
    waiting = Submission.objects.filter(statement_id__in=issued, status=Submission.Status.DRAFT,
                                        sending_since__isnull=True)
    # Due now, also one held back by problems (checked again) or waiting out a back-off.
    waiting.update(next_attempt_at=now, updated_at=now)
    ids = list(waiting.values_list("pk", flat=True))
    if ids:
        transaction.on_commit(partial(send_soon, ids))
    return ids


def statements_issued_heard(announcements: list[Announcement]) -> None:
    """The listener of billing's announcements: issued statements are handed over when a
    provider is configured and automatic sending is on (in the issuing transaction: the
    submission rows commit with the statements, their sending goes after commit)."""
    if not handoff.is_configured() or not getattr(settings, "SUPPORTDESK_EINVOICE_AUTO_SEND",
                                                  True):
        return
    ids = [a.subject.pk for a in announcements
           if a.event == Happening.STATEMENT_ISSUED and isinstance(a.subject, Statement)]
    if ids:
        submissions_queue(statement_ids=ids)


def statement_issued_heard(announcement: Announcement) -> None:
    statements_issued_heard([announcement])


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ApplicationError(BAD_MONTH, code="bad_month")
    first = date(year, month, 1)
    last = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
    return period_bounds(first, last, billing_timezone())


def month_send(*, year: int, month: int, by) -> int:
    """A manager hands over every statement issued in ``month`` that is not sent yet;
    returns how many were queued. A second click queues nothing new (the rows are claimed,
    sent or registered by then; the form token stops the repeat before that)."""
    ensure_manager(by, ONLY_MANAGERS)
    if not handoff.is_configured():
        raise ApplicationError(NO_PROVIDER, code="no_provider")
    start, end = month_bounds(year, month)
    ids = list(Statement.objects.filter(issued_at__gte=start, issued_at__lt=end)
               .exclude(status=Statement.Status.DRAFT)
               .filter(einvoice_status=Statement.EinvoiceStatus.DRAFT)
               .values_list("pk", flat=True))
    with transaction.atomic():
        return len(submissions_queue(statement_ids=ids))


# --------------------------------------------------------------------------- manager actions


def _submission_for(statement: Statement) -> Submission:
    """The statement's submission, created if it has none (inside a transaction)."""
    if statement.status == Statement.Status.DRAFT:
        raise ApplicationError(NOT_ISSUED, code="not_issued")
    Submission.objects.bulk_create(
        [Submission(statement_id=statement.pk, payload_format=handoff.payload_format())],
        ignore_conflicts=True)
    return Submission.objects.select_for_update().get(statement_id=statement.pk)


def submission_resend(*, statement: Statement, by, now: datetime | None = None) -> Submission:
    """A manager sends one statement (again): a draft, a rejected one (under a new key), or
    one whose attempts ran out. A registered or cancelled one is never sent again."""
    ensure_manager(by, ONLY_MANAGERS)
    if not handoff.is_configured():
        raise ApplicationError(NO_PROVIDER, code="no_provider")
    now = now or timezone.now()
    with transaction.atomic():
        current = _submission_for(statement)
        if current.status == Submission.Status.REGISTERED:
            raise ApplicationError(ALREADY_REGISTERED % {"mark": current.statement.mark},
                                   code="registered")
        if current.status == Submission.Status.CANCELLED:
            raise ApplicationError(CANCELLED_ALREADY, code="cancelled")
        if current.sending_since and current.sending_since > now - retry.STALE_SENDING:
            raise ApplicationError(BEING_SENT, code="sending")
        fields = {"next_attempt_at": now, "problems": [], "last_error": ""}
        if current.status == Submission.Status.REJECTED:
            # The provider registered nothing under the old key: a fresh one, a fresh start.
            fields.update(idempotency_key=uuid.uuid4(), status=Submission.Status.DRAFT,
                          attempts=0, provider_errors=[], check_status_first=False)
            billing_services.statement_einvoice_status_set(
                statement_id=statement.pk, status=Statement.EinvoiceStatus.DRAFT)
        elif current.status == Submission.Status.SENT:
            fields.update(attempts=0)  # a new series; still asks for the status first
        save_fields(current, **fields)
        transaction.on_commit(partial(send_soon, [current.pk]))
    current.refresh_from_db()
    return current


def submission_refresh(*, statement: Statement, by, now: datetime | None = None) -> str:
    """A manager asks the provider now what became of a sent statement (registered, still
    pending, or never arrived: then it is sent again under the same key)."""
    ensure_manager(by, ONLY_MANAGERS)
    if not handoff.is_configured():
        raise ApplicationError(NO_PROVIDER, code="no_provider")
    now = now or timezone.now()
    with transaction.atomic():
        current = _submission_for(statement)
        if current.status != Submission.Status.SENT:
            raise ApplicationError(NOT_SENT, code="not_sent")
        save_fields(current, next_attempt_at=now, check_status_first=True)
    result = submission_send(submission_id=current.pk, now=now)
    if result == "skipped":
        raise ApplicationError(BEING_SENT, code="sending")
    return result


def submission_cancel(*, statement: Statement, by) -> Submission:
    """A manager cancels a registered e-invoice where the provider allows it; its refusal
    is shown as it gave it. The statement is then no longer read-only (its e-invoice is
    cancelled) but keeps its ΜΑΡΚ for the record."""
    ensure_manager(by, ONLY_MANAGERS)
    if not handoff.is_configured():
        raise ApplicationError(NO_PROVIDER, code="no_provider")
    now = timezone.now()
    with transaction.atomic():
        current = _submission_for(statement)
        if current.status != Submission.Status.REGISTERED:
            raise ApplicationError(NOT_REGISTERED, code="not_registered")
        # Claimed like a send, so a cancel and a refresh never cross.
        if not Submission.objects.filter(pk=current.pk, sending_since__isnull=True).update(
                sending_since=now):
            raise ApplicationError(BEING_SENT, code="sending")
    try:
        key = str(current.idempotency_key)
        answer = handoff.adapter().cancel(key=key, mark=statement.mark)
        with transaction.atomic():
            log_attempt(current, SubmissionAttempt.Action.CANCEL, key, now, answer)
            if answer.outcome == meaning.CANCELLED:
                billing_services.statement_einvoice_status_set(
                    statement_id=statement.pk, status=Statement.EinvoiceStatus.CANCELLED)
                save_fields(locked(current), status=Submission.Status.CANCELLED,
                            cancelled_at=now)
        if answer.outcome != meaning.CANCELLED:
            reason = "; ".join(e.message for e in answer.errors if e.message) \
                or answer.error or answer.outcome
            raise ApplicationError(CANCEL_REFUSED % {"reason": reason[:300]},
                                   code="cancel_refused")
    finally:
        Submission.objects.filter(pk=current.pk, sending_since=now).update(sending_since=None)
    current.refresh_from_db()
    return current
