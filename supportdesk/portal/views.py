"""The customer portal: a customer user sees and acts on its own company's data only.

Views are thin: they authorise with ``customer_required``, read through scoped selectors
and call the same services the staff desk uses.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from supportdesk.agreements.services import quote_decline
from supportdesk.billing.documents import statement_filename
from supportdesk.billing.documents import statement_pdf as statement_pdf_bytes
from supportdesk.billing.selectors import customer_hold_state, statement_get_for_user
from supportdesk.common import idempotency
from supportdesk.common.downloads import private_file_response
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import customer_required
from supportdesk.satisfaction.views import portal_panel
from supportdesk.tickets.selectors import (
    attachment_get_for_user,
    attachment_list_for_user,
    message_list_for_user,
    ticket_get_for_user,
)
from supportdesk.worklog.services.agreements import agreement_accept

from .forms import ReplyForm, TicketNewForm
from .selectors import (
    portal_contract,
    portal_usage,
    quote_get_for_customer,
    quote_list_for_ticket,
    release_get_for_customer,
    release_list_for_customer,
    statement_list_for_customer,
    ticket_list_for_customer,
)
from .services import portal_ticket_open, portal_ticket_reply


@customer_required
def home(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    page = ticket_list_for_customer(user=request.user, status=status,
                                    page=request.GET.get("page", 1))
    contract = portal_contract(user=request.user, today=timezone.localdate())
    return render(request, "portal/home.html", {
        "page": page, "status": status, "contract": contract,
        "usage": portal_usage(user=request.user, today=timezone.localdate()),
        "hold": customer_hold_state(request.user.customer_id, timezone.localdate()),
    })


@customer_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: HttpRequest) -> HttpResponse:
    form = TicketNewForm(request.POST or None, request.FILES or None,
                         customer_id=request.user.customer_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = portal_ticket_open(
                user=request.user, subject=data["subject"], body=data["body"],
                category=data["category"], product=data["product"],
                attachment=data["attachment"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your support request was received."))
            return redirect("portal:ticket", ticket_id=ticket.pk)
    return render(request, "portal/ticket_new.html", {"form": form})


@customer_required
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id)
    return _ticket_page(request, ticket, ReplyForm())


def _ticket_page(request: HttpRequest, ticket, form: ReplyForm, status: int = 200) -> HttpResponse:
    return render(request, "portal/ticket_detail.html", {
        "ticket": ticket,
        "conversation": message_list_for_user(ticket=ticket, user=request.user),
        "attachments": attachment_list_for_user(ticket=ticket, user=request.user),
        "quotes": quote_list_for_ticket(user=request.user, ticket=ticket),
        "form": form,
        **portal_panel(ticket=ticket, user=request.user),  # the rating (satisfaction)
    }, status=status)


@customer_required
@require_POST
def ticket_reply_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            portal_ticket_reply(user=request.user, ticket=ticket, body=form.cleaned_data["body"],
                                attachment=form.cleaned_data["attachment"])
        except ApplicationError as exc:
            messages.error(request, exc.message)  # also shown where the form is not (closed)
        else:
            messages.success(request, _("Your reply was sent."))
            return redirect("portal:ticket", ticket_id=ticket.pk)
    # Refused: the request again with the reason beside the reply, and the reply as typed
    # (never cut, never lost; issue 14).
    return _ticket_page(request, ticket, form, status=400)


@customer_required
@require_POST
def quote_decide(request: HttpRequest, quote_id: int) -> HttpResponse:
    """The customer accepts or declines a quote for out-of-scope work (§10)."""
    quote = quote_get_for_customer(user=request.user, quote_id=quote_id)
    decision = request.POST.get("decision")
    if decision not in ("accept", "decline"):
        messages.error(request, _("Choose to accept or to decline the quote."))
    else:
        decide = agreement_accept if decision == "accept" else quote_decline
        note = request.POST.get("note", "")[:2000]
        ticket_url = reverse("portal:ticket", args=[quote.ticket_id])
        try:
            # One decision per rendered form (docs/security.md #41): a double click or a
            # retry shows the first answer instead of an error.
            outcome = idempotency.run_once(
                idempotency.posted(request), user=request.user, scope="portal.quote",
                parts=(quote.pk,), write=lambda: decide(quote=quote, by=request.user, note=note),
                reference=lambda _quote: ticket_url)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            if outcome.replayed:
                return idempotency.replay_response(request, outcome, ticket_url)
            messages.success(request, _("Quote accepted: we will go ahead with the work.")
                             if decision == "accept" else _("Quote declined."))
    return redirect("portal:ticket", ticket_id=quote.ticket_id)


@customer_required
def attachment_download(request: HttpRequest, attachment_uuid) -> HttpResponse:
    attachment = attachment_get_for_user(user=request.user, attachment_uuid=attachment_uuid)
    return private_file_response(attachment.file, filename=attachment.original_name)


@customer_required
def releases(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(request, "portal/releases.html", {
        "contract": portal_contract(user=request.user, today=today),
        "releases": release_list_for_customer(user=request.user, today=today),
    })


@customer_required
def statements(request: HttpRequest) -> HttpResponse:
    page = statement_list_for_customer(user=request.user, page=request.GET.get("page", 1))
    return render(request, "portal/statements.html", {"page": page})


@customer_required
def statement_pdf(request: HttpRequest, statement_id: int) -> HttpResponse:
    statement = statement_get_for_user(user=request.user, statement_id=statement_id)
    response = HttpResponse(statement_pdf_bytes(statement), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=statement_filename(statement, "pdf"))
    response["X-Content-Type-Options"] = "nosniff"
    return response


@customer_required
def release_download(request: HttpRequest, release_id: int) -> HttpResponse:
    release = release_get_for_customer(user=request.user, release_id=release_id,
                                       today=timezone.localdate())
    name = release.file.name.rsplit("/", 1)[-1]
    return private_file_response(release.file, filename=name)


def terms(request: HttpRequest) -> HttpResponse:
    """The support terms as the customer agreed to them, §12 included."""
    return render(request, "portal/terms.html")
