"""The survey mail (docs/satisfaction.md "The mail"): through the notifications, in the
contact's language, threaded on the request, with two links that work."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from supportdesk.accounts.tests.factories import UserFactory
from supportdesk.notifications.tokens import header_token, subject_token
from supportdesk.satisfaction.models import Rating

from .conftest import links_in, open_request, resolve

pytestmark = pytest.mark.django_db


def _survey_mail(to: str):
    found = [m for m in mail.outbox if m.to == [to] and "/portal/rate/link/" in m.body]
    assert len(found) == 1, [m.subject for m in mail.outbox]
    return found[0]


@pytest.mark.parametrize(("language", "subject", "texts"), [
    ("el", "Πώς τα πήγαμε;", ["επιλύθηκε", "Καλή", "Κακή", "30 ημέρες"]),
    ("en", "How did we do?", ["was resolved", "Good", "Poor", "30 days"]),
])
def test_the_survey_mail_in_the_contacts_language(config, org_a, technician, language, subject,
                                                  texts, django_capture_on_commit_callbacks):
    contact = UserFactory(customer=org_a, language=language, email=f"{language}@alfa.gr")
    ticket = open_request(org_a, contact, technician, subject="Η ζυγαριά <δεν> συνδέεται")
    with django_capture_on_commit_callbacks(execute=True):
        resolve(ticket, technician)
    message = _survey_mail(contact.email)
    assert message.subject.startswith(subject_token(ticket.pk))
    assert subject in message.subject and "Η ζυγαριά <δεν> συνδέεται" in message.subject
    for text in texts:
        assert text in message.body
    html = message.alternatives[0][0]
    assert "Η ζυγαριά &lt;δεν&gt; συνδέεται" in html and "<δεν>" not in html
    links = links_in(message.body)
    assert set(links) == {"good", "poor"}
    for link in links.values():
        assert f'href="{settings.SUPPORTDESK_SITE_URL.rstrip("/")}{link}"' in html
    # threaded on the request, answered to the intake, no out-of-office answers
    assert header_token(ticket.pk) in message.extra_headers["References"]
    assert message.extra_headers["X-Auto-Response-Suppress"] == "All"
    assert message.reply_to


def test_the_mails_link_records_the_rating_once(config, org_a, customer_a, technician,
                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        resolve(open_request(org_a, customer_a, technician), technician)
    links = links_in(_survey_mail(customer_a.email).body)
    client = Client()
    page = client.get(links["poor"])
    # A GET (a mail scanner, a link preview) records nothing: it asks to confirm, poor ticked
    assert page.status_code == 200 and not Rating.objects.exists()
    assert re.search(r'<input[^>]*value="poor"[^>]*checked', page.content.decode())
    assert not re.search(r'<input[^>]*value="good"[^>]*checked', page.content.decode())
    path = links["poor"].split("?")[0]
    response = client.post(path, {"action": "rate", "score": "poor",
                                  "comment": "Αργήσατε να απαντήσετε"})
    assert response.status_code == 200
    rating = Rating.objects.get()
    assert (rating.score, rating.comment, rating.via, rating.rated_by) == (
        "poor", "Αργήσατε να απαντήσετε", "mail", customer_a)
    again = client.post(path, {"action": "rate", "score": "good", "comment": "Άλλαξα γνώμη"})
    assert again.status_code == 200
    assert list(Rating.objects.values_list("score", "comment")) == [
        ("poor", "Αργήσατε να απαντήσετε")]
