"""§10: out-of-scope work needs a separate agreement: the customer accepts or declines the
vendor's quote on its request's page, once.

That another company's quotes are neither shown nor decidable is checked in
tests/security/test_tenancy.py (docs/security.md #1, #3)."""

import pytest
from django.utils import translation

from supportdesk.agreements.models import Quote
from supportdesk.agreements.services import QUOTE_NOT_PROPOSED
from supportdesk.common.tests.helpers import page_form_token

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _token(client, quote) -> str:
    return page_form_token(client, f"/portal/requests/{quote.ticket_id}/")


def _decide(client, quote, decision, token=None):
    return client.post(f"/portal/quotes/{quote.pk}/decide/",
                       {"decision": decision, "form_token": token or _token(client, quote)},
                       follow=True)


def test_customer_accepts_its_own_quote_in_the_portal(own_quote, own_request, customer_a,
                                                      portal_client):
    # Moved from tests/security/test_tenancy.py (that the other company's quote is not on
    # the page stays there, as test_ticket_page_never_shows_another_companys_quotes).
    page = portal_client.get(f"/portal/requests/{own_request.pk}/").content.decode()
    assert "Καθαρισμός ιών a" in page
    response = portal_client.post(f"/portal/quotes/{own_quote.pk}/decide/",
                                  {"decision": "accept",
                                   "form_token": _token(portal_client, own_quote)})
    assert response.status_code == 302
    quote = Quote.objects.get(pk=own_quote.pk)
    assert quote.status == Quote.Status.ACCEPTED
    assert quote.decided_by_id == customer_a.pk


def test_request_page_offers_accept_and_decline_while_the_quote_is_proposed(
        own_quote, own_request, portal_client):
    page = portal_client.get(f"/portal/requests/{own_request.pk}/").content.decode()
    assert f'action="/portal/quotes/{own_quote.pk}/decide/"' in page
    assert 'name="decision" value="accept"' in page
    assert 'name="decision" value="decline"' in page
    assert "120,00 €" in page


def test_accepting_confirms_and_takes_the_buttons_away(own_quote, own_request, portal_client):
    response = _decide(portal_client, own_quote, "accept")
    assert response.redirect_chain[-1][0] == f"/portal/requests/{own_request.pk}/"
    assert "Η προσφορά έγινε δεκτή: προχωράμε με την εργασία." in _messages(response)
    assert f'action="/portal/quotes/{own_quote.pk}/decide/"' not in response.content.decode()


def test_customer_declines_its_own_quote(own_quote, customer_a, portal_client):
    response = _decide(portal_client, own_quote, "decline")
    quote = Quote.objects.get(pk=own_quote.pk)
    assert quote.status == Quote.Status.DECLINED
    assert quote.decided_by_id == customer_a.pk
    assert quote.decided_at is not None
    assert "Η προσφορά απορρίφθηκε." in _messages(response)


@pytest.mark.parametrize(("first", "second"), [
    ("accept", "accept"), ("accept", "decline"), ("decline", "accept"), ("decline", "decline"),
])
def test_a_second_click_changes_nothing(own_quote, portal_client, first, second):
    # given the request page open in two tabs, and the quote decided in the first
    first_tab, second_tab = _token(portal_client, own_quote), _token(portal_client, own_quote)
    _decide(portal_client, own_quote, first, token=first_tab)
    decided = Quote.objects.get(pk=own_quote.pk)
    # when the form of the second tab is posted too (the same tab again is a replay, see
    # test_quote_form_token.py)
    response = _decide(portal_client, own_quote, second, token=second_tab)
    # then the first decision stands, untouched, and the customer is told why
    again = Quote.objects.get(pk=own_quote.pk)
    assert (again.status, again.decided_at, again.decided_by_id, again.updated_at) == (
        decided.status, decided.decided_at, decided.decided_by_id, decided.updated_at)
    with translation.override("el"):
        assert str(QUOTE_NOT_PROPOSED) in _messages(response)
    assert again.history.count() == decided.history.count()


def test_a_bad_decision_changes_nothing(own_quote, customer_a, portal_client):
    # Moved from tests/security/test_tenancy.py.
    portal_client.post(f"/portal/quotes/{own_quote.pk}/decide/",
                       {"decision": "maybe", "form_token": _token(portal_client, own_quote)})
    assert Quote.objects.get(pk=own_quote.pk).status == Quote.Status.PROPOSED


def test_a_bad_decision_says_what_to_choose(own_quote, portal_client):
    response = _decide(portal_client, own_quote, "maybe")
    assert "Επιλέξτε αποδοχή ή απόρριψη της προσφοράς." in _messages(response)
    assert Quote.objects.get(pk=own_quote.pk).decided_at is None


def test_deciding_needs_a_post(own_quote, portal_client):
    response = portal_client.get(f"/portal/quotes/{own_quote.pk}/decide/?decision=accept")
    assert response.status_code == 405
    assert Quote.objects.get(pk=own_quote.pk).status == Quote.Status.PROPOSED
