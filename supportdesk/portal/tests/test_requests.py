"""A customer opens a support request in the portal, reads it and replies (§10: for the
products it licenses). Bad input is a clear message that saves nothing and keeps what was
typed; a request and its attachment are saved together or not at all (docs/security.md #21).

Replies to another company's request are refused in tests/security/test_tenancy.py
(docs/security.md #3)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from supportdesk.catalog.tests.factories import ProductFactory
from supportdesk.customers.tests.factories import LicenceFactory
from supportdesk.tickets.models import Attachment, Message, Ticket
from supportdesk.tickets.services import ticket_change_status, ticket_reply
from supportdesk.tickets.services.lifecycle import REPLY_ON_CLOSED

pytestmark = pytest.mark.django_db

NEW = "/portal/requests/new/"


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _el(text) -> str:
    with translation.override("el"):
        return str(text)


@pytest.fixture
def licensed(org_a, product):
    LicenceFactory(customer=org_a, product=product)
    return product


# --- opening a request --------------------------------------------------------------------

def test_customer_opens_a_request_for_a_licensed_product(frozen_now, config, licensed,
                                                         customer_a, portal_client):
    # when the customer fills in the form
    response = portal_client.post(NEW, {
        "product": licensed.pk, "category": "program_fault", "subject": "Δεν βγάζει Ζ",
        "body": "Η ταμειακή δεν βγάζει Ζ από χθες.",
    }, follow=True)
    # then the request is recorded for its company, as its contact, received by the portal
    ticket = Ticket.objects.get()
    assert (ticket.customer_id, ticket.contact_id, ticket.product_id) == (
        customer_a.customer_id, customer_a.pk, licensed.pk)
    assert ticket.received_via == Ticket.ReceivedVia.PORTAL
    assert ticket.status == Ticket.Status.NEW
    assert ticket.body == "Η ταμειακή δεν βγάζει Ζ από χθες."
    # and the customer lands on its page, told that it was received
    assert response.redirect_chain[-1][0] == f"/portal/requests/{ticket.pk}/"
    assert "Το αίτημα υποστήριξης καταχωρήθηκε." in _messages(response)
    assert "Δεν βγάζει Ζ" in response.content.decode()


def test_the_form_offers_only_products_under_an_active_licence(config, org_a, licensed,
                                                              portal_client):
    lapsed = ProductFactory(name="Παλιό πρόγραμμα")
    LicenceFactory(customer=org_a, product=lapsed, is_active=False)
    ProductFactory(name="Πρόγραμμα χωρίς άδεια")
    retired = ProductFactory(name="Αποσυρμένο πρόγραμμα", is_active=False)
    LicenceFactory(customer=org_a, product=retired)
    choices = portal_client.get(NEW).context["form"].fields["product"].queryset
    assert list(choices) == [licensed]


def test_blank_subject_is_a_clear_message_saves_nothing_and_keeps_the_text(
        config, licensed, portal_client):
    # when the customer sends a description but only spaces as the subject
    response = portal_client.post(NEW, {
        "product": licensed.pk, "category": "greek_display", "subject": "   ",
        "body": "Τα ελληνικά βγαίνουν ερωτηματικά",
    })
    # then the form comes back with the reason beside the subject
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"subject": ["Αυτό το πεδίο είναι απαραίτητο."]}
    html = response.content.decode()
    assert "Αυτό το πεδίο είναι απαραίτητο." in html
    # and what was typed is still there
    assert "Τα ελληνικά βγαίνουν ερωτηματικά</textarea>" in html
    assert '<option value="greek_display" selected>' in html
    assert f'<option value="{licensed.pk}" selected>' in html
    # and nothing was saved
    assert not Ticket.objects.exists()


def test_a_product_it_does_not_license_is_refused(config, licensed, portal_client):
    other = ProductFactory()
    response = portal_client.post(NEW, {
        "product": other.pk, "category": "program_fault", "subject": "Θέμα", "body": "x",
    })
    assert response.status_code == 200
    assert "product" in response.context["form"].errors
    assert 'value="Θέμα"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_refused_attachment_saves_neither_request_nor_file_and_keeps_the_text(
        config, licensed, portal_client):
    # when the request comes with a file type that may not be attached
    response = portal_client.post(NEW, {
        "product": licensed.pk, "category": "program_fault", "subject": "Με συνημμένο",
        "body": "Δείτε το αρχείο",
        "attachment": SimpleUploadedFile("setup.exe", b"MZ\x90\x00 binary",
                                         content_type="application/octet-stream"),
    })
    # then the reason is shown above the form
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1
    assert ".exe" in errors[0]
    html = response.content.decode()
    assert ".exe" in html
    # and the typed text is kept
    assert 'value="Με συνημμένο"' in html
    assert "Δείτε το αρχείο</textarea>" in html
    # and neither the request nor the file was saved (all or nothing)
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()


def test_request_with_an_allowed_attachment_keeps_both(config, licensed, portal_client):
    response = portal_client.post(NEW, {
        "product": licensed.pk, "category": "program_fault", "subject": "Με αρχείο",
        "body": "x",
        "attachment": SimpleUploadedFile("log.txt", b"error 42\n", content_type="text/plain"),
    })
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.ticket_id == ticket.pk
    assert attachment.original_name == "log.txt"
    assert attachment.is_internal is False


# --- reading and replying -----------------------------------------------------------------

def test_request_page_shows_the_conversation(own_request, technician, portal_client):
    ticket_reply(ticket=own_request, body="Δοκιμάστε επανεκκίνηση", by=technician)
    response = portal_client.get(f"/portal/requests/{own_request.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert own_request.reference in html
    assert own_request.subject in html
    assert "Δοκιμάστε επανεκκίνηση" in html
    assert f'action="/portal/requests/{own_request.pk}/reply/"' in html


def test_customer_replies_to_its_request(own_request, customer_a, portal_client):
    # when the customer sends a reply
    response = portal_client.post(f"/portal/requests/{own_request.pk}/reply/",
                                  {"body": "Το δοκίμασα, τίποτα"}, follow=True)
    # then it is stored as a public message of the customer
    message = Message.objects.get(ticket=own_request, author=customer_a)
    assert message.body == "Το δοκίμασα, τίποτα"
    assert message.is_internal is False
    # and the customer is back on the request, which shows it, with a confirmation
    assert response.redirect_chain[-1][0] == f"/portal/requests/{own_request.pk}/"
    assert "Η απάντησή σας στάλθηκε." in _messages(response)
    assert "Το δοκίμασα, τίποτα" in response.content.decode()


def test_reply_to_a_request_waiting_on_the_customer_reopens_it(own_request, technician,
                                                               portal_client):
    ticket_change_status(ticket=own_request, status="waiting_customer", by=technician)
    portal_client.post(f"/portal/requests/{own_request.pk}/reply/", {"body": "Έτοιμο"})
    own_request.refresh_from_db()
    assert own_request.status == Ticket.Status.OPEN


def test_empty_reply_is_refused_beside_the_form_and_saves_nothing(own_request, portal_client):
    before = Message.objects.count()
    response = portal_client.post(f"/portal/requests/{own_request.pk}/reply/", {"body": ""})
    # the request's page again (issue 14: a refused reply keeps its text), with the reason
    assert response.status_code == 400
    assert own_request.subject in response.content.decode()
    assert "Αυτό το πεδίο είναι απαραίτητο." in response.content.decode()
    assert Message.objects.count() == before


def test_closed_request_takes_no_reply(own_request, technician, portal_client):
    # given a closed request
    ticket_change_status(ticket=own_request, status="closed", by=technician)
    page = portal_client.get(f"/portal/requests/{own_request.pk}/").content.decode()
    # then its page offers no reply form
    assert f'action="/portal/requests/{own_request.pk}/reply/"' not in page
    # and a reply posted anyway is refused with the reason, saving nothing
    before = Message.objects.count()
    response = portal_client.post(f"/portal/requests/{own_request.pk}/reply/",
                                  {"body": "Ακόμα χαλασμένο"}, follow=True)
    assert _el(REPLY_ON_CLOSED) in _messages(response)
    assert Message.objects.count() == before
