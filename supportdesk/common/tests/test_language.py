"""Greek by default, English on request (every user-facing string is translatable)."""

import pytest
from django.conf import settings
from django.test import Client


@pytest.mark.django_db
def test_greek_is_served_even_to_an_english_browser():
    response = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="el"' in response.content.decode()
    assert "Σύνδεση" in response.content.decode()


@pytest.mark.django_db
def test_english_once_chosen_with_the_switch():
    client = Client()
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert switched.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in html
    assert "Log in" in html
