"""Issue 11 hardening: the password change throttled like the login, the reset link on the
configured site URL (docs/security.md #13, #14, #53)."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from supportdesk.accounts.tests.factories import PASSWORD, TechnicianFactory

NEW = "a-much-better-passphrase-2026"


def _change(client, old, ip="10.0.0.9"):
    return client.post(reverse("password_change"),
                       {"old_password": old, "new_password1": NEW, "new_password2": NEW},
                       REMOTE_ADDR=ip)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/password_change/", "/admin/password_change/"])
def test_ten_wrong_current_passwords_lock_the_password_change(url):
    user = TechnicianFactory(username="stolen-session")
    client = Client()
    client.force_login(user)
    answers = [client.post(url, {"old_password": f"guess-{n}", "new_password1": NEW,
                                 "new_password2": NEW}, REMOTE_ADDR="10.0.0.9").status_code
               for n in range(10)]
    # wrong answers re-show the form until the limit (5), then the lockout answer
    assert answers[:4] == [200] * 4
    assert set(answers[5:]) <= {403, 429}
    # even the right current password is refused while locked, with axes' message
    response = client.post(url, {"old_password": PASSWORD, "new_password1": NEW,
                                 "new_password2": NEW}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code in (403, 429)
    # (in the site's language: Greek in the test settings, supportdesk/locale_vendor)
    assert "Ο λογαριασμός κλειδώθηκε" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not user.check_password(NEW)


@pytest.mark.django_db
def test_the_right_current_password_still_changes_it():
    user = TechnicianFactory(username="owner")
    client = Client()
    client.force_login(user)
    assert _change(client, "wrong").status_code == 200
    response = _change(client, PASSWORD)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW)


@pytest.mark.django_db
def test_the_reset_link_uses_the_site_url_not_the_host_header(
        settings, django_capture_on_commit_callbacks):
    settings.SUPPORTDESK_SITE_URL = "https://desk.jewelsoft.example"
    user = TechnicianFactory(username="anna", email="anna@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(reverse("password_reset"), {"email": user.email},
                                 HTTP_HOST="127.0.0.1:31337")
    assert response.status_code == 302
    body = mail.outbox[0].body
    assert "31337" not in body
    assert re.search(r"https://desk\.jewelsoft\.example/accounts/reset/\S+/", body)
