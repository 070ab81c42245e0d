"""Reads of the hand-off for the e-invoice pages and /readyz (docs/einvoicing.md "Hand-off")."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import QuerySet

from supportdesk.billing.models import Statement
from supportdesk.einvoicing.documents import field_label
from supportdesk.einvoicing.models import Submission, SubmissionAttempt
from supportdesk.einvoicing.services import month_bounds


@dataclass(frozen=True)
class ProblemRow:
    field: str      # the machine path, as the validator gave it
    label: str      # for people
    message: str


def month_statements(*, year: int, month: int) -> QuerySet[Statement]:
    """The issued statements of a month (issue date, the vendor's local days) with their
    submissions, in number order."""
    start, end = month_bounds(year, month)
    return (Statement.objects.filter(issued_at__gte=start, issued_at__lt=end)
            .exclude(status=Statement.Status.DRAFT)
            .select_related("einvoice_submission")
            .order_by("series", "year", "number", "pk"))


def status_counts(statements) -> dict[str, int]:
    counts = Counter(s.einvoice_status for s in statements)
    return {key: counts.get(key, 0) for key in Statement.EinvoiceStatus.values}


def submission_for_statement(statement: Statement) -> Submission | None:
    return Submission.objects.filter(statement=statement).first()


def submission_problems(submission: Submission | None) -> list[ProblemRow]:
    """The validation problems that keep the statement from being sent, field by field."""
    if submission is None:
        return []
    return [ProblemRow(field=p.get("field", ""), label=field_label(p.get("field", "")),
                       message=p.get("message", "")) for p in submission.problems]


def submission_attempts(submission: Submission | None, *, limit: int = 50
                        ) -> list[SubmissionAttempt]:
    if submission is None:
        return []
    return list(submission.attempt_log.all()[:limit])


def unsent_counts() -> dict[str, int]:
    """For /readyz and the metrics: statements the provider rejected, and submissions out
    of attempts without a registration (both need a manager)."""
    return {
        "rejected": Submission.objects.filter(status=Submission.Status.REJECTED).count(),
        "stuck": Submission.objects.filter(
            status__in=(Submission.Status.DRAFT, Submission.Status.SENT),
            next_attempt_at__isnull=True).count(),
    }
