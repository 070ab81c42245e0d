"""Statement documents: PDF (WeasyPrint), CSV and XLSX for the accountant, usage SVG chart.

One function, ``statement_rows``, turns a statement into its rows (date, technician,
request, description, channel, time, VAT, net); the PDF, the CSV and the XLSX print the same
rows with the same columns (``ROW_COLUMNS``). Dates are Athens time, 24-hour, dd/mm/yyyy.

Amounts are shown in Greek format (1.234,56 €) in Greek and as €1,234.56 in English, by the
rules engine's ``format_eur``. CSV is UTF-8 with a BOM and ``;`` separators so that Greek
Excel opens it as it is; text cells that start like a formula are neutralised (CSV
injection), amounts are plain numbers with a decimal comma. XLSX cells are real numbers and
dates with number formats (€ with two decimals, VAT as a percentage, h:mm, dd/mm/yyyy).

The PDF never fetches anything: the font is the local DejaVu Sans, the vendor's logo is read
from storage and embedded, and WeasyPrint's URL fetcher refuses every URL but those two.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import segno
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from supportdesk.billing.models import Statement, StatementLine, VendorProfile
from supportdesk.common import brand as branding
from supportdesk.common.brand import logo_data_uri as brand_logo_data_uri
from supportdesk.common.choices import Channel
from supportdesk.common.spreadsheets import CSV_BOM, CSV_DELIMITER, cell_text
from supportdesk.common.templatetags.supportdesk_format import hours
from supportdesk.worklog.models import Expense

ATHENS = ZoneInfo("Europe/Athens")
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
DEJAVU = FONT_DIR / "DejaVuSans.ttf"
DEJAVU_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
LOGO_MAX_BYTES = 2 * 1024 * 1024
_LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
# "ΔΟΥ Κ' Αθηνών" printed after the label "ΔΟΥ:" read "ΔΟΥ: ΔΟΥ Κ' Αθηνών": the value drops
# its own "ΔΟΥ" / "Δ.Ο.Υ." before the label is put in front of it.
_TAX_OFFICE_PREFIX = re.compile(r"^\s*Δ\.?\s?Ο\.?\s?Υ\.?(?=[\s:.\-–]|$)[\s:.\-–]*",
                                re.IGNORECASE)

XLSX_EUR = '#,##0.00 "€"'
XLSX_PERCENT = "0%"
XLSX_DURATION = "[h]:mm"
XLSX_DATETIME = "dd/mm/yyyy hh:mm"
XLSX_DATE = "dd/mm/yyyy"


def _csv_amount(amount: Decimal) -> str:
    return f"{Decimal(amount):.2f}".replace(".", ",")


def tax_office_name(value: str | None) -> str:
    """The tax office's name without a leading "ΔΟΥ" (the documents print the label)."""
    return _TAX_OFFICE_PREFIX.sub("", value or "").strip()


# --------------------------------------------------------------------------- rows

ROW_COLUMNS = (
    gettext_noop("#"), gettext_noop("Date"), gettext_noop("Technician"),
    gettext_noop("Request"), gettext_noop("Kind"), gettext_noop("Description"),
    gettext_noop("Channel"), gettext_noop("Time"), gettext_noop("VAT %"),
    gettext_noop("Net (€)"),
)


@dataclass(frozen=True)
class StatementRow:
    """One line of a statement as every document prints it."""

    position: int
    when: dt.datetime | dt.date | None  # Athens wall time for work, a day for an expense
    technician: str
    reference: str
    kind: str
    description: str
    channel: str
    minutes: int
    vat_rate: Decimal
    net_amount: Decimal
    line: StatementLine

    @property
    def date_text(self) -> str:
        if isinstance(self.when, dt.datetime):
            return self.when.strftime("%d/%m/%Y %H:%M")
        return self.when.strftime("%d/%m/%Y") if self.when else ""

    @property
    def time_text(self) -> str:
        return hours(self.minutes) if self.minutes else ""


def _line_when(line: StatementLine) -> dt.datetime | dt.date | None:
    data = line.data or {}
    try:
        if data.get("started_at"):
            started = dt.datetime.fromisoformat(data["started_at"])
            if timezone.is_naive(started):
                started = timezone.make_aware(started, dt.UTC)
            return started.astimezone(ATHENS).replace(tzinfo=None)
        if data.get("incurred_on"):
            return dt.date.fromisoformat(data["incurred_on"])
        if data.get("accepted_at"):  # a §10 agreed amount: the day it was accepted
            return dt.datetime.fromisoformat(data["accepted_at"]).astimezone(ATHENS).date()
    except (TypeError, ValueError):
        return None
    return None


def _line_technician(line: StatementLine) -> str:
    """Who worked (a work line's data), or who recorded the expense."""
    name = (line.data or {}).get("technician")
    if not name and line.expense_id and line.expense.created_by_id:
        user = line.expense.created_by
        name = user.get_full_name() or user.get_username()
    return str(name or "")


def _line_description(line: StatementLine, reference: str) -> str:
    text = line.description or ""
    if reference and text.startswith(reference):
        text = text[len(reference):].strip()
    kind = (line.data or {}).get("expense_kind")
    if not text and kind in Expense.Kind.values:
        text = str(Expense.Kind(kind).label)
    return text


def statement_rows(statement: Statement) -> list[StatementRow]:
    """The statement's lines, in order, as the PDF, the CSV and the XLSX print them."""
    rows = []
    lines = statement.lines.select_related("expense__created_by").order_by("position", "id")
    for line in lines:
        reference = f"#{line.ticket_id:06d}" if line.ticket_id else ""
        rows.append(StatementRow(
            position=line.position, when=_line_when(line), technician=_line_technician(line),
            reference=reference, kind=str(line.get_kind_display()),
            description=_line_description(line, reference),
            channel=str(line.get_channel_display()) if line.channel else "",
            minutes=line.minutes or 0, vat_rate=Decimal(line.vat_rate),
            net_amount=Decimal(line.net_amount), line=line,
        ))
    return rows


def _row_texts(row: StatementRow) -> list[str]:
    """A row as CSV text: amounts with a decimal comma, the VAT rate in percent."""
    return [str(row.position), row.date_text, cell_text(row.technician), row.reference,
            cell_text(row.kind), cell_text(row.description), row.channel, row.time_text,
            _csv_amount(row.vat_rate * 100), _csv_amount(row.net_amount)]


def _totals(statement: Statement) -> list[tuple[str, Decimal]]:
    return [(_("Net"), statement.net_total), (_("VAT"), statement.vat_total),
            (_("Total"), statement.total)]


def _total_row(label: str, amount) -> list:
    """A total under the rows: its label in the description column, the amount under net."""
    return ["", "", "", "", "", label, "", "", "", amount]


def _heading(statement: Statement) -> list[str]:
    return [_("Statement"), statement.display_number, _("Customer"),
            cell_text(statement.customer_name), _("Tax number (ΑΦΜ)"),
            statement.customer_tax_number]


# --------------------------------------------------------------------------- PDF


def einvoice_qr_data_uri(statement: Statement) -> str | None:
    """The QR code of a registered e-invoice's provider URL as a PNG data: URI (the PDF
    renderer loads nothing remote), the way myDATA invoices print it; none before."""
    if statement.einvoice_status != Statement.EinvoiceStatus.REGISTERED \
            or not statement.einvoice_qr_url:
        return None
    return segno.make(statement.einvoice_qr_url, error="m").png_data_uri(scale=4, border=2)


def statement_context(statement: Statement) -> dict:
    vendor = VendorProfile.objects.filter(pk=1).first()
    rows = statement_rows(statement)
    return {"statement": statement, "columns": [_(c) for c in ROW_COLUMNS], "rows": rows,
            "lines": [r.line for r in rows],
            "is_registered": statement.einvoice_status == Statement.EinvoiceStatus.REGISTERED,
            "einvoice_qr": einvoice_qr_data_uri(statement),
            "vendor": vendor,
            "vendor_tax_office": tax_office_name(vendor.tax_office) if vendor else "",
            "customer_tax_office": tax_office_name(statement.customer_tax_office),
            "vat_rows": [{"rate": Decimal(r["rate"]), "net": Decimal(r["net"]),
                          "vat": Decimal(r["vat"])} for r in statement.vat_breakdown]}


def statement_filename(statement: Statement, ext: str) -> str:
    """The download's name: the statement's number as printed on it (ΠΛ-2026-000001.pdf)."""
    return f"{statement.display_number}.{ext}".replace("/", "-").replace("\\", "-")


def is_local_resource(url: str) -> bool:
    """May the PDF renderer load ``url``? Only embedded data and the local font files."""
    parts = urlsplit(url)
    if parts.scheme.lower() == "data":
        return True
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return False
    path = Path(unquote(parts.path)).resolve()
    return path.is_relative_to(FONT_DIR.resolve())


def logo_data_uri(vendor: VendorProfile | None) -> str | None:
    """The vendor's logo read from storage as a data: URI; a URL or a missing file gives none."""
    if vendor is None or not vendor.logo:
        return None
    name = vendor.logo.name
    mime = _LOGO_TYPES.get(Path(name).suffix.lower())
    if mime is None or urlsplit(name).scheme or name.startswith("//"):
        return None
    try:
        with vendor.logo.storage.open(name, "rb") as handle:
            content = handle.read(LOGO_MAX_BYTES + 1)
    except (OSError, SuspiciousFileOperation, ValueError):
        return None
    if not content or len(content) > LOGO_MAX_BYTES:
        return None
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


def _local_fetcher():
    # WeasyPrint and its Pango bindings load only when a PDF is made.
    from weasyprint import URLFetcher  # noqa: PLC0415

    class LocalOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not is_local_resource(url):
                raise ValueError(f"statements load no remote resources: {url[:80]}")
            return super().fetch(url, headers)

    return LocalOnlyFetcher(allowed_protocols=("data", "file"), allow_redirects=False)


def statement_pdf(statement: Statement, *, lang: str | None = None) -> bytes:
    """The statement as a PDF (Greek by default), with the vendor's and customer's details."""
    # WeasyPrint and its Pango bindings load only when a PDF is made.
    from weasyprint import HTML  # noqa: PLC0415

    with translation.override(lang or translation.get_language() or "el"):
        context = statement_context(statement)
        html = render_to_string("billing/statement_pdf.html", {
            **context,
            # The vendor profile's logo (issue 9), else the brand's (issue 14).
            "logo": logo_data_uri(context["vendor"]) or brand_logo_data_uri(branding.brand()),
            "brand": branding.brand(),
            "font_regular": DEJAVU.as_uri() if DEJAVU.exists() else None,
            "font_bold": DEJAVU_BOLD.as_uri() if DEJAVU_BOLD.exists() else None,
        })
    return HTML(string=html, base_url=None, url_fetcher=_local_fetcher()).write_pdf()


# --------------------------------------------------------------------------- CSV


def statement_csv(statement: Statement) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(_heading(statement))
    writer.writerow([_(c) for c in ROW_COLUMNS])
    for row in statement_rows(statement):
        writer.writerow(_row_texts(row))
    writer.writerow([])
    for label, amount in _totals(statement):
        writer.writerow(_total_row(label, _csv_amount(amount)))
    return (CSV_BOM + out.getvalue()).encode("utf-8")


_EXPORT_HEADER = (
    gettext_noop("Number"), gettext_noop("Kind"), gettext_noop("Status"),
    gettext_noop("Issued"), gettext_noop("Due on"), gettext_noop("Customer"),
    gettext_noop("Tax number (ΑΦΜ)"), gettext_noop("Tax office (ΔΟΥ)"),
    gettext_noop("Address"), gettext_noop("Net (€)"), gettext_noop("VAT (€)"),
    gettext_noop("Total (€)"), gettext_noop("Credits statement"), gettext_noop("ΜΑΡΚ"),
)


def _export_row(s: Statement) -> list:
    issued = timezone.localtime(s.issued_at).date().isoformat() if s.issued_at else ""
    return [s.display_number, str(s.get_kind_display()), str(s.get_status_display()), issued,
            s.due_on.isoformat() if s.due_on else "", s.customer_name, s.customer_tax_number,
            tax_office_name(s.customer_tax_office), s.customer_address, s.net_total,
            s.vat_total, s.total, s.credits.display_number if s.credits_id else "", s.mark]


def statements_csv(statements) -> bytes:
    """The accountant's list of statements (one row each), for the invoicing provider."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([_(h) for h in _EXPORT_HEADER])
    for s in statements.select_related("credits").iterator(chunk_size=500):
        row = _export_row(s)
        writer.writerow([_csv_amount(v) if isinstance(v, Decimal) else cell_text(v)
                         for v in row])
    return (CSV_BOM + out.getvalue()).encode("utf-8")


# --------------------------------------------------------------------------- XLSX


def _xlsx(rows, title, *, widths=()) -> bytes:
    """A one-sheet workbook; a row's item is a value or ``(value, number_format)``."""
    from openpyxl import Workbook  # noqa: PLC0415 - loaded only for a spreadsheet
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=re.sub(r"[\\/?*\[\]:]", "-", title)[:31])
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    for row in rows:
        cells = []
        for item in row:
            value, number_format = item if isinstance(item, tuple) else (item, None)
            cell = WriteOnlyCell(ws, value=cell_text(value) if isinstance(value, str)
                                 else value)
            if number_format:
                cell.number_format = number_format
            cells.append(cell)
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _row_cells(row: StatementRow) -> list:
    """A row as XLSX cells: real dates, durations (in days) and numbers with their formats."""
    when = ""
    if isinstance(row.when, dt.datetime):
        when = (row.when, XLSX_DATETIME)
    elif row.when:
        when = (row.when, XLSX_DATE)
    time = (Decimal(row.minutes) / 1440, XLSX_DURATION) if row.minutes else ""
    return [row.position, when, row.technician, row.reference, row.kind, row.description,
            row.channel, time, (row.vat_rate, XLSX_PERCENT), (row.net_amount, XLSX_EUR)]


def statements_xlsx(statements) -> bytes:
    money = (9, 10, 11)
    rows = ([(v, XLSX_EUR) if i in money else v for i, v in enumerate(_export_row(s))]
            for s in statements.select_related("credits").iterator(chunk_size=500))
    return _xlsx([[_(h) for h in _EXPORT_HEADER], *rows], _("Statements"))


def statement_xlsx(statement: Statement) -> bytes:
    rows: list[list] = [_heading(statement), [_(c) for c in ROW_COLUMNS]]
    rows += [_row_cells(row) for row in statement_rows(statement)]
    rows.append([])
    rows += [_total_row(label, (amount, XLSX_EUR)) for label, amount in _totals(statement)]
    return _xlsx(rows, statement.display_number,
                 widths=(5, 17, 20, 10, 16, 40, 20, 8, 8, 12))


# --------------------------------------------------------------------------- chart


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: int
    y: int
    width: int
    text_x: int
    text: str


def usage_bars(rows, *, width: int = 480, bar_height: int = 22, gap: int = 10,
               label_width: int = 170) -> dict:
    """Geometry of a horizontal bar chart (hours by channel) for a server-rendered SVG."""
    top = max((r.minutes for r in rows), default=0) or 1
    span = width - label_width - 70
    bars = []
    for i, r in enumerate(rows):
        w = round(span * r.minutes / top)
        y = i * (bar_height + gap)
        bars.append(Bar(label=str(dict(_channel_labels()).get(r.channel, r.channel)),
                        value=r.minutes, x=label_width, y=y, width=w,
                        text_x=label_width + w + 6, text=hours(r.minutes)))
    return {"bars": bars, "width": width, "height": len(bars) * (bar_height + gap),
            "bar_height": bar_height, "label_x": label_width - 8}


def _channel_labels():
    return Channel.choices

