"""Totals, the accountant's files and the schema guard, on small worlds of our own."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import zipfile
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from lxml import etree

from supportdesk.accounts.tests.factories import TechnicianFactory
from supportdesk.billing.models import Statement, StatementLine
from supportdesk.billing.selectors import billing_settings
from supportdesk.billing.services.statements import customer_snapshot, issue_statement
from supportdesk.billing.tests.factories import VendorProfileFactory
from supportdesk.common.tests.helpers import in_threads
from supportdesk.domain.pricing import statement_totals
from supportdesk.einvoicing import documents
from supportdesk.einvoicing.accountant import accountant_csv, accountant_zip
from supportdesk.einvoicing.documents import mydata, schemas
from supportdesk.einvoicing.documents.drafts import allocate_vat
from supportdesk.einvoicing.models import InvoiceDraft

MY = {"inv": mydata.NS}
RATES = [Decimal("0.24"), Decimal("0.13"), Decimal("0.06"), Decimal("0.24")]
cents = st.integers(min_value=1, max_value=2_000_000).map(lambda c: Decimal(c) / 100)
ISSUED = dt.datetime(2026, 10, 15, 9, 0, tzinfo=dt.UTC)


def _statement(customer, manager, amounts, rates, *, now=ISSUED) -> Statement:
    statement = Statement(kind=Statement.Kind.PERIOD, series="ΠΛ", customer=customer,
                          **customer_snapshot(customer))
    lines = [StatementLine(kind=StatementLine.Kind.WORK, description=f"Εργασία {n}",
                           net_amount=amount, vat_rate=rate, minutes=30)
             for n, (amount, rate) in enumerate(zip(amounts, rates, strict=True), start=1)]
    with transaction.atomic():
        issue_statement(statement=statement, lines=lines, now=now, by=manager,
                        settings=billing_settings())
    return statement


@given(st.lists(st.tuples(cents, st.sampled_from(RATES)), min_size=1, max_size=30))
def test_line_vat_adds_up_to_the_statements_vat_per_rate(pairs):
    nets = [n for n, _ in pairs]
    rates = [r for _, r in pairs]
    shares = allocate_vat(nets, rates)
    totals = statement_totals(pairs)
    for rate, vat in totals.vat_by_rate.items():
        assert sum(s for s, r in zip(shares, rates, strict=True) if r == rate) == vat
    for share, net, rate in zip(shares, nets, rates, strict=True):
        assert abs(share - net * rate) < Decimal("0.01") * len(nets)
        assert share == share.quantize(Decimal("0.01"))


@pytest.mark.django_db
@hsettings(max_examples=15, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amounts=st.lists(cents, min_size=1, max_size=8), data=st.data())
def test_the_xml_totals_add_up_exactly_and_match_the_statement(config, org_a, manager,
                                                               amounts, data):
    VendorProfileFactory()
    rates = [data.draw(st.sampled_from(RATES)) for _ in amounts]
    sid = transaction.savepoint()
    try:
        statement = _statement(org_a, manager, amounts, rates)
        draft = documents.draft_for_statement(statement)
        doc = etree.fromstring(documents.render(draft, "mydata"))

        def total(path):
            return Decimal(doc.xpath(f"string({path})", namespaces=MY))

        def each(path):
            return [Decimal(x) for x in doc.xpath(f"{path}/text()", namespaces=MY)]

        assert sum(each("//inv:invoiceDetails/inv:netValue")) == total(
            "//inv:totalNetValue") == statement.net_total
        assert sum(each("//inv:invoiceDetails/inv:vatAmount")) == total(
            "//inv:totalVatAmount") == statement.vat_total
        assert total("//inv:totalGrossValue") == statement.total == total(
            "//inv:paymentMethodDetails/inv:amount")
        assert all(x == x.quantize(Decimal("0.01")) for x in each("//inv:netValue"))
    finally:
        transaction.savepoint_rollback(sid)


@pytest.mark.django_db
def test_without_the_official_files_nothing_is_valid(settings, tmp_path, config, org_a,
                                                    manager):
    VendorProfileFactory()
    draft = documents.draft_for_statement(_statement(org_a, manager, [Decimal("50")],
                                                     [Decimal("0.24")]))
    settings.SUPPORTDESK_EINVOICING_SCHEMAS = str(tmp_path)
    found = documents.problems(draft, "mydata")
    assert found and {p.field for p in found} == {"schema"}
    assert any("InvoicesDoc-v1.0.12.xsd is missing" in p.message for p in found)


@pytest.mark.skipif(bool(schemas.schema_problems("mydata")),
                    reason="the official schema files are not laid out")
def test_a_changed_official_file_is_refused(settings, tmp_path):
    shutil.copytree(schemas.APP_SCHEMAS / schemas.MYDATA_DIR, tmp_path / schemas.MYDATA_DIR)
    xsd = tmp_path / schemas.MYDATA_XSD
    xsd.write_bytes(xsd.read_bytes().replace(b'maxLength value="50"', b'maxLength value="90"'))
    settings.SUPPORTDESK_EINVOICING_SCHEMAS = str(tmp_path)
    found = documents.validate_xml(b"<InvoicesDoc/>", "mydata")
    assert [p.message for p in found] == [
        f"{schemas.MYDATA_XSD} differs from the pinned official file"]


@pytest.fixture
def october(config, org_a, org_b, manager):
    VendorProfileFactory()
    first = _statement(org_a, manager, [Decimal("100.00"), Decimal("12.50")],
                       [Decimal("0.24"), Decimal("0.24")])
    Statement.objects.filter(pk=first.pk).update(mark="400001000000123")
    second = _statement(org_b, manager, [Decimal("80.00")],
                        [Decimal("0.24")], now=ISSUED + dt.timedelta(days=3))
    _statement(org_b, manager, [Decimal("10")], [Decimal("0.24")],
               now=dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC))  # November in Athens
    return [Statement.objects.get(pk=first.pk), second]


@pytest.mark.django_db
def test_the_accountants_csv_lists_the_months_statements(october):
    text = b"".join(accountant_csv(2026, 10)).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 3
    first, second = october
    assert rows[1][:7] == [first.display_number, "15/10/2026", first.customer_tax_number,
                           "112,50", "27,00", "139,50", "400001000000123"]
    assert rows[2][0] == second.display_number and rows[2][6] == ""


@pytest.mark.django_db
def test_the_accountants_zip_has_each_statements_mydata_xml(october):
    with zipfile.ZipFile(accountant_zip(2026, 10)) as archive:
        names = archive.namelist()
        assert names == [f"{s.display_number}.xml" for s in october]
        doc = etree.fromstring(archive.read(names[0]))
    assert doc.xpath("string(//inv:totalGrossValue)", namespaces=MY) == "139.50"


@pytest.mark.django_db
def test_the_accountants_files_are_for_managers_only(client, october, manager):
    csv_url = reverse("einvoicing:accountant_csv", args=[2026, 10])
    zip_url = reverse("einvoicing:accountant_zip", args=[2026, 10])
    assert csv_url.endswith("/billing/einvoices/accountant/2026/10.csv")
    client.force_login(TechnicianFactory())
    assert client.get(csv_url).status_code in (403, 404)
    assert client.get(zip_url).status_code in (403, 404)
    client.force_login(manager)
    response = client.get(csv_url)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert october[0].display_number in b"".join(response.streaming_content).decode()
    response = client.get(zip_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert client.get(reverse("einvoicing:accountant_csv", args=[2026, 13])).status_code == 404


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_drafts_built_at_once_leave_one_draft_with_whole_lines(settings, config, org_a,
                                                              manager):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    settings.SUPPORTDESK_EINVOICE_AUTO_SEND = False
    VendorProfileFactory()
    statement = _statement(org_a, manager, [Decimal("10.00"), Decimal("20.01"),
                                            Decimal("30.02")], RATES[:3])
    # when three workers build the same statement's draft at once
    drafts = in_threads(3, lambda i: documents.draft_for_statement(statement).pk)
    # then there is one draft, with one set of lines
    assert len(set(drafts)) == 1
    draft = InvoiceDraft.objects.get(statement=statement)
    assert list(draft.lines.values_list("line_number", flat=True)) == [1, 2, 3]
    assert draft.total == statement.total
