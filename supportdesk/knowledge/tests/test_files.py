"""Images and files of articles pass the request attachments' checks (docs/security.md #10,
#21, #22): refused with the reason and nothing kept, images re-encoded, never world-readable,
shown inline only as the image type they were checked to be."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from supportdesk.common.exceptions import ApplicationError
from supportdesk.knowledge.models import ArticleFile
from supportdesk.knowledge.services import article_file_add, article_update


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 150, 20)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "content", "code"), [
    ("driver.exe", b"MZ\x90\x00" + b"\x00" * 60, "attachment_type"),
    ("fake.png", b"MZ\x90\x00" + b"\x00" * 60, "attachment_mismatch"),
    ("page.png", b"<html><script>alert(1)</script></html>", "attachment_mismatch"),
    ("empty.png", b"", "attachment_empty"),
])
def test_a_refused_file_leaves_nothing(kb, technician, name, content, code):
    with pytest.raises(ApplicationError) as refused:
        article_file_add(article=kb["published"], by=technician,
                         uploaded_file=SimpleUploadedFile(name, content))
    assert refused.value.code == code
    assert ArticleFile.objects.count() == 0


@pytest.mark.django_db
def test_an_image_is_reencoded_and_stored_privately(kb, technician):
    # given a real PNG with a script riding along after its end
    upload = SimpleUploadedFile("σχήμα../../a.png", PNG + b"<script>alert(1)</script>")
    # when it is added
    row = article_file_add(article=kb["published"], by=technician, uploaded_file=upload)
    # then what is stored is the image alone, under a random name, mode 0640
    stored = row.file.read()
    assert b"<script>" not in stored and stored.startswith(b"\x89PNG")
    assert row.original_name == "a.png" and row.uuid.hex in row.file.name
    assert os.stat(row.file.path).st_mode & 0o777 == 0o640
    assert row.is_image


@pytest.mark.django_db
def test_a_pdf_is_a_download_and_the_staff_page_shows_the_image(kb, technician):
    pdf = article_file_add(article=kb["published"], by=technician,
                           uploaded_file=SimpleUploadedFile("steps.pdf", b"%PDF-1.4\n%%EOF"))
    client = Client()
    client.force_login(technician)
    response = client.get(f"/desk/kb/files/{pdf.uuid}/")
    assert response["Content-Disposition"].startswith("attachment")
    image = article_file_add(article=kb["published"], by=technician,
                             uploaded_file=SimpleUploadedFile("a.png", PNG))
    article_update(article=kb["published"], by=technician,
                   body_el=f"Δείτε: ![οθόνη](kb:{image.uuid.hex})")
    page = client.get(f"/desk/kb/{kb['published'].pk}/").content.decode()
    assert f'src="/desk/kb/files/{image.uuid}/"' in page
