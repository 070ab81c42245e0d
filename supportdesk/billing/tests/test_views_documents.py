"""Staff pages, downloads and documents (PDF renders Greek; CSV/XLSX for the accountant)."""

import csv
import datetime as dt
import io
import shutil
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from supportdesk.billing import documents
from supportdesk.billing.models import BillingRun, HoldOverride, Statement
from supportdesk.billing.services import billing_run
from supportdesk.billing.tasks import monthly_billing_run
from supportdesk.common import idempotency
from supportdesk.common.choices import Channel, Tier
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.tickets.tests.factories import TicketFactory
from supportdesk.worklog.services.entries import expense_create, work_entry_create

from .conftest import at
from .factories import VendorProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(config, org_a, technician, manager):
    """A November statement of org A: 1 h on site (Basic 45 €/h) and 12,30 € parking."""
    VendorProfileFactory()
    ContractFactory(customer=org_a, tier=Tier.BASIC)
    ticket = TicketFactory(customer=org_a, subject="Δεν τυπώνει η ταμειακή")
    work_entry_create(ticket=ticket, technician=technician, channel=Channel.ONSITE,
                      started_at=at(2026, 11, 10, 11), ended_at=at(2026, 11, 10, 12),
                      by=technician)
    expense_create(ticket=ticket, kind="parking", amount="1000.00",
                   incurred_on=dt.date(2026, 11, 10), by=technician)
    billing_run(period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30),
                by=manager, now=at(2026, 12, 1, 9))
    return Statement.objects.get()


def _login(client, user):
    client.force_login(user)
    return client


def test_statement_pdf_renders_greek_text_amounts_and_names(issued):
    # given the PDF of a statement
    pdf = documents.statement_pdf(issued, lang="el")
    assert pdf.startswith(b"%PDF")
    # then its text holds the Greek labels, both parties, the ΑΦΜ and Greek-format amounts

    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for expected in ("Κοσμήματα Άλφα", "Jewelsoft Μονοπρόσωπη ΙΚΕ", issued.customer_tax_number,
                     "1.045,00 €", "250,80 €", "1.295,80 €", "ΦΠΑ", "Σύνολο"):
        assert expected in text, expected
    # and page 1 turned into an image is not blank
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm not installed")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "s.pdf"
        src.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "40", "-gray", "-f", "1", "-l", "1", str(src),
                        str(Path(tmp) / "page")], check=True, timeout=60)
        image = next(Path(tmp).glob("page*.pgm")).read_bytes()
    # PGM: header then one byte per pixel (255 = white)
    pixels = image.split(b"\n", 3)[3]
    dark = sum(1 for b in pixels if b < 128)
    assert dark > len(pixels) * 0.005, "the page is blank"


def test_statement_csv_is_utf8_bom_semicolons_and_neutralises_formulas(issued, org_a):
    org_a.name = "=HYPERLINK(\"http://evil\")"
    issued.customer_name = org_a.name
    data = documents.statement_csv(issued)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][3].startswith("'=")
    assert ["", "", "", "", "", "Σύνολο", "", "", "", "1295,80"] in rows


def test_accountant_export_xlsx_has_one_row_per_statement(issued, client, manager):
    _login(client, manager)
    response = client.get(reverse("billing:export"), {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == issued.display_number
    assert Decimal(str(rows[1][11])) == Decimal("1295.80")


@pytest.mark.parametrize("name", ["statement_pdf", "statement_csv", "statement_xlsx"])
def test_downloads_are_attachments(issued, client, technician, name):
    _login(client, technician)
    response = client.get(reverse(f"billing:{name}", args=[issued.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_render_in_greek_and_in_english(issued, client, manager, org_a):
    _login(client, manager)
    pages = [reverse("billing:home"), reverse("billing:statement", args=[issued.pk]),
             reverse("billing:renewals"), reverse("billing:usage", args=[org_a.pk]),
             reverse("billing:hold", args=[org_a.pk])]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "style=" not in response.content.decode()  # CSP: no inline styles
    home = client.get(reverse("billing:home")).content.decode()
    assert "Χρεώσεις" in home and "Εκτέλεση χρέωσης" in home and "Εκκαθαρίσεις" in home
    assert "1.295,80 €" in home
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(reverse("billing:home")).content.decode()
    assert "€1,295.80" in english and "Billing run" in english and "Εκκαθαρίσεις" not in english


def test_usage_report_shows_chart_and_numbers(issued, client, technician, org_a):
    _login(client, technician)
    response = client.get(reverse("billing:usage", args=[org_a.pk]),
                          {"period_start": "2026-11-01", "period_end": "2026-11-30"})
    body = response.content.decode()
    assert "<svg" in body and "<rect" in body
    assert "1:00" in body  # one hour on site, in the table


def test_customers_and_anonymous_users_never_reach_billing(issued, client, customer_a, org_a):
    urls = [("get", reverse("billing:home")),
            ("get", reverse("billing:statement", args=[issued.pk])),
            ("get", reverse("billing:statement_pdf", args=[issued.pk])),
            ("get", reverse("billing:export")), ("get", reverse("billing:usage", args=[org_a.pk])),
            ("post", reverse("billing:run")), ("post", reverse("billing:credit", args=[issued.pk])),
            ("post", reverse("billing:hold", args=[org_a.pk]))]
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/login" in response["Location"], url
    _login(client, customer_a)  # even the statement's own customer: staff pages only
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 403, url
    assert Statement.objects.count() == 1


def test_technician_reads_but_cannot_credit_or_run(issued, client, technician):
    _login(client, technician)
    assert client.post(reverse("billing:credit", args=[issued.pk]),
                       {"reason": "x"}).status_code == 403
    assert client.post(reverse("billing:run"), {"period_start": "2026-11-01",
                                                "period_end": "2026-11-30"}).status_code == 403
    assert Statement.objects.count() == 1


def test_manager_credits_through_the_page(issued, client, manager):
    _login(client, manager)
    token = idempotency.issue(manager, "billing.credit", issued.pk)
    response = client.post(reverse("billing:credit", args=[issued.pk]),
                           {"reason": "", "form_token": token})
    assert response.status_code == 302 and Statement.objects.count() == 1
    client.post(reverse("billing:credit", args=[issued.pk]),
                {"reason": "Διπλοχρέωση", "form_token": token})
    assert Statement.objects.filter(kind="credit", credits=issued).count() == 1


def test_hold_override_form_needs_a_reason(issued, client, manager, org_a):
    _login(client, manager)
    response = client.post(reverse("billing:hold", args=[org_a.pk]),
                           {"reason": "", "until": "2099-01-01"})
    assert response.status_code == 200 and not HoldOverride.objects.exists()


def test_manager_runs_billing_from_the_page_and_bad_dates_change_nothing(config, client,
                                                                        manager):
    _login(client, manager)
    token = idempotency.issue(manager, "billing.run")
    client.post(reverse("billing:run"), {"period_start": "x", "period_end": "2026-11-30",
                                         "form_token": token})
    client.post(reverse("billing:run"), {"period_start": "2026-11-30",
                                         "period_end": "2026-11-01", "form_token": token})

    assert not BillingRun.objects.exists()
    client.post(reverse("billing:run"), {"period_start": "2026-11-01",
                                         "period_end": "2026-11-30", "form_token": token})
    assert BillingRun.objects.count() == 1


def test_monthly_task_bills_last_month(config, org_a, technician):
    ticket = TicketFactory(customer=org_a)
    work_entry_create(ticket=ticket, technician=technician, channel=Channel.ONSITE,
                      started_at=at(2026, 11, 10, 11), ended_at=at(2026, 11, 10, 12),
                      by=technician)
    result = monthly_billing_run.delay(today="2026-12-01").get()
    assert result["period_start"] == "2026-11-01" and result["statements_issued"] == 1
    assert monthly_billing_run.delay(today="2026-12-01").get()["statements_issued"] == 0
