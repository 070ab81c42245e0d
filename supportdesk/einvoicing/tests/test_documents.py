"""Every demo statement becomes an invoice (or a credit note) that the official validators
accept in both exports; broken ones are refused with the validator's own message."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone, translation
from lxml import etree

from supportdesk.accounts.models import User
from supportdesk.billing.models import Statement
from supportdesk.billing.services.statements import statement_credit, statement_set_mark
from supportdesk.common.exceptions import ApplicationError
from supportdesk.contracts.services import calendar_seed_default, tariff_seed_default
from supportdesk.einvoicing import documents
from supportdesk.einvoicing.documents import mydata, schemas, ubl
from supportdesk.einvoicing.models import InvoiceDraft, InvoiceDraftLine
from supportdesk.ops.demo import load_demo

pytestmark = pytest.mark.skipif(
    bool(schemas.schema_problems("mydata") or schemas.schema_problems("ubl")),
    reason="the official schema files are not laid out (docs/einvoicing.md)")

MY = {"inv": mydata.NS, "icls": mydata.ICLS}
UBL = {"cac": ubl.CAC, "cbc": ubl.CBC}
MARK = "400001999000001"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo company once for the module (a year of statements); three of its period
    statements registered (a ΜΑΡΚ each) and credited."""
    with django_db_blocker.unblock(), transaction.atomic():
        tariff_seed_default()
        calendar_seed_default()
        load_demo(today=timezone.localdate())
        manager = User.objects.get(username="manager")
        issued = list(Statement.objects.exclude(number=None)
                      .filter(total__gt=0, kind=Statement.Kind.PERIOD).order_by("pk"))
        for n, statement in enumerate(issued[:3], start=1):
            statement_set_mark(statement=statement, mark=str(400001000000000 + n), by=manager)
            statement_credit(statement=statement, by=manager, reason="Λάθος χρέωση")
        yield manager
        transaction.set_rollback(True)


def _registered(draft: InvoiceDraft) -> InvoiceDraft:
    """The UBL of a Greek seller carries the ΜΑΡΚ (GR-R-004-1): as after registration."""
    draft.statement.mark = draft.statement.mark or MARK
    return draft


def _one(kind=Statement.Kind.PERIOD) -> InvoiceDraft:
    statement = (Statement.objects.exclude(number=None).filter(kind=kind, total__gt=0)
                 .order_by("-pk").first())
    return documents.draft_for_statement(statement)


@pytest.mark.django_db
def test_every_demo_statement_is_a_valid_invoice_or_credit_note_in_both_exports(demo):
    statements = list(Statement.objects.exclude(number=None).order_by("pk"))
    kinds = {s.kind for s in statements}
    assert len(statements) > 20 and Statement.Kind.CREDIT in kinds and len(kinds) >= 3
    for statement in statements:
        draft = documents.draft_for_statement(statement)
        assert documents.problems(draft, "mydata") == [], statement.display_number
        assert documents.problems(_registered(draft), "ubl") == [], statement.display_number
        assert draft.total == abs(statement.total)
        assert draft.net_total == abs(statement.net_total)
        assert draft.vat_total == abs(statement.vat_total)


@pytest.mark.django_db
def test_a_credit_statement_is_a_credit_note_referring_to_the_original_mark(demo):
    credit = Statement.objects.filter(kind=Statement.Kind.CREDIT).order_by("pk").first()
    original = credit.credits
    draft = documents.draft_for_statement(credit)
    assert draft.is_credit_note and draft.invoice_type == "5.1"

    doc = etree.fromstring(documents.render(draft, "mydata"))
    assert doc.xpath("string(//inv:invoiceType)", namespaces=MY) == "5.1"
    assert doc.xpath("string(//inv:correlatedInvoices)", namespaces=MY) == original.mark
    assert doc.xpath("number(//inv:totalGrossValue)", namespaces=MY) == float(-credit.total)

    note = etree.fromstring(documents.render(_registered(draft), "ubl"))
    assert etree.QName(note).localname == "CreditNote"
    assert note.xpath("string(cbc:CreditNoteTypeCode)", namespaces=UBL) == "381"
    assert note.xpath("string(cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID)",
                      namespaces=UBL) == original.display_number


@pytest.mark.django_db
def test_a_credit_note_before_the_original_is_registered_cannot_be_sent(demo):
    credit = Statement.objects.filter(kind=Statement.Kind.CREDIT).order_by("pk").first()
    Statement.objects.filter(pk=credit.credits_id).update(mark="")
    draft = documents.draft_for_statement(credit)
    found = documents.problems(draft, "mydata")
    assert [p.field for p in found] == ["invoiceHeader.correlatedInvoices"]
    assert credit.credits.display_number in found[0].message


@pytest.mark.django_db
def test_a_missing_customer_tax_number_is_refused_by_both_validators(demo):
    draft = _registered(_one())
    draft.counterpart_vat_number = ""

    found = documents.problems(draft, "mydata")
    assert [p.field for p in found] == ["counterpart.vatNumber"]
    assert "Tag 'inv:vatNumber' expected" in found[0].message  # xmlschema's own words
    with translation.override("en"):
        assert documents.field_label(found[0].field) == "Customer's tax number (ΑΦΜ)"

    found = documents.problems(draft, "ubl")
    messages = " ".join(p.message for p in found)
    assert "[GR-R-006]" in messages  # the Greek Peppol rule: the buyer's VAT number
    assert "[PEPPOL-EN16931-R010]" in messages  # and the buyer's electronic address


@pytest.mark.django_db
def test_a_tax_number_with_a_wrong_check_digit_is_refused(demo):
    draft = _one()
    draft.counterpart_vat_number = draft.counterpart_vat_number[:8] + str(
        (int(draft.counterpart_vat_number[8]) + 1) % 10)
    with translation.override("en"):
        found = documents.problems(draft, "mydata")
    assert [p.field for p in found] == ["counterpart.vatNumber"]
    assert "the check digit does not match" in found[0].message


@pytest.mark.django_db
def test_a_wrong_vat_category_is_refused_with_the_schema_and_rules_messages(demo):
    draft = _registered(_one())
    InvoiceDraftLine.objects.filter(draft=draft, line_number=1).update(vat_category=11)

    found = documents.problems(draft, "mydata")
    assert [p.field for p in found] == ["invoiceDetails[1].vatCategory"]
    assert "less than or equal than 10" in found[0].message  # xmlschema on maxInclusive
    with translation.override("en"):
        assert documents.field_label(found[0].field) == "Line 1: VAT category"

    found = documents.problems(draft, "ubl")
    assert any("[BR-CL-18]" in p.message for p in found)  # UNCL5305 code list


@pytest.mark.django_db
def test_a_vat_category_that_is_not_the_line_rate_is_refused(demo):
    draft = _one()
    InvoiceDraftLine.objects.filter(draft=draft, line_number=1).update(vat_category=2)
    found = documents.problems(draft, "mydata")
    assert [p.field for p in found] == ["invoiceDetails[1].vatCategory"]
    assert "13%" in found[0].message and "24%" in found[0].message  # ours, in Greek or English


@pytest.mark.django_db
def test_a_too_long_series_is_refused_with_the_schema_limit(demo):
    draft = _one()
    draft.series = "Σ" * 51
    found = documents.problems(draft, "mydata")
    assert [p.field for p in found] == ["invoiceHeader.series"]
    assert "50" in found[0].message  # maxLength 50
    with translation.override("en"):
        assert documents.field_label(found[0].field) == "Series"


@pytest.mark.django_db
def test_ubl_before_registration_is_refused_for_the_missing_mark(demo):
    draft = _one()
    draft.statement.mark = ""
    found = documents.problems(draft, "ubl")
    assert any("[GR-R-004-1]" in p.message for p in found)


@pytest.mark.django_db
def test_the_draft_is_refreshed_in_place_and_frozen_once_registered(demo):
    statement = (Statement.objects.exclude(number=None).filter(kind=Statement.Kind.PERIOD,
                                                               mark="").order_by("pk").first())
    first = documents.draft_for_statement(statement)
    again = documents.draft_for_statement(statement)
    assert again.pk == first.pk and again.lines.count() == first.lines.count()
    assert InvoiceDraft.objects.filter(statement=statement).count() == 1

    statement_set_mark(statement=statement, mark="400001999000777", by=demo)
    InvoiceDraft.objects.filter(pk=first.pk).update(issuer_name="Παλιό όνομα")
    kept = documents.draft_for_statement(statement)
    assert kept.issuer_name == "Παλιό όνομα"  # never rebuilt after registration


@pytest.mark.django_db
def test_validate_xml_judges_raw_bytes_and_malformed_input(demo):
    draft = _registered(_one())
    assert documents.validate_xml(documents.render(draft, "mydata"), "mydata") == []
    assert documents.validate_xml(documents.render(draft, "ubl"), "ubl") == []
    broken = documents.validate_xml(b"<InvoicesDoc", "mydata")
    assert len(broken) == 1 and broken[0].message
    other = documents.validate_xml(documents.render(draft, "ubl"), "mydata")
    assert other and other[0].message  # an Invoice is no InvoicesDoc


@pytest.mark.django_db
def test_a_document_with_an_external_entity_is_refused_without_reading_it(demo, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top-secret")
    data = (f'<?xml version="1.0"?><!DOCTYPE InvoicesDoc [<!ENTITY x SYSTEM "file://{secret}">]>'
            f'<InvoicesDoc xmlns="{mydata.NS}"><invoice>&x;</invoice></InvoicesDoc>').encode()
    for fmt in documents.FORMATS:
        with translation.override("en"):
            found = documents.validate_xml(data, fmt)
        assert [p.message for p in found] == ["A document with a DTD is refused."]


@pytest.mark.django_db
def test_the_providers_link_goes_into_the_ubl_invoice(demo):
    draft = _registered(_one())
    data = ubl.render_ubl(draft, mark=MARK, url="https://provider.example/inv/abc")
    doc = etree.fromstring(data)
    assert doc.xpath("string(cac:AdditionalDocumentReference[cbc:DocumentDescription="
                     "'##INVOICE|URL##']/cac:Attachment/cac:ExternalReference/cbc:URI)",
                     namespaces=UBL) == "https://provider.example/inv/abc"
    assert documents.validate_xml(data, "ubl") == []


@pytest.mark.django_db
def test_an_unissued_statement_has_no_invoice(demo):
    issued = Statement.objects.exclude(number=None).order_by("pk").first()
    unissued = Statement.objects.create(
        kind=Statement.Kind.PERIOD, series="ΠΛ", year=2026, customer=issued.customer,
        customer_name=issued.customer_name, customer_tax_number=issued.customer_tax_number)
    with pytest.raises(ApplicationError) as refused:
        documents.draft_for_statement(unissued)
    assert refused.value.code == "not_issued"
    assert not InvoiceDraft.objects.filter(statement=unissued).exists()
