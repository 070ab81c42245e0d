"""The in-app side of notifications: a user's inbox and preferences; the managers' outbox.

Thin views: each reads through ``selectors`` or calls one service. A notification is only
ever fetched among the user's own (another user's id is a 404); the outbox is managers'.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from supportdesk.common.permissions import manager_required

from . import selectors, services
from .events import MANDATORY, Event, events_for
from .models import Notification

PAGE_SIZE = 50


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.inbox_for(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_GET
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Opening one marks it read and goes where it points (a path of this site only)."""
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    services.notification_mark_read(notification=notification, user=request.user)
    target = notification.link
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("%(count)s notifications marked as read.") % {"count": count})
    return redirect("notifications:inbox")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    events = events_for(request.user)
    if request.method == "POST":
        language = request.POST.get("language") or None
        choices = {str(event): request.POST.get(f"event_{event}") == "on" for event in events}
        services.preferences_set(user=request.user, choices=choices, language=language)
        messages.success(request, _("Your notification choices were saved."))
        return redirect("notifications:preferences")
    chosen = selectors.preferences_of(user=request.user)
    rows = [(str(event), Event(event).label, chosen[str(event)], event in MANDATORY)
            for event in events]
    return render(request, "notifications/preferences.html", {"rows": rows})


@manager_required
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or ""
    if status not in Notification.Status.values:
        status = ""
    event = request.GET.get("event") or ""
    if event not in Event.values:
        event = ""
    page = Paginator(selectors.outbox(status=status or None, event=event or None),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/outbox.html", {
        "page": page, "status": status, "event": event,
        "statuses": Notification.Status.choices, "events": Event.choices,
    })


@manager_required
@require_POST
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=pk)
    services.notification_resend(notification=notification, by=request.user)
    messages.success(request, _("The notification will be sent again."))
    return redirect("notifications:outbox")
