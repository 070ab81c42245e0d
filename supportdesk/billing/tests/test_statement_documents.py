"""Statements a business can hand over (issue 9): every work line with its date, technician,
request and channel, the same rows in the PDF, the CSV and the XLSX; the vendor's details once
and right; one font; one number; real numbers with formats in the XLSX; nothing fetched."""

import csv
import datetime as dt
import http.server
import io
import re
import subprocess
import threading
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from supportdesk.billing import documents
from supportdesk.billing.models import Statement, StatementLine, VendorProfile
from supportdesk.billing.services import billing_run
from supportdesk.common.choices import Channel, Tier
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.tickets.tests.factories import TicketFactory
from supportdesk.worklog.services.entries import expense_create, work_entry_create

from .conftest import at
from .factories import VendorProfileFactory

pytestmark = pytest.mark.django_db

# 1x1 transparent PNG
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63f8ffff3f0005fe02fea7d6a4a10000000049454e44ae426082")


@pytest.fixture
def vendor(db):
    return VendorProfileFactory(tax_office="ΔΟΥ Κ' Αθηνών", phone="2109000000",
                                email="support@jewelsoft.example")


@pytest.fixture
def statement(vendor, org_a, technician):
    """November, as the billing run writes it: 1 h remote on 10/11 at 11:00 (Athens), 1 h on
    site on 12/11 at 16:30, parking. Made directly so that the documents are tested alone."""
    ticket = TicketFactory(customer=org_a, subject="Δεν τυπώνει η ταμειακή")
    s = Statement.objects.create(
        kind=Statement.Kind.PERIOD, series="ΠΛ", year=2026, number=1,
        status=Statement.Status.ISSUED, issued_at=at(2026, 12, 1, 9),
        due_on=dt.date(2026, 12, 31), customer=org_a, customer_name=org_a.name,
        customer_address="Ερμού 10, 10563 Αθήνα", customer_tax_number="123456783",
        customer_tax_office="ΔΟΥ Α' Αθηνών", period_start=dt.date(2026, 11, 1),
        period_end=dt.date(2026, 11, 30), net_total=Decimal("102.30"),
        vat_total=Decimal("24.55"), total=Decimal("126.85"),
        vat_breakdown=[{"rate": "0.24", "net": "102.30", "vat": "24.55"}])
    name = technician.get_full_name()
    work = [(at(2026, 11, 10, 11), Channel.REMOTE, "45.00"),
            (at(2026, 11, 12, 16, 30), Channel.ONSITE, "45.00")]
    for i, (start, channel, amount) in enumerate(work, start=1):
        StatementLine.objects.create(
            statement=s, position=i, kind=StatementLine.Kind.WORK, ticket=ticket,
            description=f"{ticket.reference} {ticket.subject}", channel=channel, minutes=60,
            net_amount=Decimal(amount), vat_rate=Decimal("0.24"),
            data={"started_at": start.astimezone(dt.UTC).isoformat(),
                  "ended_at": (start + dt.timedelta(hours=1)).astimezone(dt.UTC).isoformat(),
                  "technician": name, "billed": 60, "rate": "45.00", "included": 0,
                  "allowance": 0, "bank": 0, "duration": 60})
    StatementLine.objects.create(
        statement=s, position=3, kind=StatementLine.Kind.EXPENSE, ticket=ticket,
        description=ticket.reference, net_amount=Decimal("12.30"), vat_rate=Decimal("0.24"),
        data={"expense_kind": "parking", "incurred_on": "2026-11-12",
              "ticket_ref": ticket.reference})
    return s


def _pdf_text(pdf: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)  # a cell's text may wrap


def _csv_rows(statement) -> list[list[str]]:
    data = documents.statement_csv(statement)
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def _xlsx_rows(statement):
    sheet = load_workbook(io.BytesIO(documents.statement_xlsx(statement))).active
    return sheet, list(sheet.iter_rows())


def test_pdf_work_line_has_date_technician_reference_and_channel(statement, technician):
    text = _pdf_text(documents.statement_pdf(statement, lang="el"))
    reference = f"#{statement.lines.first().ticket_id:06d}"
    assert "10/11/2026 11:00" in text  # Athens time, 24-hour
    assert "12/11/2026 16:30" in text
    assert technician.get_full_name() in text
    assert reference in text
    assert "Απομακρυσμένη" in text or str(Channel.REMOTE.label) in text
    with_label = documents.statement_rows(statement)
    assert {r.channel for r in with_label if r.minutes} >= {
        str(Channel.REMOTE.label), str(Channel.ONSITE.label)}


def test_pdf_has_the_vendor_details_once_and_no_doubled_tax_office(statement, vendor):
    text = _pdf_text(documents.statement_pdf(statement, lang="el"))
    for value in (vendor.name, vendor.tax_number, vendor.iban, vendor.phone, vendor.email,
                  vendor.address):
        assert text.count(value) == 1, value
    assert "ΔΟΥ: Κ' Αθηνών" in text
    assert "ΔΟΥ: ΔΟΥ" not in text
    assert text.count(statement.display_number) >= 2  # heading and page footer
    assert re.fullmatch(r"ΠΛ-2026-\d{6}", statement.display_number)


def test_tax_office_label_is_never_printed_twice_nor_without_its_value():
    assert documents.tax_office_name("ΔΟΥ Κ' Αθηνών") == "Κ' Αθηνών"
    assert documents.tax_office_name("Δ.Ο.Υ. Ψυχικού") == "Ψυχικού"
    assert documents.tax_office_name("ΔΟΥ: Πειραιά") == "Πειραιά"
    assert documents.tax_office_name("ΦΑΕ Αθηνών") == "ΦΑΕ Αθηνών"
    assert documents.tax_office_name("Δουκίσσης") == "Δουκίσσης"
    assert documents.tax_office_name("") == ""


def test_pdf_uses_only_the_embedded_dejavu_font(statement):
    reader = PdfReader(io.BytesIO(documents.statement_pdf(statement, lang="el")))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts and all("DejaVu-Sans" in f for f in fonts), fonts


def test_csv_xlsx_and_pdf_have_the_same_rows(statement):
    rows = documents.statement_rows(statement)
    assert len(rows) == 3  # two work lines and the parking
    header = [str(c) for c in _csv_rows(statement)[1]]
    csv_lines = _csv_rows(statement)[2:2 + len(rows)]
    _sheet, xlsx_rows = _xlsx_rows(statement)
    xlsx_lines = xlsx_rows[2:2 + len(rows)]
    assert [c.value for c in xlsx_rows[1]] == header
    assert len(header) == len(documents.ROW_COLUMNS) == 10
    text = _pdf_text(documents.statement_pdf(statement, lang="el"))
    for row, from_csv, from_xlsx in zip(rows, csv_lines, xlsx_lines, strict=True):
        date, technician, reference = from_csv[1], from_csv[2], from_csv[3]
        assert from_csv[0] == str(from_xlsx[0].value) == str(row.position)
        assert date == row.date_text
        when = from_xlsx[1].value
        assert (when.strftime("%d/%m/%Y %H:%M") if row.minutes else
                when.strftime("%d/%m/%Y")) == date
        assert [c.value or "" for c in from_xlsx[2:7]] == from_csv[2:7]
        minutes = _minutes(from_xlsx[7].value)
        assert minutes == row.minutes and from_csv[7] == row.time_text
        assert Decimal(from_csv[8].replace(",", ".")) / 100 == row.vat_rate
        assert Decimal(str(from_xlsx[8].value)).quantize(Decimal("0.0001")) == row.vat_rate
        assert Decimal(from_csv[9].replace(",", ".")) == row.net_amount
        assert Decimal(str(from_xlsx[9].value)).quantize(Decimal("0.01")) == row.net_amount
        for value in (date, technician, reference, from_csv[6]):
            assert value in text, value
    work = [r for r in csv_lines if r[7]]
    assert work[0][1] == "10/11/2026 11:00" and work[0][2] and work[0][3].startswith("#")
    assert work[0][6] == str(Channel.REMOTE.label) or work[0][6] == "Απομακρυσμένη"
    # the totals, as today: BOM, ';', decimal commas
    assert ["", "", "", "", "", "Σύνολο", "", "", "", _csv_total(statement)] in \
        _csv_rows(statement)


def _minutes(value) -> int:
    """An [h]:mm cell as openpyxl reads it back (a timedelta), or a fraction of a day."""
    if not value:
        return 0
    if isinstance(value, dt.timedelta):
        return round(value.total_seconds() / 60)
    if isinstance(value, dt.time):
        return value.hour * 60 + value.minute
    return round(Decimal(str(value)) * 1440)


def _csv_total(statement) -> str:
    return f"{statement.total:.2f}".replace(".", ",")


def test_xlsx_cells_carry_currency_percent_and_date_formats(statement):
    sheet, rows = _xlsx_rows(statement)
    first = rows[2]
    assert first[1].is_date and first[1].number_format == "dd/mm/yyyy hh:mm"
    assert isinstance(first[8].value, (int, float)) and first[8].number_format == "0%"
    assert isinstance(first[9].value, (int, float))
    assert "€" in first[9].number_format and "0.00" in first[9].number_format
    assert first[7].number_format == "[h]:mm"
    total = rows[-1]
    assert isinstance(total[9].value, (int, float)) and "€" in total[9].number_format
    assert Decimal(str(total[9].value)).quantize(Decimal("0.01")) == statement.total
    assert rows[0][1].value == statement.display_number
    assert sheet.title == statement.display_number


def test_accountant_export_xlsx_amounts_are_euro_numbers(statement):
    sheet = load_workbook(io.BytesIO(documents.statements_xlsx(Statement.objects.all()))).active
    row = list(sheet.iter_rows())[1]
    assert isinstance(row[11].value, (int, float)) and "€" in row[11].number_format


def test_filenames_use_the_statement_number(statement):
    assert documents.statement_filename(statement, "pdf") == f"{statement.display_number}.pdf"
    assert documents.statement_filename(statement, "xlsx").startswith("ΠΛ-2026-")


def test_logo_from_storage_is_embedded(statement, vendor):
    vendor.logo.save("logo.png", ContentFile(PNG), save=True)
    uri = documents.logo_data_uri(VendorProfile.objects.get())
    assert uri and uri.startswith("data:image/png;base64,")
    pdf = documents.statement_pdf(statement, lang="el")
    reader = PdfReader(io.BytesIO(pdf))
    assert any(page.images for page in reader.pages)
    vendor.logo.delete(save=False)


@pytest.mark.parametrize("url", ["http://example.invalid/logo.png",
                                 "https://example.invalid/logo.png",
                                 "//example.invalid/logo.png", "ftp://example.invalid/x.png"])
def test_remote_resources_are_refused(url):
    assert not documents.is_local_resource(url)


def test_only_data_and_the_font_files_are_local():
    assert documents.is_local_resource("data:image/png;base64,AAAA")
    assert documents.is_local_resource(documents.DEJAVU.as_uri())
    assert not documents.is_local_resource("file:///etc/passwd")
    assert not documents.is_local_resource(documents.DEJAVU.as_uri() + "/../../../../etc/passwd")


def test_a_logo_that_is_a_url_is_never_fetched(statement, vendor):
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/logo.png"
        VendorProfile.objects.filter(pk=1).update(logo=url)
        assert documents.logo_data_uri(VendorProfile.objects.get()) is None
        pdf = documents.statement_pdf(statement, lang="el")
        assert pdf.startswith(b"%PDF")
        # even a URL that reaches the renderer is refused by its fetcher
        fetcher = documents._local_fetcher()
        with pytest.raises(ValueError, match="remote"):
            fetcher.fetch(url)
    finally:
        server.shutdown()
        server.server_close()
    assert hits == []


def test_staff_page_shows_the_same_rows(statement, client, manager):
    client.force_login(manager)
    body = client.get(reverse("billing:statement", args=[statement.pk])).content.decode()
    for row in documents.statement_rows(statement):
        for value in (row.date_text, row.reference, row.technician):
            assert value in body, value
    assert "ΔΟΥ Α&#x27; Αθηνών" in body or "ΔΟΥ Α' Αθηνών" in body
    assert "ΔΟΥ ΔΟΥ" not in body


def test_a_billed_statement_names_who_worked_and_who_recorded_the_expense(
        config, vendor, org_a, technician, manager):
    ContractFactory(customer=org_a, tier=Tier.BASIC)
    ticket = TicketFactory(customer=org_a)
    work_entry_create(ticket=ticket, technician=technician, channel=Channel.ONSITE,
                      started_at=at(2026, 11, 10, 11), ended_at=at(2026, 11, 10, 12),
                      by=technician)
    expense_create(ticket=ticket, kind="parking", amount="5.00",
                   incurred_on=dt.date(2026, 11, 10), by=technician)
    billing_run(period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30),
                by=manager, now=at(2026, 12, 1, 9))
    rows = documents.statement_rows(Statement.objects.get())
    assert {r.technician for r in rows} == {technician.get_full_name()}
    assert {r.reference for r in rows} == {ticket.reference}
    assert [r.date_text for r in rows] == ["10/11/2026 11:00", "10/11/2026"]
    assert rows[1].description == "Στάθμευση"


@pytest.mark.parametrize(("name", "ext"), [("statement_pdf", "pdf"), ("statement_csv", "csv"),
                                           ("statement_xlsx", "xlsx")])
def test_downloads_are_named_by_the_statement_number(statement, client, manager, name, ext):
    client.force_login(manager)
    response = client.get(reverse(f"billing:{name}", args=[statement.pk]))
    assert quote(f"{statement.display_number}.{ext}") in response["Content-Disposition"]


def test_pdf_carries_the_configured_brand_and_the_product_name(statement, settings, tmp_path):
    # Issue 14: the brand's name (and its logo when the vendor profile has none) on the
    # statement, read with pdftotext as a reader's tool would; "supportdesk" in the footer.
    logo = tmp_path / "brand.png"
    logo.write_bytes(PNG)
    settings.SUPPORTDESK_BRAND_NAME = "Κοσμηματοπωλεία Λάμψη"
    settings.SUPPORTDESK_BRAND_LOGO = str(logo)
    settings.SUPPORTDESK_BRAND_COLOR = "#123456"
    pdf = documents.statement_pdf(statement, lang="el")
    pdf_file = tmp_path / "statement.pdf"
    pdf_file.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(pdf_file), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Κοσμηματοπωλεία Λάμψη" in text
    assert "supportdesk" in text
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1  # the brand's logo
