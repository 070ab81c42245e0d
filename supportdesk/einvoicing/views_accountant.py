"""The accountant's monthly files, for managers (docs/einvoicing.md "For the accountant")."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from supportdesk.common.permissions import manager_required

from .accountant import accountant_csv, accountant_zip


def _month(year: int, month: int) -> None:
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise Http404


def _private(response):
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@manager_required
def accountant_month_csv(request: HttpRequest, year: int, month: int):
    _month(year, month)
    response = StreamingHttpResponse(accountant_csv(year, month),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, f"einvoices-{year}-{month:02d}.csv")
    return _private(response)


@require_GET
@manager_required
def accountant_month_zip(request: HttpRequest, year: int, month: int):
    _month(year, month)
    return _private(FileResponse(accountant_zip(year, month), as_attachment=True,
                                 filename=f"mydata-{year}-{month:02d}.zip",
                                 content_type="application/zip"))
