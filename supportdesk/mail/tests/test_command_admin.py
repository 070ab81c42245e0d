"""``manage.py ingest_mail`` and the read-only admin."""

import io
import sys

import pytest
from django.core.management import call_command
from django.db import OperationalError

from supportdesk.accounts.tests.factories import ManagerFactory, TechnicianFactory
from supportdesk.mail.management.commands import ingest_mail
from supportdesk.mail.models import InboundMessage

from .factories import raw_mail


def test_one_message_from_stdin(world, monkeypatch):
    raw = raw_mail(subject="Από pipe", message_id="<pipe-1@alfa.gr>")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = io.StringIO()
    call_command("ingest_mail", stdout=out)
    assert "created 1" in out.getvalue()
    assert InboundMessage.objects.get().status == "created"


def test_a_maildir_twice_is_idempotent(world, tmp_path):
    for sub in ("new", "cur", "tmp"):
        (tmp_path / sub).mkdir()
    (tmp_path / "new" / "1.eml").write_bytes(raw_mail(subject="Ένα", message_id="<m1@x>"))
    (tmp_path / "cur" / "2.eml").write_bytes(raw_mail(subject="Δύο", message_id="<m2@x>"))
    (tmp_path / "tmp" / "3.eml").write_bytes(raw_mail(subject="Μισό", message_id="<m3@x>"))
    call_command("ingest_mail", dir=str(tmp_path), stdout=io.StringIO())
    out = io.StringIO()
    call_command("ingest_mail", dir=str(tmp_path), stdout=out)
    assert "ignored 2" in out.getvalue()
    assert InboundMessage.objects.count() == 4
    assert InboundMessage.objects.filter(status="created").count() == 2


def test_a_database_outage_asks_the_mta_to_retry(world, tmp_path, monkeypatch):
    (tmp_path / "a.eml").write_bytes(raw_mail())

    def down(raw):
        raise OperationalError("connection refused")

    monkeypatch.setattr(ingest_mail, "mail_ingest", down)
    with pytest.raises(SystemExit) as exit_info:
        call_command("ingest_mail", dir=str(tmp_path), stdout=io.StringIO(),
                     stderr=io.StringIO())
    assert exit_info.value.code == ingest_mail.EX_TEMPFAIL


def test_managers_download_the_raw_message_as_a_file(world, client):
    raw = raw_mail(subject="<script>alert(1)</script>", body="<b>x</b>")
    row = InboundMessage.objects.create(raw=raw, size_bytes=len(raw))
    client.force_login(ManagerFactory(username="m1"))
    response = client.get(f"/admin/mail/inboundmessage/{row.pk}/raw/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content == raw
    detail = client.get(f"/admin/mail/inboundmessage/{row.pk}/change/")
    assert detail.status_code == 200
    assert b"<script>alert(1)</script>" not in detail.content


@pytest.mark.parametrize("admin_flag", [True, False])
def test_a_technician_cannot_download_the_raw(world, client, admin_flag):
    row = InboundMessage.objects.create(raw=b"x", size_bytes=1)
    tech = TechnicianFactory(username="t9", is_staff=admin_flag)
    client.force_login(tech)
    response = client.get(f"/admin/mail/inboundmessage/{row.pk}/raw/")
    assert response.status_code in (302, 403)
    assert response.content != b"x"
