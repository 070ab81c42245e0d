"""Attachments (docs/security.md #8, #10, #21, #22): checked content, UUID storage, mode 0640."""

import hashlib
import os
import re
import stat
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from supportdesk.common.exceptions import ApplicationError
from supportdesk.tickets.models import Attachment, TicketEvent
from supportdesk.tickets.services import attachment_add, sanitize_filename
from supportdesk.tickets.services import attachments as svc
from supportdesk.tickets.tests.factories import TicketFactory

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def stored_files() -> list[Path]:
    root = Path(default_storage.location) / "attachments"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def ticket(db, org_a):
    return TicketFactory(customer=org_a)


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


class TestAccepted:
    def test_pdf_is_stored_under_a_uuid_not_world_readable_with_its_hash(
            self, ticket, technician):
        before = set(stored_files())
        attachment = attachment_add(ticket=ticket, uploaded_file=upload("Τιμολόγιο.pdf", PDF),
                                    by=technician)
        new = set(stored_files()) - before
        assert len(new) == 1
        path = new.pop()
        assert path.name == attachment.uuid.hex  # the user's name is never a path
        assert stat.S_IMODE(os.stat(path).st_mode) & 0o007 == 0  # not world-readable
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
        assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
        assert attachment.size_bytes == len(PDF)
        assert attachment.original_name == "Τιμολόγιο.pdf"
        assert attachment.content_type == "application/pdf"
        event = ticket.events.get()
        assert event.kind == TicketEvent.Kind.ATTACHMENT_ADDED
        assert event.data["attachment"] == str(attachment.uuid)

    def test_greek_text_file_in_windows_1253_is_accepted(self, ticket, technician):
        content = "Καλημέρα, αρχείο καταγραφής\n".encode("cp1253")
        attachment = attachment_add(ticket=ticket, uploaded_file=upload("log.txt", content),
                                    by=technician)
        assert attachment.content_type.startswith("text/plain")


class TestRefused:
    @pytest.mark.parametrize(("name", "content", "message"), [
        ("invoice.pdf", EXE, svc.ATTACHMENT_CONTENT_MISMATCH),      # .exe renamed .pdf
        ("photo.png", PDF, svc.ATTACHMENT_CONTENT_MISMATCH),
        ("notes.txt", b"<html><script>alert(1)</script></html>", svc.ATTACHMENT_CONTENT_MISMATCH),
        ("notes.txt", b"plain\x00binary", svc.ATTACHMENT_CONTENT_MISMATCH),
        ("setup.exe", EXE, svc.ATTACHMENT_TYPE_NOT_ALLOWED),
        ("image.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
         svc.ATTACHMENT_TYPE_NOT_ALLOWED),
        ("page.html", b"<html></html>", svc.ATTACHMENT_TYPE_NOT_ALLOWED),
        ("noextension", PDF, svc.ATTACHMENT_TYPE_NOT_ALLOWED),
        ("empty.pdf", b"", svc.ATTACHMENT_EMPTY),
    ])
    def test_bad_files_are_refused_and_nothing_is_written(
            self, ticket, technician, name, content, message):
        before = set(stored_files())
        with pytest.raises(ApplicationError) as exc:
            attachment_add(ticket=ticket, uploaded_file=upload(name, content), by=technician)
        head = str(message).split("%")[0]
        assert head in str(exc.value)
        assert set(stored_files()) == before
        assert not Attachment.objects.exists()
        assert not ticket.events.exists()

    def test_over_the_limit_is_refused(self, ticket, technician, settings):
        settings.SUPPORTDESK_ATTACHMENT_MAX_BYTES = 1024
        before = set(stored_files())
        with pytest.raises(ApplicationError) as exc:
            attachment_add(ticket=ticket, uploaded_file=upload("big.pdf", PDF + b"0" * 2000),
                           by=technician)
        assert exc.value.code == "attachment_too_large"
        assert set(stored_files()) == before
        assert not Attachment.objects.exists()

    def test_a_failure_after_writing_leaves_no_file(self, ticket, technician, monkeypatch):
        before = set(stored_files())

        def boom(*args, **kwargs):
            raise RuntimeError("database went away")

        monkeypatch.setattr(TicketEvent.objects, "create", boom)
        with pytest.raises(RuntimeError):
            attachment_add(ticket=ticket, uploaded_file=upload("a.pdf", PDF), by=technician)
        assert set(stored_files()) == before
        assert not Attachment.objects.exists()

    def test_customers_cannot_add_staff_only_files_or_to_other_companies(
            self, ticket, customer_a, customer_b):
        with pytest.raises(ApplicationError):
            attachment_add(ticket=ticket, uploaded_file=upload("a.pdf", PDF), by=customer_a,
                           is_internal=True)
        with pytest.raises(ApplicationError):
            attachment_add(ticket=ticket, uploaded_file=upload("a.pdf", PDF), by=customer_b)
        assert not Attachment.objects.exists()
        own = attachment_add(ticket=ticket, uploaded_file=upload("a.pdf", PDF), by=customer_a)
        assert not own.is_internal


@pytest.mark.parametrize(("raw", "expected"), [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("C:\\Windows\\win.ini.txt", "win.ini.txt"),
    ("a\x00b.pdf", "ab.pdf"),
    ("CON", "_CON"),
    ("con.txt", "_con.txt"),
    ("lpt1.pdf", "_lpt1.pdf"),
    ("..", "file"),
    ("", "file"),
    ("invoice\u202egpj.exe", "invoicegpj.exe"),
    ('<img src=x onerror=alert(1)>.pdf', "_img src=x onerror=alert(1)_.pdf"),
])
def test_file_names_are_sanitised(raw, expected):
    assert sanitize_filename(raw) == expected


def test_long_unicode_names_are_cut_keeping_the_extension():
    name = sanitize_filename("Ω" * 300 + ".pdf")
    assert name.endswith(".pdf")
    assert len(name) <= 120
    assert re.fullmatch(r"Ω+\.pdf", name)
