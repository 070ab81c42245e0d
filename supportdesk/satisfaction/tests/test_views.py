"""The rating pages (docs/satisfaction.md, docs/security.md #58): the mail's capability link
and the portal's form. Another customer's request or token is 404, a forged or expired
token 404, and none of them changes anything; bad input keeps what was typed."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from supportdesk.satisfaction.models import Rating
from supportdesk.satisfaction.tokens import rate_token
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import ticket_change_status

from .conftest import open_request

pytestmark = pytest.mark.django_db


def _link(ticket, user, **kwargs) -> str:
    return reverse("portal:rate:link", args=[rate_token(ticket_id=ticket.pk, user_id=user.pk,
                                                        **kwargs)])


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ----------------------------------------------------------------------------- the link


def test_the_link_then_a_comment_later(resolved, customer_a):
    client = Client()
    url = _link(resolved, customer_a)
    assert 'id="rating-form"' in client.get(url + "?score=good").content.decode()
    client.post(url, {"action": "rate", "score": "good"})
    page = client.get(url)
    assert page.status_code == 200 and 'id="comment-form"' in page.content.decode()
    client.post(url, {"action": "comment", "comment": "Ευχαριστώ τον Γιώργο"})
    client.post(url, {"action": "comment", "comment": "Δεύτερη φορά"})
    rating = Rating.objects.get()
    assert (rating.score, rating.comment) == ("good", "Ευχαριστώ τον Γιώργο")
    assert 'id="comment-form"' not in client.get(url).content.decode()


@pytest.mark.parametrize("bad", ["forged", "expired", "other_ticket", "malformed"])
def test_a_forged_or_expired_link_is_404_and_changes_nothing(resolved, customer_a, bad):
    good = rate_token(ticket_id=resolved.pk, user_id=customer_a.pk)
    token = {
        "forged": good[:-4] + ("0000" if not good.endswith("0000") else "1111"),
        "expired": rate_token(ticket_id=resolved.pk, user_id=customer_a.pk,
                              now=time.time() - 40 * 86400),
        "other_ticket": f"{resolved.pk + 1}." + good.split(".", 1)[1],
        "malformed": "javascript:alert(1)",
    }[bad]
    url = reverse("portal:rate:link", args=[token])
    client = Client()
    assert client.get(url + "?score=good").status_code == 404
    assert client.post(url, {"action": "rate", "score": "good"}).status_code == 404
    assert not Rating.objects.exists()


def test_another_customers_visitor_or_staff_get_404(resolved, customer_a, customer_b,
                                                    technician):
    url = _link(resolved, customer_a)
    for user in (customer_b, technician):
        client = _signed_in(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "rate", "score": "poor"}).status_code == 404
    assert not Rating.objects.exists()
    # the request's own customer, signed in, may use it
    assert _signed_in(customer_a).post(url, {"action": "rate", "score": "poor"}
                                       ).status_code == 200
    assert Rating.objects.get().score == "poor"


def test_a_rater_who_moved_to_another_customer_is_404(resolved, customer_a, org_b):
    url = _link(resolved, customer_a)
    customer_a.customer = org_b
    customer_a.save()
    assert Client().post(url, {"action": "rate", "score": "good"}).status_code == 404
    assert not Rating.objects.exists()


def test_a_bad_score_keeps_what_was_typed(resolved, customer_a):
    response = Client().post(_link(resolved, customer_a),
                             {"action": "rate", "score": "excellent", "comment": "Κράτα με"})
    assert response.status_code == 400 and "Κράτα με" in response.content.decode()
    assert not Rating.objects.exists()


def test_a_reopened_request_waits_to_be_resolved(resolved, customer_a, technician):
    ticket_change_status(ticket=resolved, status=Ticket.Status.OPEN, by=technician)
    client = Client()
    url = _link(resolved, customer_a)
    assert 'id="rating-form"' not in client.get(url).content.decode()
    assert client.post(url, {"action": "rate", "score": "good"}).status_code == 400
    assert not Rating.objects.exists()


# ----------------------------------------------------------------------------- the portal


def test_the_portal_page_shows_the_form_then_the_rating(resolved, customer_a):
    client = _signed_in(customer_a)
    page = client.get(reverse("portal:ticket", args=[resolved.pk])).content.decode()
    assert reverse("portal:rate:ticket", args=[resolved.pk]) in page and 'value="good"' in page
    response = client.post(reverse("portal:rate:ticket", args=[resolved.pk]),
                           {"score": "good", "comment": "<script>alert(1)</script>Τέλεια"})
    assert response.status_code == 302
    page = client.get(reverse("portal:ticket", args=[resolved.pk])).content.decode()
    assert 'id="rating-given"' in page and "&lt;script&gt;" in page and "<script>alert" not in page
    assert 'name="score"' not in page
    client.post(reverse("portal:rate:ticket", args=[resolved.pk]), {"score": "poor"})
    assert list(Rating.objects.values_list("score", "via")) == [("good", "portal")]


def test_an_open_request_shows_no_form(config, org_a, customer_a, technician):
    ticket = open_request(org_a, customer_a, technician)
    page = _signed_in(customer_a).get(reverse("portal:ticket", args=[ticket.pk]))
    assert reverse("portal:rate:ticket", args=[ticket.pk]) not in page.content.decode()
    response = _signed_in(customer_a).post(reverse("portal:rate:ticket", args=[ticket.pk]),
                                           {"score": "good", "comment": "Νωρίς"})
    assert response.status_code == 400 and "Νωρίς" in response.content.decode()
    assert not Rating.objects.exists()


def test_another_customers_request_is_404_in_the_portal(resolved, customer_b):
    client = _signed_in(customer_b)
    url = reverse("portal:rate:ticket", args=[resolved.pk])
    assert client.post(url, {"score": "poor"}).status_code == 404
    assert client.post(url, {"action": "comment", "comment": "x"}).status_code == 404
    assert not Rating.objects.exists()


def test_the_portal_comment_is_added_once(resolved, customer_a):
    client = _signed_in(customer_a)
    url = reverse("portal:rate:ticket", args=[resolved.pk])
    client.post(url, {"score": "poor"})
    client.post(url, {"action": "comment", "comment": "Χρειάστηκαν τρεις κλήσεις"})
    client.post(url, {"action": "comment", "comment": "Άλλο"})
    assert Rating.objects.get().comment == "Χρειάστηκαν τρεις κλήσεις"


def test_the_portal_form_needs_csrf(resolved, customer_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer_a)
    assert client.post(reverse("portal:rate:ticket", args=[resolved.pk]),
                       {"score": "good"}).status_code == 403
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post(_link(resolved, customer_a),
                          {"action": "rate", "score": "good"}).status_code == 403
    assert not Rating.objects.exists()
