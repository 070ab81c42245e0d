"""Statement documents: PDF (WeasyPrint), CSV and XLSX for the accountant, usage SVG chart.

Amounts are shown in Greek format (1.234,56 €) in Greek and as €1,234.56 in English, by the
rules engine's ``format_eur``. CSV is UTF-8 with a BOM and ``;`` separators so that Greek
Excel opens it as it is; text cells that start like a formula are neutralised (CSV
injection), amounts are plain numbers with a decimal comma.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from supportdesk.billing.models import Statement, StatementLine, VendorProfile
from supportdesk.common.choices import Channel
from supportdesk.common.templatetags.supportdesk_format import hours

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEJAVU_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell_text(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_amount(amount: Decimal) -> str:
    return f"{Decimal(amount):.2f}".replace(".", ",")


def statement_context(statement: Statement) -> dict:
    lines = list(statement.lines.select_related("ticket").order_by("position", "id"))
    vendor = VendorProfile.objects.filter(pk=1).first()
    return {"statement": statement, "lines": lines, "vendor": vendor,
            "vat_rows": [{"rate": Decimal(r["rate"]), "net": Decimal(r["net"]),
                          "vat": Decimal(r["vat"])} for r in statement.vat_breakdown]}


def statement_filename(statement: Statement, ext: str) -> str:
    return f"statement-{statement.series}-{statement.year}-{statement.number or 0:06d}.{ext}" \
        .replace("/", "-")


def statement_pdf(statement: Statement, *, lang: str | None = None) -> bytes:
    """The statement as a PDF (Greek by default), with the vendor's and customer's details."""
    # WeasyPrint and its Pango bindings load only when a PDF is made.
    from weasyprint import HTML  # noqa: PLC0415

    with translation.override(lang or translation.get_language() or "el"):
        html = render_to_string("billing/statement_pdf.html", {
            **statement_context(statement),
            "font_regular": DEJAVU.as_uri() if DEJAVU.exists() else None,
            "font_bold": DEJAVU_BOLD.as_uri() if DEJAVU_BOLD.exists() else None,
        })
    return HTML(string=html, base_url=None).write_pdf()


def _line_label(line: StatementLine) -> str:
    return str(line.get_kind_display())


def statement_csv(statement: Statement) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Statement"), statement.display_number, _("Customer"),
                     _cell_text(statement.customer_name), _("Tax number (ΑΦΜ)"),
                     statement.customer_tax_number])
    writer.writerow([_("Position"), _("Kind"), _("Request"), _("Description"), _("Channel"),
                     _("Minutes"), _("Net (€)"), _("VAT rate")])
    for line in statement.lines.select_related("ticket").order_by("position", "id"):
        writer.writerow([
            line.position, _line_label(line), line.ticket.reference if line.ticket else "",
            _cell_text(line.description), line.get_channel_display() if line.channel else "",
            line.minutes, _csv_amount(line.net_amount), _csv_amount(line.vat_rate * 100),
        ])
    writer.writerow([])
    writer.writerow(["", "", "", _("Net"), "", "", _csv_amount(statement.net_total), ""])
    writer.writerow(["", "", "", _("VAT"), "", "", _csv_amount(statement.vat_total), ""])
    writer.writerow(["", "", "", _("Total"), "", "", _csv_amount(statement.total), ""])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


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
            s.customer_tax_office, s.customer_address, s.net_total, s.vat_total, s.total,
            s.credits.display_number if s.credits_id else "", s.mark]


def statements_csv(statements) -> bytes:
    """The accountant's list of statements (one row each), for the invoicing provider."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_(h) for h in _EXPORT_HEADER])
    for s in statements.select_related("credits").iterator(chunk_size=500):
        row = _export_row(s)
        writer.writerow([_csv_amount(v) if isinstance(v, Decimal) else _cell_text(v)
                         for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx(rows_header, rows, title) -> bytes:
    from openpyxl import Workbook  # noqa: PLC0415 - loaded only for a spreadsheet

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    ws.append([str(h) for h in rows_header])
    for row in rows:
        ws.append([_cell_text(v) if isinstance(v, str) else v for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def statements_xlsx(statements) -> bytes:
    rows = (_export_row(s) for s in statements.select_related("credits").iterator(
        chunk_size=500))
    return _xlsx([_(h) for h in _EXPORT_HEADER], rows, _("Statements"))


def statement_xlsx(statement: Statement) -> bytes:
    header = [_("Position"), _("Kind"), _("Request"), _("Description"), _("Channel"),
              _("Minutes"), _("Net (€)"), _("VAT rate")]
    rows = [[line.position, _line_label(line), line.ticket.reference if line.ticket else "",
             line.description, line.get_channel_display() if line.channel else "",
             line.minutes, line.net_amount, line.vat_rate]
            for line in statement.lines.select_related("ticket").order_by("position", "id")]
    rows += [[], ["", "", "", _("Net"), "", "", statement.net_total, ""],
             ["", "", "", _("VAT"), "", "", statement.vat_total, ""],
             ["", "", "", _("Total"), "", "", statement.total, ""]]
    return _xlsx(header, rows, statement.display_number)


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

