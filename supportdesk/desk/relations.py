"""Desk views for requests that belong together: merge a duplicate, link related requests
(docs/rules.md "Merging duplicates"). Thin: parse, call one service, say what happened."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import staff_required
from supportdesk.tickets import selectors as ticket_selectors
from supportdesk.tickets.models import TicketLink
from supportdesk.tickets.services.relations import ticket_link, ticket_unlink
from supportdesk.worklog.services.merge import ticket_merge

from .views import _done, _refused


@staff_required
@require_POST
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    item = ticket_selectors.ticket_get_for_user(user=request.user, ticket_id=pk)
    typed = request.POST.get("target", "")
    if not request.POST.get("confirm"):
        return _refused(request, item, _("Tick the box to confirm the merge: it cannot be "
                                         "undone."), merge_target=typed)
    target = ticket_selectors.ticket_find_by_reference(user=request.user, text=typed)
    try:
        merged = ticket_merge(source=item, target=target, by=request.user)
    except ApplicationError as exc:
        return _refused(request, item, exc.message, merge_target=typed)
    return _done(request, merged, _("%(source)s was merged into this request.")
                 % {"source": item.reference})


@staff_required
@require_POST
def link(request: HttpRequest, pk: int) -> HttpResponse:
    item = ticket_selectors.ticket_get_for_user(user=request.user, ticket_id=pk)
    typed = request.POST.get("other", "")
    other = ticket_selectors.ticket_find_by_reference(user=request.user, text=typed)
    try:
        ticket_link(ticket=item, other=other, kind=request.POST.get("kind", ""),
                    by=request.user)
    except ApplicationError as exc:
        return _refused(request, item, exc.message, link_other=typed)
    return _done(request, item, _("Link saved."))


@staff_required
@require_POST
def unlink(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    item = ticket_selectors.ticket_get_for_user(user=request.user, ticket_id=pk)
    # Only a link of this request: another request's link id is a 404, never a removal.
    found = get_object_or_404(
        TicketLink.objects.select_related("from_ticket", "to_ticket")
        .filter(Q(from_ticket_id=item.pk) | Q(to_ticket_id=item.pk)), pk=link_id)
    ticket_unlink(link=found, by=request.user)
    return _done(request, item, _("Link removed."))
