"""The queue's daily tools: saved views, work on many requests at once, and the export of
the current view (CSV streamed, XLSX written row by row; both bounded)."""

from __future__ import annotations

import csv
import tempfile
from urllib.parse import urlencode

from django.contrib import messages
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import staff_required
from supportdesk.common.spreadsheets import CSV_BOM, CSV_DELIMITER, cell_text
from supportdesk.tickets import selectors as ticket_selectors
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import ticket_assign, ticket_change_status

from .forms import AssignForm
from .selectors import macro_get_for, saved_views_for
from .services import (
    MACRO_MAX_TICKETS,
    macro_apply,
    saved_view_delete,
    saved_view_save,
    tickets_each,
)

#: At most this many rows leave in one export: a view of a million requests is filtered
#: first, never dumped.
EXPORT_MAX = 10_000
_FILTER_KEYS = ("status", "assignee", "tier", "product", "channel", "q", "priority", "sort",
                "due")


def _to_queue(params: dict | None = None) -> HttpResponse:
    url = reverse("desk:queue") + (f"?{urlencode(params)}" if params else "")
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _kept_filters(request: HttpRequest) -> dict:
    return {k: v for k in _FILTER_KEYS if (v := request.POST.get(k))}


@staff_required
@require_POST
def view_save(request: HttpRequest) -> HttpResponse:
    params = _kept_filters(request)
    try:
        view = saved_view_save(name=request.POST.get("name", ""), params=params,
                               by=request.user, shared=bool(request.POST.get("shared")))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _to_queue(params)
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return _to_queue(view.params)


@staff_required
@require_POST
def view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    view = saved_views_for(user=request.user).filter(pk=pk).first()
    if view is None:
        messages.error(request, _("There is no such view."))
        return _to_queue()
    try:
        saved_view_delete(view=view, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("View deleted."))
    return _to_queue()


def _selected(request: HttpRequest) -> list[Ticket]:
    ids = []
    for raw in request.POST.getlist("ids")[:MACRO_MAX_TICKETS + 1]:
        try:
            ids.append(int(raw))
        except ValueError:
            continue
    if len(ids) > MACRO_MAX_TICKETS:
        raise ApplicationError(_("At most %(max)d requests at once.")
                               % {"max": MACRO_MAX_TICKETS}, code="too_many")
    found = Ticket.objects.in_bulk(ids)
    return [found[pk] for pk in dict.fromkeys(ids) if pk in found]


@staff_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Assign, change the status of, close or apply a macro to the ticked requests; each
    request in its own transaction, and a summary of what was done and what was refused."""
    back = _kept_filters(request)
    try:
        tickets = _selected(request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _to_queue(back)
    if not tickets:
        messages.error(request, _("Tick the requests to work on first."))
        return _to_queue(back)
    action = request.POST.get("action", "")
    user = request.user
    if action == "assign":
        form = AssignForm({"assignee": request.POST.get("assignee") or ""})
        if not form.is_valid():
            messages.error(request, _("Choose a technician."))
            return _to_queue(back)
        assignee = form.cleaned_data["assignee"]
        results = tickets_each(
            tickets=tickets, by=user,
            step=lambda t: ticket_assign(ticket=t, assignee=assignee, by=user))
    elif action in ("status", "close"):
        status = (Ticket.Status.CLOSED if action == "close"
                  else request.POST.get("status", ""))
        if status not in Ticket.Status.values:
            messages.error(request, _("Choose a status."))
            return _to_queue(back)
        results = tickets_each(
            tickets=tickets, by=user,
            step=lambda t: ticket_change_status(ticket=t, status=status, by=user))
    elif action == "macro":
        macro = macro_get_for(user=user, macro_id=request.POST.get("macro"))
        if macro is None:
            messages.error(request, _("Choose a macro."))
            return _to_queue(back)
        results = macro_apply(macro=macro, tickets=tickets, by=user)
    else:
        messages.error(request, _("Choose what to do with the ticked requests."))
        return _to_queue(back)
    done = [r for r in results if r.ok]
    refused = [r for r in results if not r.ok]
    if done:
        messages.success(request, _("Done on %(n)d requests: %(refs)s.") % {
            "n": len(done), "refs": ", ".join(r.ticket.reference for r in done)})
    for result in refused:
        messages.error(request, f"{result.ticket.reference}: {result.message}")
    return _to_queue(back)


def _export_rows(request: HttpRequest):
    filters = ticket_selectors.queue_filters_from(request.GET)
    yield [_("Request"), _("Subject"), _("Customer"), _("Tier"), _("Priority"), _("Status"),
           _("Technician"), _("Received"), _("Response due"), _("First response"),
           _("Resolution due"), _("Resolved")]
    qs = (ticket_selectors.ticket_queue_queryset(filters=filters, user=request.user)
          .select_related("customer", "assignee").order_by("-received_at", "-pk")[:EXPORT_MAX])

    def moment(value):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""

    for t in qs.iterator(chunk_size=500):
        yield [t.reference, t.subject, t.customer.name, t.get_tier_display(),
               t.get_priority_display(), t.get_status_display(),
               (t.assignee.get_full_name() or t.assignee.get_username()) if t.assignee else "",
               moment(t.received_at), moment(t.response_due_at), moment(t.first_response_at),
               moment(t.resolution_due_at), moment(t.resolved_at)]


class _Echo:
    def write(self, value):
        return value


@staff_required
@require_GET
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    writer = csv.writer(_Echo(), delimiter=CSV_DELIMITER, lineterminator="\r\n")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(
        (writer.writerow(_safe(row)) for row in _with_bom(_export_rows(request))),
        content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="requests-{stamp}.csv"'
    return response


@staff_required
@require_GET
def export_xlsx(request: HttpRequest) -> FileResponse:
    from openpyxl import Workbook  # noqa: PLC0415 - heavy, only for this download

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Requests"))
    for row in _export_rows(request):
        sheet.append(_safe(row))
    # Closed by FileResponse once sent (a context manager would close it before).
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    workbook.save(handle)
    handle.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(handle, as_attachment=True, filename=f"requests-{stamp}.xlsx",
                        content_type="application/vnd.openxmlformats-officedocument."
                                     "spreadsheetml.sheet")


def _safe(row: list) -> list:
    """A customer's subject starting with ``=`` must not run as a formula."""
    return [cell_text(v) for v in row]


def _with_bom(rows):
    """Excel opens a UTF-8 CSV as Greek only with a byte-order mark first."""
    rows = iter(rows)
    header = next(rows)
    yield [CSV_BOM + str(header[0]), *header[1:]]
    yield from rows
