"""Staff pages for measured work (§8), remote sessions (§2), visits (§1, §9), emergencies (§7).

Views are thin: parse a form, authorise (``staff_required``; objects through selectors that
404), call one service, report its ApplicationError as a message or form error. Customers
never reach these views (§8: the vendor alone measures support time). The only view without
a session is the iCalendar feed, authorised by its secret token.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import is_manager, staff_required
from supportdesk.customers.selectors import customer_search
from supportdesk.tickets.models import Ticket
from supportdesk.worklog import selectors
from supportdesk.worklog.forms import (
    EmergencyDecisionForm,
    EmergencyIntakeForm,
    RemoteSessionForm,
    TimerStartForm,
    TimerStopForm,
    VisitCompleteForm,
    VisitForm,
    VisitRescheduleForm,
    WorkEntryForm,
)
from supportdesk.worklog.ical import visits_to_ical
from supportdesk.worklog.models import WorkEntry
from supportdesk.worklog.pricing_display import priced_work_summary
from supportdesk.worklog.services.emergencies import (
    emergency_accept,
    emergency_decline,
    emergency_intake,
)
from supportdesk.worklog.services.entries import (
    work_entry_create,
    work_entry_delete,
    work_entry_preview,
    work_entry_update,
)
from supportdesk.worklog.services.remote import remote_session_record
from supportdesk.worklog.services.timers import timer_discard, timer_start, timer_stop
from supportdesk.worklog.services.visits import (
    calendar_feed_regenerate,
    calendar_feed_revoke,
    visit_cancel,
    visit_complete,
    visit_out_of_town_defaults,
    visit_reschedule,
    visit_schedule,
)


def ticket_url(ticket: Ticket) -> str:
    """The ticket page of the desk, where the work panel lives."""
    return reverse("desk:ticket", args=[ticket.pk])


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    messages.error(request, str(exc.message))


def _form_errors(request: HttpRequest, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


# --- timers --------------------------------------------------------------------------------

@staff_required
@require_POST
def timer_start_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_get_for_staff(user=request.user, ticket_id=ticket_id)
    form = TimerStartForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            timer_start(ticket=ticket, technician=request.user,
                        channel=form.cleaned_data["channel"])
            messages.success(request, _("Timer started."))
        except ApplicationError as exc:
            if exc.code == "timer_running_elsewhere":
                # One running timer per technician (issue 9): link to the running one.
                messages.error(request, format_html(
                    '{} <a href="{}#timer-box">{}</a>', exc.message,
                    reverse("desk:ticket", args=[exc.extra["ticket_id"]]),
                    _("Go to the running timer")))
            else:
                _fail(request, exc)
    return redirect(ticket_url(ticket))


@staff_required
@require_POST
def timer_stop_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_get_for_staff(user=request.user, ticket_id=ticket_id)
    form = TimerStopForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(ticket_url(ticket))
    try:
        entry = timer_stop(ticket=ticket, technician=request.user,
                           description=form.cleaned_data["description"],
                           kind=form.cleaned_data["kind"])
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Timer stopped: %(minutes)s min recorded.") % {
            "minutes": entry.duration_minutes})
    return redirect(ticket_url(ticket))


@staff_required
@require_POST
def timer_discard_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_get_for_staff(user=request.user, ticket_id=ticket_id)
    try:
        timer_discard(ticket=ticket, technician=request.user)
        messages.success(request, _("Timer discarded; nothing was recorded."))
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect(ticket_url(ticket))


# --- work entries --------------------------------------------------------------------------

@staff_required
@require_GET
def ticket_work_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """All of a request's work entries (paginated), beside the panel the ticket page shows."""
    ticket = selectors.ticket_get_for_staff(user=request.user, ticket_id=ticket_id)
    entries = (
        WorkEntry.objects.filter(ticket=ticket).select_related("technician")
        .order_by("-started_at", "-id")
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "worklog/ticket_work.html",
                  {"ticket": ticket, "page": page, "ticket_url": ticket_url(ticket)})


@staff_required
@require_http_methods(["GET", "POST"])
def entry_create_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_get_for_staff(user=request.user, ticket_id=ticket_id)
    refused_overlap = False
    if request.method == "POST":
        form = WorkEntryForm(request.POST, may_confirm_overlap=is_manager(request.user))
        if form.is_valid():
            data = form.cleaned_data
            try:
                work_entry_create(
                    ticket=ticket, technician=request.user, channel=data["channel"],
                    started_at=data["started_at"], ended_at=data["ended_at"], kind=data["kind"],
                    description=data["description"], flat_fee=data["flat_fee"],
                    travel=data["travel"], lodging=data["lodging"],
                    by=request.user, idempotency_key=data["form_token"] or None,
                    confirm_overlap=form.overlap_confirmed,
                )
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
                refused_overlap = exc.code == "overlap"
            else:
                messages.success(request, _("Work entry saved."))
                return redirect(ticket_url(ticket))
        form.offer_overlap_confirm(refused_overlap=refused_overlap)
    else:
        now = timezone.localtime().replace(second=0, microsecond=0)
        via = ticket.received_via
        form = WorkEntryForm(initial={
            "started_at": now - timedelta(minutes=30), "ended_at": now,
            "channel": via if via in dict(form_channels()) else "phone",
            "form_token": uuid.uuid4().hex,
        })
    return render(request, "worklog/entry_form.html", {
        "ticket": ticket, "form": form, "ticket_url": ticket_url(ticket),
        "preview_url": reverse("worklog:entry_preview", args=[ticket.pk]),
    })


def form_channels():
    return WorkEntryForm.base_fields["channel"].choices


@staff_required
@require_GET
@never_cache
def entry_preview_view(request: HttpRequest, ticket_id: int) -> JsonResponse:
    """Live price of an entry being typed, from the rules engine (nothing is saved)."""
    ticket = selectors.ticket_get_for_staff(user=request.user, ticket_id=ticket_id)
    form = WorkEntryForm(request.GET)
    if not form.is_valid():
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        return JsonResponse({"ok": False, "errors": errors}, status=400)
    data = form.cleaned_data
    entry = None
    if request.GET.get("entry"):
        try:
            entry = selectors.work_entry_get_for_staff(user=request.user,
                                                       entry_id=int(request.GET["entry"]))
        except (TypeError, ValueError):
            raise Http404 from None
        if entry.ticket_id != ticket.pk:
            raise Http404
    try:
        priced = work_entry_preview(
            ticket=ticket, channel=data["channel"], started_at=data["started_at"],
            ended_at=data["ended_at"], kind=data["kind"], flat_fee=data["flat_fee"],
            entry=entry, travel=data["travel"], lodging=data["lodging"])
    except ApplicationError as exc:
        return JsonResponse({"ok": False, "errors": {"__all__": [str(exc.message)]}},
                            status=400)
    return JsonResponse({"ok": True, **priced_work_summary(priced, lang=get_language())})


@staff_required
@require_GET
def entry_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.work_entry_get_for_staff(user=request.user, entry_id=pk)
    return render(request, "worklog/entry_detail.html", {
        "entry": entry, "history": selectors.work_entry_history(entry=entry),
        "ticket_url": ticket_url(entry.ticket),
    })


@staff_required
@require_http_methods(["GET", "POST"])
def entry_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.work_entry_get_for_staff(user=request.user, entry_id=pk)
    if entry.is_locked:
        messages.error(request, _(
            "This entry is on a statement (billed), so it is locked and cannot be changed. "
            "A correction is made with a credit statement."))
        return redirect("worklog:entry_detail", pk=entry.pk)
    refused_overlap = False
    if request.method == "POST":
        form = WorkEntryForm(request.POST, may_confirm_overlap=is_manager(request.user))
        if form.is_valid():
            try:
                work_entry_update(entry=entry, by=request.user,
                                  confirm_overlap=form.overlap_confirmed, **form.entry_changes())
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
                refused_overlap = exc.code == "overlap"
            else:
                messages.success(request, _("Work entry updated."))
                return redirect("worklog:entry_detail", pk=entry.pk)
        form.offer_overlap_confirm(refused_overlap=refused_overlap)
    else:
        form = WorkEntryForm(initial={
            "started_at": timezone.localtime(entry.started_at),
            "ended_at": timezone.localtime(entry.ended_at), "channel": entry.channel,
            "kind": entry.kind, "description": entry.description, "flat_fee": entry.flat_fee,
            **{name: Decimal(cost["amount"])
               for cost in entry.pricing.get("out_of_town", ())
               if cost.get("is_given") and (name := cost["kind"]) in ("travel", "lodging")},
        })
    return render(request, "worklog/entry_form.html", {
        "ticket": entry.ticket, "form": form, "entry": entry,
        "ticket_url": ticket_url(entry.ticket),
        "preview_url": reverse("worklog:entry_preview", args=[entry.ticket_id])
        + f"?entry={entry.pk}",
    })


@staff_required
@require_http_methods(["GET", "POST"])
def entry_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.work_entry_get_for_staff(user=request.user, entry_id=pk)
    if request.method == "POST":
        try:
            work_entry_delete(entry=entry, by=request.user)
        except ApplicationError as exc:
            _fail(request, exc)
            return redirect("worklog:entry_detail", pk=entry.pk)
        messages.success(request, _("Work entry deleted."))
        return redirect(ticket_url(entry.ticket))
    return render(request, "worklog/entry_confirm_delete.html",
                  {"entry": entry, "ticket_url": ticket_url(entry.ticket)})


# --- remote sessions -----------------------------------------------------------------------

@staff_required
@require_http_methods(["GET", "POST"])
def remote_create_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_get_for_staff(user=request.user, ticket_id=ticket_id)
    if request.method == "POST":
        form = RemoteSessionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                remote_session_record(
                    ticket=ticket, technician=request.user, tool=data["tool"],
                    session_id=data["session_id"], started_at=data["started_at"],
                    ended_at=data["ended_at"],
                    has_customer_consent=data["has_customer_consent"],
                    consent_given_by=data["consent_given_by"],
                    description=data["description"], kind=data["kind"], by=request.user,
                )
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Remote session recorded with its work entry."))
                return redirect(ticket_url(ticket))
    else:
        now = timezone.localtime().replace(second=0, microsecond=0)
        form = RemoteSessionForm(initial={
            "started_at": now - timedelta(minutes=30), "ended_at": now,
            "consent_given_by": ticket.contact_name,
        })
    return render(request, "worklog/remote_form.html", {
        "ticket": ticket, "form": form, "ticket_url": ticket_url(ticket),
        "preview_url": reverse("worklog:entry_preview", args=[ticket.pk]),
    })


# --- visits --------------------------------------------------------------------------------

@staff_required
@require_http_methods(["GET", "POST"])
def visit_create_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_get_for_staff(user=request.user, ticket_id=ticket_id)
    if request.method == "POST":
        form = VisitForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                visit_schedule(ticket=ticket, technician=data["technician"],
                               location=data["location"], starts_at=data["starts_at"],
                               ends_at=data["ends_at"], notes=data["notes"], by=request.user)
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Visit scheduled."))
                return redirect(ticket_url(ticket))
    else:
        form = VisitForm(initial={"technician": request.user, "location": "onsite"})
    return render(request, "worklog/visit_form.html",
                  {"ticket": ticket, "form": form, "ticket_url": ticket_url(ticket)})


@staff_required
@require_GET
def visit_list_view(request: HttpRequest) -> HttpResponse:
    """Upcoming visits: mine by default, everyone's with ?who=all, one person's with ?who=<id>."""
    who = request.GET.get("who", "me")
    technician = request.user
    if who == "all":
        technician = None
    elif who != "me":
        try:
            technician = selectors.staff_list().filter(pk=int(who)).first()
        except (TypeError, ValueError):
            technician = None
        if technician is None:
            raise Http404
    return render(request, "worklog/visit_list.html", {
        "visits": selectors.visit_list_upcoming(technician=technician),
        "who": who, "staff": selectors.staff_list(),
        "timers": selectors.timer_list_for_technician(technician=request.user),
        "has_feed": selectors.calendar_feed_exists(technician=request.user),
    })


@staff_required
@require_http_methods(["GET", "POST"])
def visit_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    visit = selectors.visit_get_for_staff(user=request.user, visit_id=pk)
    if request.method == "POST":
        form = VisitRescheduleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                visit_reschedule(visit=visit, starts_at=data["starts_at"],
                                 ends_at=data["ends_at"], technician=data["technician"],
                                 by=request.user)
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Visit moved."))
                return redirect("worklog:visit_list")
    else:
        form = VisitRescheduleForm(initial={
            "technician": visit.technician, "starts_at": timezone.localtime(visit.starts_at),
            "ends_at": timezone.localtime(visit.ends_at)})
    return render(request, "worklog/visit_edit.html", {"visit": visit, "form": form})


@staff_required
@require_POST
def visit_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    visit = selectors.visit_get_for_staff(user=request.user, visit_id=pk)
    try:
        visit_cancel(visit=visit, by=request.user)
        messages.success(request, _("Visit cancelled."))
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("worklog:visit_list")


@staff_required
@require_http_methods(["GET", "POST"])
def visit_complete_view(request: HttpRequest, pk: int) -> HttpResponse:
    visit = selectors.visit_get_for_staff(user=request.user, visit_id=pk)
    defaults = None
    if visit.is_out_of_town:
        try:
            defaults = visit_out_of_town_defaults(visit=visit)
        except ApplicationError as exc:
            _fail(request, exc)
    if request.method == "POST":
        form = VisitCompleteForm(request.POST, out_of_town=visit.is_out_of_town)
        if form.is_valid():
            data = form.cleaned_data
            try:
                visit_complete(
                    visit=visit, by=request.user, started_at=data["started_at"],
                    ended_at=data["ended_at"], description=data["description"],
                    kind=data["kind"], record_work=data["record_work"],
                    travel=data.get("travel"), out_of_base_fee=data.get("out_of_base_fee"),
                    lodging=data.get("lodging"),
                )
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Visit marked as done."))
                return redirect(ticket_url(visit.ticket))
    else:
        initial = {"started_at": timezone.localtime(visit.starts_at),
                   "ended_at": timezone.localtime(visit.ends_at), "record_work": True}
        if defaults is not None:
            initial.update(travel=defaults.travel, out_of_base_fee=defaults.out_of_base_fee)
        form = VisitCompleteForm(initial=initial, out_of_town=visit.is_out_of_town)
    return render(request, "worklog/visit_complete.html",
                  {"visit": visit, "form": form, "defaults": defaults})


# --- iCalendar feed ------------------------------------------------------------------------

@staff_required
@require_http_methods(["GET", "POST"])
def calendar_feed_view(request: HttpRequest) -> HttpResponse:
    """Manage my feed: (re)generate shows the secret URL once; revoke stops it."""
    new_url = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "regenerate":
                token = calendar_feed_regenerate(technician=request.user, by=request.user)
                new_url = request.build_absolute_uri(
                    reverse("worklog:calendar_ics", args=[token]))
            elif action == "revoke":
                calendar_feed_revoke(technician=request.user, by=request.user)
                messages.success(request, _("Calendar link revoked: it no longer works."))
                return redirect("worklog:calendar_feed")
            else:
                messages.error(request, _("Unknown action."))
        except ApplicationError as exc:
            _fail(request, exc)
    response = render(request, "worklog/calendar_feed.html", {
        "new_url": new_url,
        "has_feed": selectors.calendar_feed_exists(technician=request.user),
    })
    response["Cache-Control"] = "no-store"  # the page may show the secret URL
    return response


@require_GET
def calendar_ics_view(request: HttpRequest, token: str) -> HttpResponse:
    """The technician's visits as iCalendar; the secret token is the only credential."""
    technician = selectors.calendar_feed_technician(token=token)
    if technician is None:
        raise Http404
    body = visits_to_ical(selectors.visit_list_for_feed(technician=technician),
                          technician=technician)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="visits.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- emergencies (§7) ----------------------------------------------------------------------

@staff_required
@require_http_methods(["GET", "POST"])
def emergency_create_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = EmergencyIntakeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = emergency_intake(
                    customer=data["customer"], subject=data["subject"], body=data["body"],
                    contact_name=data["contact_name"], received_at=data["received_at"],
                    by=request.user)
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Emergency recorded: assess it now."))
                return redirect(ticket_url(ticket))
    else:
        form = EmergencyIntakeForm(initial={
            "customer": request.GET.get("customer", ""),
            "received_at": timezone.localtime().replace(second=0, microsecond=0)})
    customer_q = (request.GET.get("customer_q") or "").strip()[:100]
    return render(request, "worklog/emergency_form.html", {
        "form": form, "pending": selectors.emergency_list_pending(),
        "customer_q": customer_q,
        "customer_matches": customer_search(q=customer_q) if customer_q else [],
        "chosen_customer": selectors.customer_get_active(form["customer"].value()),
    })


@staff_required
@require_POST
def emergency_decide_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_get_for_staff(user=request.user, ticket_id=ticket_id)
    form = EmergencyDecisionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(ticket_url(ticket))
    decide = (emergency_accept if form.cleaned_data["decision"] == EmergencyDecisionForm.ACCEPT
              else emergency_decline)
    try:
        decide(ticket=ticket, by=request.user, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Emergency assessed."))
    return redirect(ticket_url(ticket))
