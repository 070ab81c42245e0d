"""The customer's own statements in the portal: the list of issued ones and each as a PDF
download (drafts are never shown).

That another company's statements are neither listed nor downloadable is checked in
tests/security/test_tenancy.py (docs/security.md #1, #2)."""

import pytest
from django.test import Client

from supportdesk.billing.models import Statement
from supportdesk.domain.money import format_eur

pytestmark = pytest.mark.django_db


def test_statements_lists_the_issued_statements_of_the_customer(own_statement, portal_client):
    # given org A's issued October statement: 30 min of phone support at 50 €/h + 24% VAT
    assert own_statement.status == Statement.Status.ISSUED
    assert str(own_statement.total) == "31.00"
    response = portal_client.get("/portal/statements/")
    assert response.status_code == 200
    html = response.content.decode()
    # then it is listed with its period, total and a link to its PDF
    assert [s.pk for s in response.context["page"]] == [own_statement.pk]
    assert "01/10/2026 – 31/10/2026" in html
    assert "31,00 €" in html
    assert f'href="/portal/statements/{own_statement.pk}/pdf/"' in html


def test_statement_list_shows_the_number_and_total_printed_on_the_pdf(own_statement,
                                                                      portal_client):
    html = portal_client.get("/portal/statements/").content.decode()
    assert own_statement.display_number in html
    # the amount in the Greek format of the statement itself ("1.234,50 €")
    assert format_eur(own_statement.total) in html


def test_draft_statements_are_not_listed(own_statement, org_a, portal_client):
    draft = Statement.objects.create(series="ΠΛ", year=2026, customer=org_a,
                                     customer_name=org_a.name,
                                     customer_tax_number=org_a.tax_number)
    assert draft.status == Statement.Status.DRAFT
    response = portal_client.get("/portal/statements/")
    assert [s.pk for s in response.context["page"]] == [own_statement.pk]
    assert portal_client.get(f"/portal/statements/{draft.pk}/pdf/").status_code == 404


def test_without_statements_the_list_says_so(config, portal_client):
    response = portal_client.get("/portal/statements/")
    assert response.status_code == 200
    assert not response.context["page"].object_list
    assert "Δεν υπάρχουν ακόμη εκκαθαρίσεις." in response.content.decode()


def test_customer_downloads_its_own_statement_as_a_pdf(own_statement, customer_a):
    # Moved from test_customer_a_cannot_list_or_download_b_statements in
    # tests/security/test_tenancy.py (the half where the customer gets its own PDF; the
    # other company's 404 stays there).
    client = Client()
    client.force_login(customer_a)
    response = client.get(f"/portal/statements/{own_statement.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response.content.startswith(b"%PDF")
