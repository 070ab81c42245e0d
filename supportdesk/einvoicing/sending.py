"""Sending one submission to the provider, and the sweep of the due ones
(docs/einvoicing.md "Hand-off"; the rules are in ``supportdesk.einvoicing.services``).

Each due submission is claimed by one atomic UPDATE (``sending_since``), asked about first
when the last send got no answer, checked against the validation gate, rendered, sent
under its idempotency key, and what came back written under ``select_for_update``, with the
call in the attempt log. The task functions (``tasks``) and the manager's actions
(``services``) both call :func:`submission_send`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from supportdesk.billing import services as billing_services
from supportdesk.billing.models import Statement
from supportdesk.common import retry
from supportdesk.einvoicing import documents, handoff
from supportdesk.einvoicing.handoff import base as meaning
from supportdesk.einvoicing.models import InvoiceDraft, Submission, SubmissionAttempt

logger = logging.getLogger(__name__)

#: While a sent document is "pending" at the provider, ask again after this long.
PENDING_RECHECK = timedelta(minutes=1)



def _claim(submission_id: int, now: datetime) -> bool:
    """Take the due submission for this worker: one atomic UPDATE (of two workers only one
    hits the row); a claim older than the stale age was left by a killed worker."""
    return bool(Submission.objects.filter(
        Q(sending_since__isnull=True) | Q(sending_since__lte=now - retry.STALE_SENDING),
        pk=submission_id, status__in=(Submission.Status.DRAFT, Submission.Status.SENT),
        next_attempt_at__lte=now,
    ).update(sending_since=now))


def log_attempt(submission: Submission, action: str, key: str, started_at: datetime,
         answer: handoff.Answer) -> None:
    SubmissionAttempt.objects.create(
        submission=submission, action=action, idempotency_key=key, started_at=started_at,
        duration_ms=answer.duration_ms, http_status=answer.http_status,
        outcome=answer.outcome, error=answer.error[:2000],
        response_excerpt=answer.excerpt[:1000])


def locked(submission: Submission) -> Submission:
    return Submission.objects.select_for_update().get(pk=submission.pk)


def save_fields(current: Submission, **fields) -> None:
    for name, value in fields.items():
        setattr(current, name, value)
    current.save(update_fields=[*fields, "updated_at"])


def _registered(submission: Submission, answer: handoff.Answer, now: datetime) -> str:
    with transaction.atomic():
        current = locked(submission)
        billing_services.statement_record_registration(
            statement_id=current.statement_id, mark=answer.mark, uid=answer.uid,
            authentication_code=answer.authentication_code, qr_url=answer.qr_url,
            registered_at=now)
        # The draft that was sent is what myDATA holds: never rebuilt again.
        InvoiceDraft.objects.filter(statement_id=current.statement_id,
                                    frozen_at__isnull=True).update(frozen_at=now)
        save_fields(current, status=Submission.Status.REGISTERED, registered_at=now,
              sent_at=current.sent_at or now, next_attempt_at=None, check_status_first=False,
              problems=[], provider_errors=[], last_error="")
    return "registered"


def _rejected(submission: Submission, answer: handoff.Answer, now: datetime) -> str:
    with transaction.atomic():
        current = locked(submission)
        billing_services.statement_einvoice_status_set(
            statement_id=current.statement_id, status=Statement.EinvoiceStatus.REJECTED)
        save_fields(current, status=Submission.Status.REJECTED, sent_at=current.sent_at or now,
              next_attempt_at=None, check_status_first=False,
              provider_errors=[e.as_dict() for e in answer.errors],
              attempts=current.attempts + 1, last_error=answer.error[:500])
    return "rejected"


def _unanswered(submission: Submission, answer: handoff.Answer, now: datetime, *,
                sent: bool) -> str:
    """No usable answer (or "pending"): try again later, asking for the status first."""
    with transaction.atomic():
        current = locked(submission)
        attempts = current.attempts + 1
        if answer.outcome == meaning.PENDING:
            retry_at = now + PENDING_RECHECK
        else:
            retry_at = retry.next_attempt_at(attempts, now)
        status = Submission.Status.SENT if sent or current.status == Submission.Status.SENT \
            else Submission.Status.DRAFT
        if status == Submission.Status.SENT:
            billing_services.statement_einvoice_status_set(
                statement_id=current.statement_id, status=Statement.EinvoiceStatus.SENT)
        save_fields(current, status=status, attempts=attempts, next_attempt_at=retry_at,
              check_status_first=status == Submission.Status.SENT,
              sent_at=current.sent_at or (now if sent else None),
              last_error=(answer.error or answer.outcome)[:500])
    if retry_at is None:
        logger.error("e-invoice submission %s: no registration after %s attempts: %s",
                     submission.pk, attempts, answer.error)
        return "failed"
    return "retry"


def _refused(submission: Submission, answer: handoff.Answer) -> str:
    """Our SSRF guard refused the provider's URL: nothing was sent; retrying would be
    refused again (a configuration to fix), so nothing is scheduled."""
    with transaction.atomic():
        current = locked(submission)
        save_fields(current, next_attempt_at=None, last_error=answer.error[:500])
    logger.error("e-invoice submission %s refused: %s", submission.pk, answer.error)
    return "refused"


def _blocked(submission: Submission, problems: list) -> str:
    with transaction.atomic():
        current = locked(submission)
        save_fields(current, status=Submission.Status.DRAFT, next_attempt_at=None,
              problems=[{"field": str(p.field), "message": str(p.message)} for p in problems],
              last_error="")
    return "problems"


def _may_hold_it(answer: handoff.Answer) -> bool:
    """May the provider have registered what it answered this way? Yes for no answer, a
    pending one and its server errors; no for a refusal of the request itself (bad
    credentials, a malformed call: a 4xx other than a timeout or a rate limit)."""
    if answer.outcome != meaning.FAILED or answer.http_status is None:
        return True
    return answer.http_status >= 500 or answer.http_status in (408, 429)


def _send_claimed(submission: Submission, now: datetime) -> str:
    provider = handoff.adapter()
    key = str(submission.idempotency_key)
    if submission.check_status_first:
        started_at = timezone.now()
        answer = provider.status(key=key)
        with transaction.atomic():
            log_attempt(submission, SubmissionAttempt.Action.STATUS, key, started_at, answer)
        if answer.outcome == meaning.REGISTERED:
            return _registered(submission, answer, now)
        if answer.outcome == meaning.REJECTED:
            return _rejected(submission, answer, now)
        if answer.outcome == meaning.REFUSED:
            return _refused(submission, answer)
        if answer.outcome != meaning.UNKNOWN:  # pending, or still no usable answer
            return _unanswered(submission, answer, now, sent=True)
        # The provider has nothing under the key: the document never arrived; send it.
    draft = documents.draft_for_statement(submission.statement)
    problems = documents.problems(draft, submission.payload_format)
    if problems:
        return _blocked(submission, problems)
    body = documents.render(draft, submission.payload_format)
    started_at = timezone.now()
    answer = provider.send(body, key=key, payload_format=submission.payload_format)
    with transaction.atomic():
        log_attempt(submission, SubmissionAttempt.Action.SEND, key, started_at, answer)
    if answer.outcome == meaning.REGISTERED:
        return _registered(submission, answer, now)
    if answer.outcome == meaning.REJECTED:
        return _rejected(submission, answer, now)
    if answer.outcome == meaning.REFUSED:
        return _refused(submission, answer)
    # Pending, no answer, or a failure: try again later; "sent" (ask first) unless the
    # provider's answer says it kept nothing.
    return _unanswered(submission, answer, now, sent=_may_hold_it(answer))


def submission_send(*, submission_id: int, now: datetime | None = None) -> str:
    """Hand one due submission over (or find out what became of it); returns what
    happened: registered, rejected, problems, retry, failed, refused, or skipped (not due,
    done, or another worker has it)."""
    if not handoff.is_configured():
        return "no_provider"
    now = now or timezone.now()
    if not _claim(submission_id, now):
        return "skipped"
    submission = Submission.objects.select_related("statement").get(pk=submission_id)
    try:
        return _send_claimed(submission, now)
    finally:
        # Only this worker's own claim is let go (a takeover wrote another time).
        Submission.objects.filter(pk=submission_id, sending_since=now).update(
            sending_since=None)


def submissions_send_due(*, ids: list[int] | None = None, now: datetime | None = None,
                         limit: int = 100) -> dict[str, int]:
    """Send the due submissions (those of ``ids``, or every due one); returns counts."""
    counts: dict[str, int] = {}
    if not handoff.is_configured():
        return counts
    now = now or timezone.now()
    due = Submission.objects.filter(
        Q(sending_since__isnull=True) | Q(sending_since__lte=now - retry.STALE_SENDING),
        status__in=(Submission.Status.DRAFT, Submission.Status.SENT),
        next_attempt_at__lte=now)
    if ids is not None:
        due = due.filter(pk__in=ids)
    for pk in list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]):
        result = submission_send(submission_id=pk, now=max(now, timezone.now()))
        counts[result] = counts.get(result, 0) + 1
    return counts
