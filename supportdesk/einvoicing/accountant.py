"""The accountant's monthly files (docs/einvoicing.md "For the accountant").

``accountant_csv``: one row per statement issued in the month (Athens dates) with its
document number, date, customer ΑΦΜ, net, VAT, total, ΜΑΡΚ and e-invoice status, in the
statements' CSV dialect (UTF-8 with BOM, ``;``, decimal comma, formula cells neutralised).
``accountant_zip``: each of those statements' myDATA XML, built from its stored draft.
Both read the month in batches (``iterator``) and the ZIP is written to a spooled temporary
file (memory up to 8 MB, then disk), so a large month never sits whole in memory.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Iterator
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from supportdesk.billing.models import Statement
from supportdesk.common.spreadsheets import CSV_BOM, CSV_DELIMITER, cell_text

from . import documents

CSV_COLUMNS = (
    gettext_noop("Series/number"), gettext_noop("Date"), gettext_noop("Customer ΑΦΜ"),
    gettext_noop("Net"), gettext_noop("VAT"), gettext_noop("Total"), gettext_noop("ΜΑΡΚ"),
    gettext_noop("Status"),
)
BATCH = 500
SPOOL_BYTES = 8 * 1024 * 1024


def month_statements(year: int, month: int):
    """Statements issued (numbered) in the month, by their Athens issue date."""
    tz = timezone.get_default_timezone()
    first = dt.datetime(year, month, 1, tzinfo=tz)
    last_day = calendar.monthrange(year, month)[1]
    after = dt.datetime.combine(dt.date(year, month, last_day) + dt.timedelta(days=1),
                                dt.time(0), tzinfo=tz)
    return (Statement.objects.exclude(number=None)
            .filter(issued_at__gte=first, issued_at__lt=after)
            .select_related("customer", "credits").order_by("issued_at", "series", "number"))


def _amount(value) -> str:
    return f"{Decimal(value):.2f}".replace(".", ",")


def _status(statement: Statement) -> str:
    display = getattr(statement, "get_einvoice_status_display", None)
    return str(display() if display else statement.get_status_display())


def _csv_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=CSV_DELIMITER, lineterminator="\r\n").writerow(cells)
    return out.getvalue()


def accountant_csv(year: int, month: int) -> Iterator[bytes]:
    """The month's CSV, row by row (for a streaming response)."""
    yield (CSV_BOM + _csv_line([_(c) for c in CSV_COLUMNS])).encode("utf-8")
    for statement in month_statements(year, month).iterator(chunk_size=BATCH):
        day = timezone.localtime(statement.issued_at).date()
        yield _csv_line([
            cell_text(statement.display_number), day.strftime("%d/%m/%Y"),
            cell_text(statement.customer_tax_number), _amount(statement.net_total),
            _amount(statement.vat_total), _amount(statement.total), statement.mark,
            cell_text(_status(statement)),
        ]).encode("utf-8")


def zip_member_name(statement: Statement) -> str:
    return f"{statement.display_number}.xml".replace("/", "-").replace("\\", "-")


def accountant_zip(year: int, month: int):
    """The month's myDATA XML files as a ZIP in a spooled temporary file, rewound.

    Each draft is built (or refreshed) first, as the hand-off would: a registered one is
    never rebuilt, so the file is what myDATA holds.
    """
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (returned)
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for statement in month_statements(year, month).iterator(chunk_size=BATCH):
            draft = documents.draft_for_statement(statement)
            archive.writestr(zip_member_name(statement), documents.render(draft, "mydata"))
    spool.seek(0)
    return spool
