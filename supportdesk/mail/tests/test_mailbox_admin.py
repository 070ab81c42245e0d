"""Support mailboxes in the admin: managers configure them, the password is write-only and
encrypted at rest (not in a database dump), the list shows each mailbox's last poll and
last error; the periodic job is on the schedule."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from config.celery import BEAT_JOBS
from supportdesk.accounts.tests.factories import ManagerFactory, TechnicianFactory
from supportdesk.mail.crypto import SecretUnreadable, secret_decrypt, secret_encrypt
from supportdesk.mail.models import Mailbox

SECRET = "Kωδικός-του-γραμματοκιβωτίου-42!"

FORM = {"name": "Υποστήριξη", "is_active": "on", "host": "imap.example.gr", "port": "993",
        "security": "tls", "folder": "INBOX", "username": "support@example.gr",
        "processed_action": "move", "processed_folder": "Processed",
        "processed_keyword": "$SupportdeskFiled"}


@pytest.fixture
def manager_client(client, db):
    client.force_login(ManagerFactory(username="boss"))
    return client


def test_a_manager_adds_a_mailbox_and_the_password_is_stored_encrypted(manager_client):
    response = manager_client.post("/admin/mail/mailbox/add/", {**FORM, "password": SECRET})
    assert response.status_code == 302, response.content[:2000]
    mailbox = Mailbox.objects.get()
    assert SECRET not in mailbox.password_encrypted
    assert mailbox.password_encrypted.startswith("gAAAA")  # a Fernet token
    assert mailbox.get_password() == SECRET
    # A database dump holds the token only
    out = io.StringIO()
    call_command("dumpdata", "mail.mailbox", stdout=out)
    assert SECRET not in out.getvalue() and mailbox.password_encrypted in out.getvalue()
    # The form never shows it again, and an empty field keeps it
    page = manager_client.get(f"/admin/mail/mailbox/{mailbox.pk}/change/")
    assert SECRET.encode() not in page.content
    assert mailbox.password_encrypted.encode() not in page.content
    response = manager_client.post(f"/admin/mail/mailbox/{mailbox.pk}/change/",
                                   {**FORM, "password": "", "folder": "Support"})
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert mailbox.folder == "Support" and mailbox.get_password() == SECRET


def test_a_new_mailbox_needs_a_password_and_plain_imap_only_on_loopback(manager_client):
    response = manager_client.post("/admin/mail/mailbox/add/", {**FORM, "password": ""})
    assert response.status_code == 200 and not Mailbox.objects.exists()
    response = manager_client.post("/admin/mail/mailbox/add/",
                                   {**FORM, "password": "x", "security": "none", "port": "143"})
    assert response.status_code == 200 and not Mailbox.objects.exists()
    assert "127.0.0.1" in response.content.decode()
    response = manager_client.post("/admin/mail/mailbox/add/",
                                   {**FORM, "password": "x", "processed_folder": "INBOX"})
    assert response.status_code == 200 and not Mailbox.objects.exists()
    response = manager_client.post("/admin/mail/mailbox/add/", {
        **FORM, "password": "x", "processed_action": "flag",
        "processed_keyword": "two words"})
    assert response.status_code == 200 and not Mailbox.objects.exists()
    response = manager_client.post("/admin/mail/mailbox/add/", {
        **FORM, "password": "x", "processed_action": "flag", "processed_folder": ""})
    assert response.status_code == 302 and Mailbox.objects.get().processed_keyword == (
        "$SupportdeskFiled")


def test_the_list_shows_the_last_poll_and_the_last_error(manager_client):
    now = timezone.now()
    Mailbox.objects.create(name="ok-box", host="h", username="u", last_polled_at=now,
                           last_success_at=now)
    Mailbox.objects.create(name="bad-box", host="h", username="u", last_polled_at=now,
                           last_success_at=now - timedelta(hours=2),
                           last_error="LoginError: [AUTHENTICATIONFAILED] Authentication "
                                      "failed.", last_error_at=now)
    page = manager_client.get("/admin/mail/mailbox/").content.decode()
    assert "AUTHENTICATIONFAILED" in page
    assert "failing" in page or "αποτυγχάνει" in page


def test_a_technician_does_not_see_the_mailboxes(client, db):
    Mailbox.objects.create(name="box", host="h", username="u",
                           password_encrypted=secret_encrypt("p"))
    client.force_login(TechnicianFactory(username="t1", is_staff=True))
    assert client.get("/admin/mail/mailbox/").status_code in (302, 403)


def test_the_key_comes_from_mail_secret_key_or_else_secret_key(settings):
    settings.MAIL_SECRET_KEY = ""
    token = secret_encrypt("p")
    settings.MAIL_SECRET_KEY = settings.SECRET_KEY  # the same material: the same key
    assert secret_decrypt(token) == "p"
    settings.MAIL_SECRET_KEY = "a-separate-key"
    with pytest.raises(SecretUnreadable):
        secret_decrypt(token)
    token2 = secret_encrypt("p")
    assert token2 != token and secret_decrypt(token2) == "p"
    settings.SECRET_KEY = "rotated"  # MAIL_SECRET_KEY set: SECRET_KEY no longer matters
    assert secret_decrypt(token2) == "p"


def test_the_poll_runs_every_minute():
    job = BEAT_JOBS["mail-poll"]
    assert job.path == "supportdesk.mail.tasks.mail_poll_task" and job.every_seconds == 60
