"""A registered statement's PDF carries its ΜΑΡΚ, UID and the QR code of the provider's
URL; before registration it carries none (billing.documents)."""

from __future__ import annotations

import pytest

from supportdesk.billing import documents as billing_documents
from supportdesk.billing.services import statement_record_registration

from .qr import is_qr_of, pdf_images, pdf_text

pytestmark = pytest.mark.django_db

QR_URL = "https://provider.example/v/4c1f0a7e"


def test_the_registered_pdf_has_the_mark_the_uid_and_the_qr_code(statement):
    # given: the provider's registration recorded on the statement
    statement = statement_record_registration(
        statement_id=statement.pk, mark="400001234500042", uid="0A1B2C3D" * 5,
        authentication_code="AUTH42", qr_url=QR_URL)
    # when
    pdf = billing_documents.statement_pdf(statement, lang="el")
    # then
    text = pdf_text(pdf)
    assert "400001234500042" in text
    assert "0A1B2C3D" in text
    qr_codes = [image for image in pdf_images(pdf) if is_qr_of(image, QR_URL)]
    assert len(qr_codes) == 1
    assert not is_qr_of(qr_codes[0], QR_URL + "0")  # the comparison does tell them apart


def test_an_unregistered_pdf_has_no_qr_code(statement):
    pdf = billing_documents.statement_pdf(statement, lang="el")
    assert not any(is_qr_of(image, QR_URL) for image in pdf_images(pdf))
    assert billing_documents.einvoice_qr_data_uri(statement) is None


def test_a_qr_url_that_is_not_http_is_not_kept(statement):
    statement = statement_record_registration(statement_id=statement.pk, mark="4000012",
                                              qr_url="javascript:alert(1)")
    assert statement.einvoice_qr_url == ""
    assert billing_documents.einvoice_qr_data_uri(statement) is None
