"""A customer's quote decision sent twice decides once; the repeat shows the first answer
(docs/security.md #41)."""

import re

import pytest
from django.urls import reverse

from supportdesk.agreements.models import Quote
from supportdesk.common import idempotency

pytestmark = pytest.mark.django_db


def test_quote_decision_posted_twice_decides_once_and_shows_the_first(
        portal_client, own_quote, frozen_now):
    page = portal_client.get(reverse("portal:ticket", args=[own_quote.ticket_id]))
    token = re.search(r'name="form_token" value="([^"]+)"', page.content.decode()).group(1)
    url = reverse("portal:quote_decide", args=[own_quote.pk])

    first = portal_client.post(url, {"decision": "accept", "form_token": token}, follow=True)
    # a double click that hit "decline" second: still the first answer, no error
    second = portal_client.post(url, {"decision": "decline", "form_token": token}, follow=True)

    own_quote.refresh_from_db()
    assert own_quote.status == Quote.Status.ACCEPTED
    assert first.redirect_chain[-1][0] == second.redirect_chain[-1][0] == reverse(
        "portal:ticket", args=[own_quote.ticket_id])
    messages = [str(m) for m in second.context["messages"]]
    assert str(idempotency.ALREADY_DONE) in messages
    assert not [m for m in messages if "already decided" in m]
