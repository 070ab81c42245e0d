"""Staff views of §10 agreements: issue, revise and withdraw a quote from the ticket page,
record the customer's written answer, and the list of open quotes.

Each POST carries a one-time form token (docs/security.md #41): a double click or a retry
does the thing once and shows its result. A refused one shows the service's message on the
ticket page (400) with what was typed kept.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from supportdesk.agreements import selectors as agreement_selectors
from supportdesk.agreements import services as agreement_services
from supportdesk.agreements.models import Quote
from supportdesk.common import idempotency
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import staff_required
from supportdesk.tickets import selectors as ticket_selectors
from supportdesk.worklog.services.agreements import agreement_accept

from .forms import QuoteForm
from .views import _done, _form_errors, _refused

NOTE_MAX = 2000


def _quote_of_visible_ticket(request: HttpRequest, quote_id: int) -> Quote:
    quote = get_object_or_404(Quote, pk=quote_id)
    # The ticket through the access helper (Http404 if the user may not see it).
    quote.ticket = ticket_selectors.ticket_get_for_user(user=request.user,
                                                        ticket_id=quote.ticket_id)
    return quote


def _once(request, *, scope: str, parts: tuple, write, ticket, done: str) -> HttpResponse:
    ticket_url = reverse("desk:ticket", args=[ticket.pk])
    outcome = idempotency.run_once(idempotency.posted(request), user=request.user, scope=scope,
                                   parts=parts, write=write, reference=lambda _q: ticket_url)
    if outcome.replayed:
        return idempotency.replay_response(request, outcome, ticket_url)
    return _done(request, ticket, done)


@staff_required
@require_POST
def quote_issue(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_selectors.ticket_get_for_user(user=request.user, ticket_id=pk)
    form = QuoteForm(request.POST)
    if not form.is_valid():
        return _refused(request, ticket, _form_errors(form), quote_form=form)
    try:
        return _once(request, scope="desk.quote.issue", parts=(ticket.pk,), ticket=ticket,
                     write=lambda: agreement_services.quote_issue(
                         ticket=ticket, by=request.user, **form.terms()),
                     done=_("Quote sent to the customer."))
    except ApplicationError as exc:
        return _refused(request, ticket, exc.message, quote_form=form)


@staff_required
@require_POST
def quote_revise(request: HttpRequest, quote_id: int) -> HttpResponse:
    quote = _quote_of_visible_ticket(request, quote_id)
    form = QuoteForm(request.POST)
    if not form.is_valid():
        return _refused(request, quote.ticket, _form_errors(form), revise_form=form,
                        revise_quote=quote.pk)
    try:
        return _once(request, scope="desk.quote.revise", parts=(quote.pk, quote.revision),
                     ticket=quote.ticket,
                     write=lambda: agreement_services.quote_revise(
                         quote=quote, by=request.user, **form.terms()),
                     done=_("Revised quote sent to the customer."))
    except ApplicationError as exc:
        return _refused(request, quote.ticket, exc.message, revise_form=form,
                        revise_quote=quote.pk)


@staff_required
@require_POST
def quote_withdraw(request: HttpRequest, quote_id: int) -> HttpResponse:
    quote = _quote_of_visible_ticket(request, quote_id)
    reason = request.POST.get("note", "")[:NOTE_MAX]
    try:
        return _once(request, scope="desk.quote.withdraw", parts=(quote.pk,),
                     ticket=quote.ticket,
                     write=lambda: agreement_services.quote_withdraw(
                         quote=quote, by=request.user, reason=reason),
                     done=_("Quote withdrawn."))
    except ApplicationError as exc:
        return _refused(request, quote.ticket, exc.message)


@staff_required
@require_POST
def quote_decide(request: HttpRequest, quote_id: int) -> HttpResponse:
    """Staff record the customer's answer given in writing outside the portal."""
    quote = _quote_of_visible_ticket(request, quote_id)
    decision = request.POST.get("decision")
    note = request.POST.get("note", "").strip()[:NOTE_MAX]
    if decision not in ("accept", "decline"):
        return _refused(request, quote.ticket, _("Choose to accept or to decline the quote."))
    if not note:
        return _refused(request, quote.ticket,
                        _("Say how the customer answered (e.g. “e-mail of 2/12 from "
                          "Maria”): staff record only a written answer."))
    decide = agreement_accept if decision == "accept" else agreement_services.quote_decline
    try:
        return _once(request, scope="desk.quote.decide", parts=(quote.pk,),
                     ticket=quote.ticket,
                     write=lambda: decide(quote=quote, by=request.user, note=note),
                     done=_("Acceptance recorded: the work is billed under the agreement.")
                     if decision == "accept" else _("Refusal recorded."))
    except ApplicationError as exc:
        return _refused(request, quote.ticket, exc.message)


@staff_required
@require_GET
def quote_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or Quote.Status.PROPOSED
    if status not in Quote.Status.values:
        status = Quote.Status.PROPOSED
    page = Paginator(agreement_selectors.quote_list(status=status), 50).get_page(
        request.GET.get("page"))
    return render(request, "desk/quotes.html", {
        "page": page, "status": status, "statuses": Quote.Status.choices,
    })
