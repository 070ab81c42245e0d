"""Authentication attacks (docs/security.md #13, #14, #16)."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from supportdesk.accounts.tests.factories import PASSWORD, TechnicianFactory

LOGIN = "/accounts/login/"


def _login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_account_locks_after_five_failures_and_right_password_is_then_refused():
    # given a technician
    user = TechnicianFactory(username="eleni")
    client = Client()
    # when five wrong passwords are tried from one address
    for _ in range(5):
        _login(client, "eleni", "wrong")
    # then even the right password is refused from that address
    response = _login(client, user.username, PASSWORD)
    assert SESSION_KEY not in client.session
    assert response.status_code in (403, 429)


@pytest.mark.django_db
def test_lockout_is_per_username_and_address_so_the_victim_can_still_log_in_elsewhere():
    user = TechnicianFactory(username="nikos")
    attacker = Client()
    for _ in range(6):
        _login(attacker, "nikos", "wrong", ip="203.0.113.9")
    victim = Client()
    response = _login(victim, user.username, PASSWORD, ip="198.51.100.7")
    assert response.status_code == 302
    assert victim.session[SESSION_KEY] == str(user.pk)


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_lock_at_the_limit_not_beyond():
    # Zammad CVE-2022-35490: parallel attempts slipped past the counter.
    if connection.vendor == "sqlite":
        pytest.skip("parallel writers on one SQLite file are serialised; PostgreSQL case")

    user = TechnicianFactory(username="kostas")

    def attempt(_):
        try:
            return _login(Client(), "kostas", "wrong").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(attempt, range(20)))
    # then the account is locked for that address: the right password does not work
    response = _login(Client(), user.username, PASSWORD)
    assert response.status_code in (403, 429)
    assert AccessAttempt.objects.filter(username="kostas").exists()


@pytest.mark.django_db
def test_same_answer_whether_or_not_the_user_exists():
    TechnicianFactory(username="maria")
    known = _login(Client(), "maria", "wrong", ip="10.1.1.1")
    unknown = _login(Client(), "nobody-here", "wrong", ip="10.1.1.2")
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].errors == unknown.context["form"].errors


@pytest.mark.django_db
def test_session_key_rotates_at_login_and_dies_at_logout():
    user = TechnicianFactory(username="petros")
    client = Client()
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    _login(client, user.username, PASSWORD)
    after = client.session.session_key
    assert before != after
    stolen = Client()
    stolen.cookies["sessionid"] = after
    client.post(reverse("logout"))
    # the old session id no longer authenticates
    response = stolen.get(reverse("desk:queue"))
    assert response.status_code == 302
    assert LOGIN in response["Location"]


@pytest.mark.django_db
def test_password_reset_refuses_a_foreign_host_header(django_capture_on_commit_callbacks):
    TechnicianFactory(username="anna", email="anna@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            reverse("password_reset"), {"email": "anna@example.com"},
            HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert mail.outbox == []


@pytest.mark.django_db
def test_password_reset_answers_the_same_for_unknown_addresses(
        django_capture_on_commit_callbacks):
    TechnicianFactory(username="sofia", email="sofia@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        known = Client().post(reverse("password_reset"), {"email": "sofia@example.com"})
        unknown = Client().post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1
    assert "evil" not in mail.outbox[0].body


@pytest.mark.django_db
def test_reset_mail_goes_through_the_one_sender_after_commit(
        django_capture_on_commit_callbacks):
    # like every mail of ours (notifications.services.email_send): nothing leaves before
    # the transaction commits, and the subject is one line
    user = TechnicianFactory(username="eleni", email="eleni@example.com")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Client().post(reverse("password_reset"), {"email": user.email})
    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert mail.outbox[0].recipients() == [user.email]
    assert "\n" not in mail.outbox[0].subject
    assert "/accounts/reset/" in mail.outbox[0].body


@pytest.mark.django_db
def test_reset_link_is_single_use(django_capture_on_commit_callbacks):
    user = TechnicianFactory(username="dimitra", email="dimitra@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("password_reset"), {"email": user.email})
    # on SUPPORTDESK_SITE_URL, never on the Host header (docs/security.md #14)
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    client = Client()
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    new = "a-much-better-passphrase-2026"
    done = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    # the same link is dead after use
    again = Client().get(link, follow=True)
    assert again.context["validlink"] is False
