"""Staff desk views: thin adapters that parse, authorise and call one service or selector.

Every view is ``staff_required`` (the dashboard ``manager_required``); a request is always
fetched through ``ticket_get_for_user`` (Http404 otherwise). A refused action shows the
service's message on the ticket page with status 400 and changes nothing.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db.models import Value, prefetch_related_objects
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from supportdesk.accounts.selectors import assignable_staff
from supportdesk.agreements import selectors as agreement_selectors
from supportdesk.agreements import services as agreement_services
from supportdesk.agreements.models import Quote
from supportdesk.catalog.models import Product
from supportdesk.common.choices import Priority, Tier
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import manager_required, staff_required
from supportdesk.customers.models import Customer
from supportdesk.customers.selectors import customer_search
from supportdesk.domain.ticket_status import CLOCK_PAUSED_STATUSES, next_statuses
from supportdesk.knowledge.selectors import deflection_dashboard
from supportdesk.tickets import selectors as ticket_selectors
from supportdesk.tickets import services as ticket_services
from supportdesk.tickets.models import Ticket, TicketLink, TicketPause
from supportdesk.tickets.services._common import BODY_MAX
from supportdesk.tickets.services.attachments import ATTACHMENT_TOO_LARGE
from supportdesk.worklog.selectors import ticket_work_panel, timers_for_ticket_page
from supportdesk.worklog.services.agreements import ticket_scope_change

from . import charts
from .forms import (
    YES_NO_UNKNOWN,
    AssignForm,
    AttachmentForm,
    ClassifyForm,
    PrerequisitesForm,
    PriorityForm,
    QuoteForm,
    ReplyForm,
    StatusForm,
    TicketNewForm,
    category_choices,
)
from .placeholders import placeholders_render, reply_language
from .selectors import (
    canned_replies_for,
    canned_reply_get_for,
    customer_page,
    customer_standing,
    dashboard_get,
    macros_for,
    saved_views_for,
)
from .services import MACRO_MAX_TICKETS, presence_beat

#: The list's total is counted up to this many (then shown as "10,000+").
QUEUE_COUNT_CAP = 10_000
QUEUE_SORTS = (
    ("", _lazy("Response due (default)")),
    ("resolution", _lazy("Resolution due")),
    ("priority", _lazy("Priority")),
    ("newest", _lazy("Newest first")),
    ("oldest", _lazy("Oldest first")),
    ("activity", _lazy("Last activity")),
)

# Multipart overhead allowed on top of the attachment limit before the body is refused
# unread (a 1 GB upload is turned away without being spooled to disk).
_UPLOAD_OVERHEAD = 64 * 1024


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# ----------------------------------------------------------------------------- queue


#: The views every technician has in the queue's sidebar, besides the saved ones.
BUILTIN_VIEWS = (
    ("mine", _lazy("Mine"), {"assignee": "me"}),
    ("unassigned", _lazy("Unassigned"), {"assignee": "none"}),
    ("breaching_today", _lazy("Due by tonight"), {"due": "today"}),
    ("business_waiting", _lazy("Business, waiting on us"), {"tier": "business",
                                                            "status": "ours"}),
)


def _queue_sidebar(request: HttpRequest) -> list[dict]:
    """The built-in and saved views with their counts (one aggregate query for all)."""
    entries = [{"key": key, "name": name, "params": params, "saved": None}
               for key, name, params in BUILTIN_VIEWS]
    for view in saved_views_for(user=request.user):
        entries.append({"key": f"saved{view.pk}", "name": view.name, "params": view.params,
                        "saved": view})
    counts = ticket_selectors.queue_counts(
        views={e["key"]: ticket_selectors.queue_filters_from(e["params"]) for e in entries},
        user=request.user)
    current = {k: v for k, v in request.GET.items()
               if k not in ("after", "before", "p") and v}
    for entry in entries:
        entry["count"] = counts[entry["key"]]
        entry["url"] = f"?{urlencode(entry['params'])}"
        entry["active"] = entry["params"] == current
    return entries


@staff_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    filters = ticket_selectors.queue_filters_from(request.GET)
    page = ticket_selectors.ticket_queue(
        filters=filters, user=request.user, cursor=request.GET.get("after"),
        before=request.GET.get("before"),
    )
    base = {k: v for k, v in request.GET.items() if k not in ("after", "before", "p") and v}
    try:
        number = max(1, min(int(request.GET.get("p") or 1), 100_000))
    except ValueError:
        number = 1
    if page.is_first:
        number = 1
    total = ticket_selectors.queue_total(filters=filters, user=request.user,
                                         cap=QUEUE_COUNT_CAP)
    context = {
        "page": page,
        "filters": filters,
        "statuses": Ticket.Status.choices,
        "tiers": Tier.choices,
        "priorities": Priority.choices,
        "channels": Ticket.ReceivedVia.choices,
        "sorts": QUEUE_SORTS,
        "products": Product.objects.filter(is_active=True).only("pk", "name"),
        # (id, name) pairs built once: the filter and the bulk bar both list ~200 people.
        "technicians": [(u.pk, u.get_full_name() or u.username)
                        for u in AssignForm().fields["assignee"].queryset.only(
                            "pk", "first_name", "last_name", "username")],
        "next_url": f"?{urlencode({**base, 'after': page.next_cursor, 'p': number + 1})}"
        if page.next_cursor else None,
        "prev_url": f"?{urlencode({**base, 'before': page.prev_cursor, 'p': number - 1})}"
        if page.prev_cursor else None,
        "first_url": f"?{urlencode(base)}" if base else "?",
        "export_query": urlencode(base),
        "page_number": number,
        "page_count": -(-min(total, QUEUE_COUNT_CAP) // ticket_selectors.PAGE_SIZE) or 1,
        "total": total,
        "total_capped": total > QUEUE_COUNT_CAP,
        "sidebar": _queue_sidebar(request),
        "macros": list(macros_for(user=request.user).select_related(None)
                       .values_list("pk", "name")),
        "bulk_max": MACRO_MAX_TICKETS,
    }
    return render(request, "desk/queue.html", context)


# ----------------------------------------------------------------------------- new ticket


@staff_required
def ticket_new(request: HttpRequest) -> HttpResponse:
    """Log a request as it arrives (a phone call while it happens)."""
    status = 200
    customer = None
    if request.method == "POST":
        form = TicketNewForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            customer = Customer.objects.filter(pk=data["customer"], is_active=True).first()
            if customer is None:
                form.add_error("customer", _("Choose the customer."))
            else:
                try:
                    ticket = ticket_services.ticket_create(
                        customer=customer, subject=data["subject"], body=data["body"],
                        received_via=data["received_via"], category=data["category"],
                        product=data["product"], contact_name=data["contact_name"],
                        received_at=data["received_at"], is_emergency=data["is_emergency"],
                        priority=data["priority"] or Priority.NORMAL, by=request.user,
                    )
                except ApplicationError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, _("Request %(ref)s recorded.")
                                     % {"ref": ticket.reference})
                    return redirect("desk:ticket", pk=ticket.pk)
        status = 400
    else:
        form = TicketNewForm(initial={"customer": request.GET.get("customer") or None})
    customer_q = (request.GET.get("customer_q") or "").strip()[:100]
    chosen = form["customer"].value()
    if customer is None and chosen:
        try:
            customer = Customer.objects.filter(pk=int(chosen), is_active=True).first()
        except (TypeError, ValueError):
            customer = None
    context = {
        "form": form,
        "customer_q": customer_q,
        "customer_matches": customer_search(q=customer_q) if customer_q else [],
        "chosen_customer": customer,
    }
    return render(request, "desk/ticket_new.html", context, status=status)


@staff_required
@require_GET
def customer(request: HttpRequest, pk: int) -> HttpResponse:
    """A customer seen from the desk: people, licences, contract, balances, requests,
    statements and visits."""
    data = customer_page(customer_id=pk, today=timezone.localdate())
    return render(request, "desk/customer.html", {"data": data, "customer": data.customer})


@staff_required
@require_GET
def customer_lookup(request: HttpRequest) -> JsonResponse:
    """Autocomplete for the intake form (staff only): id, name, tax number, city."""
    found = customer_search(q=request.GET.get("q") or "")
    return JsonResponse({"results": [
        {"id": c.pk, "name": c.name, "tax_number": c.tax_number, "city": c.city}
        for c in found
    ]})


# ----------------------------------------------------------------------------- ticket page


# format_html escapes it to itself: no markup needs marking safe.
SELECTED = " selected"


def _ticket_context(request: HttpRequest, ticket: Ticket, **forms) -> dict:
    user = request.user
    now = timezone.now()
    today = timezone.localdate(now)
    prefetch_related_objects([ticket], "pauses")  # read once: SLA view and pause list
    standing = customer_standing(customer=ticket.customer, today=today)
    sla, resolution = ticket_selectors.ticket_clock_views(ticket=ticket, now=now)
    header_timer, timer = timers_for_ticket_page(technician=user, ticket=ticket)
    request.running_timer_read = (header_timer,)  # for the header's context processor
    return {
        "ticket": ticket,
        "now": now,
        "sla": sla,
        "resolution": resolution,
        "priorities": Priority.choices,
        "links": ticket_selectors.ticket_links(ticket=ticket),
        "link_kinds": TicketLink.Kind.choices,
        "merge_target": forms.get("merge_target", ""),
        "link_other": forms.get("link_other", ""),
        **_reply_picks(user),
        "conversation": ticket_selectors.message_list_for_user(ticket=ticket, user=user),
        "attachments": ticket_selectors.attachment_list_for_user(ticket=ticket, user=user),
        "events": ticket_selectors.event_list_for_user(ticket=ticket, user=user, limit=50),
        "pauses": [p for p in ticket.pauses.all() if p.reason == TicketPause.Reason.WAITING],
        "resolved_spans": [p for p in ticket.pauses.all()
                           if p.reason == TicketPause.Reason.RESOLVED],
        "standing": standing,
        "next_statuses": [(s, Ticket.Status(s).label) for s in next_statuses(ticket.status)],
        "clock_paused_statuses": CLOCK_PAUSED_STATUSES,
        # Plain values, rendered by the template's own loops: Django's widget templates cost
        # tens of milliseconds for a 200-technician select (the bench measures this page).
        "reply_body": (forms["reply_form"].data.get("body", "")
                       if forms.get("reply_form") else ""),
        "reply_internal": bool(forms["reply_form"].data.get("is_internal"))
        if forms.get("reply_form") else False,
        "body_max": BODY_MAX,
        # The 200-technician <option> list joined here: the same markup a template loop
        # makes, in a fraction of the time (the bench measures this page).
        "technician_options": format_html_join(
            "", '<option value="{}"{}>{}</option>',
            ((pk, SELECTED if pk == ticket.assignee_id else "", name)
             for pk, name in assignable_staff())),
        "categories": category_choices(),
        "prerequisites": [
            (name, field.label, PrerequisitesForm.initial_for(ticket)[name])
            for name, field in PrerequisitesForm.base_fields.items()
        ],
        "yes_no": YES_NO_UNKNOWN,
        "attachment_limit": settings.SUPPORTDESK_ATTACHMENT_MAX_BYTES,
        "out_of_scope": ticket.is_out_of_scope,
        # Read once, shown in two places: the timer and emergency decision head the sidebar,
        # the entries stay in the main column (issue 13).
        "work_panel": ticket_work_panel(ticket=ticket, user=user, timer=timer),
        **_quote_context(ticket, today, forms),
    }


def _reply_picks(user) -> dict:
    """The canned replies and macros the user may pick, in one query for both."""
    rows = list(
        canned_replies_for(user=user).order_by().values_list("pk", "title", Value("reply"))
        .union(macros_for(user=user).select_related(None).order_by()
               .values_list("pk", "name", Value("macro")), all=True))
    rows.sort(key=lambda row: (row[1], row[0]))
    return {"canned_replies": [(pk, title) for pk, title, kind in rows if kind == "reply"],
            "macros": [(pk, name) for pk, name, kind in rows if kind == "macro"]}


def _quote_context(ticket: Ticket, today, forms: dict) -> dict:
    """The §10 panel: the request's quotes, and the issue / revise forms (what was typed
    when one was refused)."""
    quotes = list(agreement_selectors.quotes_for_ticket(ticket_id=ticket.pk))
    if not quotes and not ticket.is_out_of_scope:
        return {"quotes": [], "quote_form": None}
    rate = agreement_services.standard_rate_for(ticket)
    initial = {"valid_until": today + agreement_services.DEFAULT_VALIDITY}
    proposed = next((q for q in quotes if q.status == Quote.Status.PROPOSED), None)
    return {
        "quotes": quotes,
        "quote_open": any(q.status in (Quote.Status.PROPOSED, Quote.Status.ACCEPTED)
                          for q in quotes),
        "quote_form": forms.get("quote_form") or QuoteForm(initial=initial),
        "revise_form": forms.get("revise_form") or (proposed and QuoteForm(initial={
            "kind": proposed.kind, "description": proposed.description,
            "amount": proposed.amount, "rate_per_hour": proposed.rate_per_hour,
            "estimated_minutes": proposed.estimated_minutes,
            "valid_until": proposed.valid_until})),
        "standard_rate": rate,
    }


@staff_required
@require_GET
def ticket(request: HttpRequest, pk: int) -> HttpResponse:
    item = ticket_selectors.ticket_get_for_user(user=request.user, ticket_id=pk)
    context = _ticket_context(request, item)
    if request.GET.get("canned"):
        # Insert a canned reply into the reply box, filled for this request in the
        # contact's language; nothing is sent until the technician presses Send.
        canned = canned_reply_get_for(user=request.user, reply_id=request.GET["canned"])
        if canned is not None:
            language = reply_language(item)
            rendered = placeholders_render(canned.body_for(language), ticket=item,
                                           user=request.user, language=language)
            context.update(reply_body=rendered.text, canned_unknown=rendered.unknown,
                           canned_chosen=canned.pk)
    return render(request, "desk/ticket.html", context)


def _refused(request: HttpRequest, item: Ticket, message, **forms) -> HttpResponse:
    """Show why nothing changed, on the ticket page, as a 400."""
    messages.error(request, message)
    item.refresh_from_db()
    return render(request, "desk/ticket.html", _ticket_context(request, item, **forms),
                  status=400)


def _done(request: HttpRequest, item: Ticket, message: str) -> HttpResponse:
    messages.success(request, message)
    response = HttpResponseRedirect(reverse("desk:ticket", args=[item.pk]))
    response.status_code = 303  # See Other: a reload does not post again
    return response


def _seen_version(request: HttpRequest) -> int | None:
    """The version of the request the page was rendered from (the collision guard); a
    form without one (an old page, a script) is not checked."""
    try:
        return int(request.POST.get("seen_version", ""))
    except ValueError:
        return None


@staff_required
@require_POST
def ticket_presence(request: HttpRequest, pk: int) -> JsonResponse:
    """Heartbeat of an open ticket page: who else is here or typing, and whether the
    request changed since the page was rendered."""
    item = ticket_selectors.ticket_get_for_user(user=request.user, ticket_id=pk)
    others = presence_beat(ticket=item, by=request.user,
                           typing=request.POST.get("typing") == "1")
    seen = _seen_version(request)
    return JsonResponse({"others": others, "version": item.version,
                         "changed": seen is not None and item.version > seen})


@staff_required
@require_POST
def ticket_reply(request: HttpRequest, pk: int) -> HttpResponse:
    item = ticket_selectors.ticket_get_for_user(user=request.user, ticket_id=pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _refused(request, item, _form_errors(form), reply_form=form)
    try:
        ticket_services.ticket_reply(ticket=item, body=form.cleaned_data["body"],
                                     is_internal=form.cleaned_data["is_internal"],
                                     by=request.user, seen_version=_seen_version(request))
    except ApplicationError as exc:
        return _refused(request, item, exc.message, reply_form=form)
    return _done(request, item, _("Internal note added.") if form.cleaned_data["is_internal"]
                 else _("Reply sent."))


@staff_required
@require_POST
def ticket_status(request: HttpRequest, pk: int) -> HttpResponse:
    item = ticket_selectors.ticket_get_for_user(user=request.user, ticket_id=pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _refused(request, item, _("Choose a valid status."))
    try:
        ticket_services.ticket_change_status(ticket=item, status=form.cleaned_data["status"],
                                             by=request.user,
                                             seen_version=_seen_version(request))
    except ApplicationError as exc:
        return _refused(request, item, exc.message)
    return _done(request, item, _("Status changed to “%(status)s”.")
                 % {"status": item.get_status_display()})


@staff_required
@require_POST
def ticket_assign(request: HttpRequest, pk: int) -> HttpResponse:
    item = ticket_selectors.ticket_get_for_user(user=request.user, ticket_id=pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _refused(request, item, _form_errors(form), assign_form=form)
    try:
        ticket_services.ticket_assign(ticket=item, assignee=form.cleaned_data["assignee"],
                                      by=request.user)
    except ApplicationError as exc:
        return _refused(request, item, exc.message, assign_form=form)
    return _done(request, item, _("Assignment saved."))


@staff_required
@require_POST
def ticket_priority(request: HttpRequest, pk: int) -> HttpResponse:
    item = ticket_selectors.ticket_get_for_user(user=request.user, ticket_id=pk)
    form = PriorityForm(request.POST)
    if not form.is_valid():
        return _refused(request, item, _form_errors(form))
    try:
        ticket_services.ticket_set_priority(ticket=item, priority=form.cleaned_data["priority"],
                                            by=request.user)
    except ApplicationError as exc:
        return _refused(request, item, exc.message)
    return _done(request, item, _("Priority saved: the targets of this request follow it."))


@staff_required
@require_POST
def ticket_classify(request: HttpRequest, pk: int) -> HttpResponse:
    item = ticket_selectors.ticket_get_for_user(user=request.user, ticket_id=pk)
    form = ClassifyForm(request.POST)
    if not form.is_valid():
        return _refused(request, item, _form_errors(form), classify_form=form)
    try:
        ticket_scope_change(ticket=item, category=form.cleaned_data["category"],
                            by=request.user)
    except ApplicationError as exc:
        return _refused(request, item, exc.message, classify_form=form)
    if item.is_out_of_scope:
        return _done(request, item, _("Classified as out of scope: this work needs a separate "
                                      "agreement (§10) before it is billed."))
    return _done(request, item, _("Classification saved."))


@staff_required
@require_POST
def ticket_prerequisites(request: HttpRequest, pk: int) -> HttpResponse:
    item = ticket_selectors.ticket_get_for_user(user=request.user, ticket_id=pk)
    form = PrerequisitesForm(request.POST)
    if not form.is_valid():
        return _refused(request, item, _form_errors(form), prerequisites_form=form)
    try:
        ticket_services.ticket_record_prerequisites(ticket=item, by=request.user,
                                                    **form.values())
    except ApplicationError as exc:
        return _refused(request, item, exc.message, prerequisites_form=form)
    return _done(request, item, _("Prerequisites recorded (§11)."))


@staff_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    item = ticket_selectors.ticket_get_for_user(user=request.user, ticket_id=pk)
    limit = settings.SUPPORTDESK_ATTACHMENT_MAX_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit + _UPLOAD_OVERHEAD:
        # Refuse before Django spools the body to disk.

        message = ATTACHMENT_TOO_LARGE % {"size": filesizeformat(length),
                                          "limit": filesizeformat(limit)}
        messages.error(request, message)
        response = render(request, "desk/ticket.html", _ticket_context(request, item),
                          status=413)
        return response
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _refused(request, item, _form_errors(form), attachment_form=form)
    try:
        attachment = ticket_services.attachment_add(
            ticket=item, uploaded_file=form.cleaned_data["file"],
            is_internal=form.cleaned_data["is_internal"], by=request.user,
        )
    except ApplicationError as exc:
        return _refused(request, item, exc.message)
    return _done(request, item, _("“%(name)s” attached.") % {"name": attachment.original_name})


@staff_required
@require_GET
def attachment_download(request: HttpRequest, uuid) -> FileResponse:
    """Always a download, never rendered inline (docs/security.md #8, #10)."""
    attachment = ticket_selectors.attachment_get_for_user(user=request.user,
                                                          attachment_uuid=uuid)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True,
                            filename=attachment.original_name,
                            content_type="application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


# ----------------------------------------------------------------------------- dashboard


@manager_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    data = dashboard_get()
    return render(request, "desk/dashboard.html", {
        "data": data,
        "sla_chart": charts.sla_chart(data),
        "channel_chart": charts.channel_chart(data),
        "load_chart": charts.load_chart(data),
        "deflection": deflection_dashboard(),
    })
