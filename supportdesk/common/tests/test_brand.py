"""Issue 14: the vendor's brand from settings on every page, e-mail and statement (the PDF
is tested in billing/tests/test_statement_documents.py); a bad colour is refused at startup
by a system check and never written into CSS."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from supportdesk.accounts.tests.factories import UserFactory
from supportdesk.common import brand as branding
from supportdesk.notifications.events import Event
from supportdesk.notifications.services import notify

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63f8ffff3f0005fe02fea7d6a4a10000000049454e44ae426082")


@pytest.fixture
def branded(settings, tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG)
    settings.SUPPORTDESK_BRAND_NAME = "Λάμψη Support"
    settings.SUPPORTDESK_BRAND_LOGO = str(logo)
    settings.SUPPORTDESK_BRAND_COLOR = "#123456"
    settings.SUPPORTDESK_BRAND_ACCENT = "#abc"
    settings.SUPPORTDESK_SITE_URL = "https://desk.example.gr"
    return settings


@pytest.mark.django_db
def test_a_page_shows_the_brand_name_and_logo_and_the_product_in_the_footer(branded):
    page = Client().get(reverse("login")).content.decode()
    header = page.split('<header', 1)[1].split("</header>", 1)[0]
    assert "Λάμψη Support" in header
    assert f'src="{reverse("brand_logo")}"' in header
    assert f'href="{reverse("brand_css")}"' in page
    footer = page.split('<footer', 1)[1]
    assert "supportdesk" in footer
    assert "· Λάμψη Support</title>" in page
    # the logo and the colours are served, as a stylesheet of our origin (CSP style-src 'self')
    logo = Client().get(reverse("brand_logo"))
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    css = Client().get(reverse("brand_css"))
    assert css["Content-Type"].startswith("text/css")
    assert "--brand: #123456; --brand-2: #abc;" in css.content.decode()
    assert 'style="' not in header


@pytest.mark.django_db
def test_a_static_logo_is_linked_as_a_static_file(settings):
    settings.SUPPORTDESK_BRAND_LOGO = "favicon.svg"
    page = Client().get(reverse("login")).content.decode()
    assert 'src="/static/favicon.svg"' in page
    assert Client().get(reverse("brand_logo")).status_code == 404  # not a file path


@pytest.mark.django_db
def test_an_email_carries_the_brand_in_its_html_and_its_text_signature(
        branded, org_a, django_capture_on_commit_callbacks):
    user = UserFactory(customer=org_a)
    with django_capture_on_commit_callbacks(execute=True):
        notify(event=Event.TICKET_RESOLVED, users=[user], key="brand:1",
               template="tickets/notifications/received",
               context={"reference": "#000001", "subject": "Θέμα", "token": "[#000001]",
                        "url": "https://desk.example.gr/portal/"},
               customer_id=org_a.pk)
    [message] = mail.outbox
    assert "\n-- \nΛάμψη Support · " in message.body  # the signature, after "-- "
    html = message.alternatives[0][0]
    assert "Λάμψη Support" in html
    assert 'src="https://desk.example.gr/brand/logo"' in html
    assert "#123456" in html
    assert "supportdesk" in html


@pytest.mark.parametrize("value", ["red", "#12345", "#1234567", "#12345g", "#123;}body{x:y",
                                   "url(x)", "123456"])
def test_a_bad_colour_is_refused_at_startup_and_ignored_in_css(settings, value):
    settings.SUPPORTDESK_BRAND_COLOR = value
    errors = branding.check_brand()
    assert [e.id for e in errors] == ["supportdesk.E001"]
    b = branding.brand()
    assert b.color == branding.DEFAULT_COLOR
    assert value not in branding.brand_css(b)


def test_good_settings_pass_the_check(settings):
    settings.SUPPORTDESK_BRAND_COLOR = "#A1b2C3"
    settings.SUPPORTDESK_BRAND_ACCENT = "#fff"
    settings.SUPPORTDESK_BRAND_LOGO = ""
    assert branding.check_brand() == []


def test_a_logo_of_another_type_is_refused_and_a_missing_one_warned(settings, tmp_path):
    settings.SUPPORTDESK_BRAND_LOGO = str(tmp_path / "logo.gif")
    assert [e.id for e in branding.check_brand()] == ["supportdesk.E002"]
    settings.SUPPORTDESK_BRAND_LOGO = str(tmp_path / "missing.png")
    assert [e.id for e in branding.check_brand()] == ["supportdesk.W001"]
    assert branding.logo_url(branding.brand()) == ""


@pytest.mark.django_db
def test_the_password_reset_mail_is_signed_with_the_brand(branded, org_a,
                                                          django_capture_on_commit_callbacks):
    user = UserFactory(customer=org_a, email="reset@example.gr")
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("password_reset"), {"email": user.email})
    [message] = mail.outbox
    assert "\n-- \nΛάμψη Support · " in message.body
