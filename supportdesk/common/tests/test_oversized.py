"""Issue 14, "Errors that keep the work": oversized or blank input re-shows the form with a
message saying the limit and the text as typed, on the staff intake, the staff reply, the
portal's new request and the portal reply; also above DATA_UPLOAD_MAX_MEMORY_SIZE, where
Django alone answers a bare 400 (supportdesk/common/oversized.py)."""

import pytest
from django.test import Client
from django.urls import reverse

from supportdesk.portal.forms import ReplyForm
from supportdesk.tickets.models import Message, Ticket

#: Above DATA_UPLOAD_MAX_MEMORY_SIZE (2 MB): the body Django itself would refuse.
TEN_MB = "α" * (5 * 1024 * 1024)  # 5 M Greek letters = 10 MB of UTF-8


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _limit_said(page: str, limit: int) -> bool:
    return f"{limit:,}".replace(",", ".") in page or str(limit) in page


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["λ" * 50_001, TEN_MB], ids=["over-the-field", "10-MB"])
def test_staff_intake_keeps_an_oversized_description_and_says_the_limit(config, org_a, technician,
                                                                          body):
    # when a technician records a call with a description over the limit
    response = _client(technician).post(reverse("desk:ticket_new"), {
        "customer": org_a.pk, "subject": "Η ταμειακή δεν τυπώνει", "body": body,
        "received_via": "phone", "category": "program_fault", "priority": "normal"})
    # then the form is back, saying the limit, with the subject and the text as typed
    page = response.content.decode()
    assert response.status_code == 400
    assert _limit_said(page, 50_000)
    assert "Η ταμειακή δεν τυπώνει" in page
    assert body in page
    assert not Ticket.objects.filter(subject="Η ταμειακή δεν τυπώνει").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["   \n\t  ", "λ" * 50_001, TEN_MB],
                         ids=["whitespace", "over-the-field", "10-MB"])
def test_staff_reply_refused_re_shows_the_ticket_with_the_reason_and_the_text(ticket_a, technician,
                                                                              body):
    # when a technician sends a blank or oversized reply
    response = _client(technician).post(reverse("desk:ticket_reply", args=[ticket_a.pk]),
                                        {"body": body})
    # then the ticket page is shown again with the reason, the text kept, nothing sent
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_body"' in page
    assert body.strip() == "" or body in page
    assert 'class="msg msg-error"' in page
    assert not Message.objects.filter(ticket=ticket_a).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["λ" * 30_000, TEN_MB], ids=["30000-characters", "10-MB"])
def test_portal_request_over_the_limit_is_refused_with_the_limit_never_cut(config, customer_a,
                                                                           body):
    # when a customer sends a description over 20,000 characters
    response = _client(customer_a).post(reverse("portal:ticket_new"), {
        "category": "program_fault", "subject": "Αργεί το πρόγραμμα", "body": body})
    # then nothing is filed and the form says the limit, with the whole text as typed
    page = response.content.decode()
    assert response.status_code == 200
    assert _limit_said(page, 20_000)
    assert body in page
    assert not Ticket.objects.filter(subject="Αργεί το πρόγραμμα").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["  \n ", "λ" * 30_000], ids=["whitespace", "30000-characters"])
def test_portal_reply_refused_stays_on_the_request_with_the_reason_and_the_text(ticket_a,
                                                                                customer_a, body):
    response = _client(customer_a).post(reverse("portal:ticket_reply", args=[ticket_a.pk]),
                                        {"body": body})
    page = response.content.decode()
    assert response.status_code == 400
    assert ticket_a.subject in page
    assert 'role="alert"' in page or 'class="msg msg-error"' in page
    assert body.strip() == "" or (body in page and _limit_said(page, 20_000))
    assert not Message.objects.filter(ticket=ticket_a).exists()


def test_long_texts_have_a_counter_and_no_maxlength_that_would_cut_them():
    html = str(ReplyForm()["body"])
    assert "maxlength" not in html
    assert 'data-max-chars="20000"' in html


@pytest.mark.django_db
def test_an_anonymous_oversized_post_still_gets_the_plain_400_page():
    response = Client().post(reverse("login"), {"username": "x", "password": TEN_MB})
    assert response.status_code == 400
    assert "Το αίτημα δεν μπόρεσε να διαβαστεί" in response.content.decode()
