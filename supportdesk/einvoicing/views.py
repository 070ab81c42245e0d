"""The e-invoice pages of billing: a month's statements with their hand-off status (and
the one button that sends them), one statement's submission (its problems field by field,
the provider's errors, the attempt log) with send, refresh and cancel.

Thin views: each parses, authorises and calls one service or reads through ``selectors``.
Reading is for staff, acting for managers. Every action form carries a one-time token
(``common.idempotency``): a double click sends nothing twice, and the services are
idempotent besides (docs/einvoicing.md "Hand-off").
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from supportdesk.billing.models import Statement
from supportdesk.billing.selectors import statement_get_for_user
from supportdesk.common import idempotency
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import manager_required, staff_required

from . import handoff, selectors, services
from .forms import MonthForm

MONTH_QUEUED = _("%(count)s statements were handed to the provider.")
MONTH_NOTHING = _("Every statement of the month was already sent.")
RESENT = _("The statement was handed to the provider.")
REFRESHED = _("The provider was asked again.")
CANCELLED = _("The e-invoice was cancelled.")


def _month(request: HttpRequest) -> tuple[MonthForm, tuple[int, int] | None]:
    data = request.GET if "month" in request.GET else {"month": MonthForm.current()}
    form = MonthForm(data)
    return form, (form.cleaned_data["month"] if form.is_valid() else None)


@require_GET
@staff_required
def home(request: HttpRequest) -> HttpResponse:
    form, month = _month(request)
    statements = list(selectors.month_statements(year=month[0], month=month[1])) if month \
        else []
    return render(request, "einvoicing/home.html", {
        "form": form, "month": month, "month_text": form.data.get("month", ""),
        "statements": statements, "counts": selectors.status_counts(statements),
        "is_configured": handoff.is_configured(),
        "unsent": sum(1 for s in statements
                      if s.einvoice_status == Statement.EinvoiceStatus.DRAFT),
    })


@require_POST
@manager_required
def send_month(request: HttpRequest) -> HttpResponse:
    form = MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["month"][0])
        return redirect("einvoicing:home")
    year, month = form.cleaned_data["month"]
    page = reverse("einvoicing:home") + f"?month={year:04d}-{month:02d}"
    try:
        # Many sends after one commit: the claim of the token is committed first.
        outcome = idempotency.run_once(
            idempotency.posted(request), user=request.user, scope="einvoicing.month",
            parts=(f"{year:04d}-{month:02d}",), atomic=False,
            write=lambda: services.month_send(year=year, month=month, by=request.user),
            reference=lambda _count: page)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(page)
    if outcome.replayed:
        return idempotency.replay_response(request, outcome, page)
    if outcome.result:
        messages.success(request, MONTH_QUEUED % {"count": outcome.result})
    else:
        messages.info(request, MONTH_NOTHING)
    return redirect(page)


@require_GET
@staff_required
def statement(request: HttpRequest, statement_id: int) -> HttpResponse:
    current = statement_get_for_user(user=request.user, statement_id=statement_id)
    submission = selectors.submission_for_statement(current)
    return render(request, "einvoicing/statement.html", {
        "statement": current, "submission": submission,
        "problems": selectors.submission_problems(submission),
        "attempts": selectors.submission_attempts(submission),
        "is_configured": handoff.is_configured(),
        "qr_is_link": current.einvoice_qr_url.lower().startswith("https://"),
    })


def _act(request: HttpRequest, statement_id: int, *, scope: str, write, done) -> HttpResponse:
    current = statement_get_for_user(user=request.user, statement_id=statement_id)
    page = reverse("einvoicing:statement", args=[current.pk])
    try:
        outcome = idempotency.run_once(
            idempotency.posted(request), user=request.user, scope=scope, parts=(current.pk,),
            atomic=False, write=lambda: write(current), reference=lambda _result: page)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(page)
    if outcome.replayed:
        return idempotency.replay_response(request, outcome, page)
    messages.success(request, done)
    return redirect(page)


@require_POST
@manager_required
def statement_send(request: HttpRequest, statement_id: int) -> HttpResponse:
    return _act(request, statement_id, scope="einvoicing.send", done=RESENT,
                write=lambda s: services.submission_resend(statement=s, by=request.user))


@require_POST
@manager_required
def statement_refresh(request: HttpRequest, statement_id: int) -> HttpResponse:
    return _act(request, statement_id, scope="einvoicing.refresh", done=REFRESHED,
                write=lambda s: services.submission_refresh(statement=s, by=request.user))


@require_POST
@manager_required
def statement_cancel(request: HttpRequest, statement_id: int) -> HttpResponse:
    return _act(request, statement_id, scope="einvoicing.cancel", done=CANCELLED,
                write=lambda s: services.submission_cancel(statement=s, by=request.user))
