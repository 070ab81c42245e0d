"""Who reads what (docs/knowledge.md "Who reads what"): a draft or a staff-only article never
reaches a customer, whatever the path (page, search, suggestion, file, API); an
entitlement-only article reaches only customers entitled to the product's updates (§4);
an article about a product the company holds no licence for is not shown to it."""

import datetime as dt
import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from supportdesk.api.services import api_token_create
from supportdesk.contracts.models import Contract
from supportdesk.knowledge.models import Deflection
from supportdesk.knowledge.selectors import article_search, articles_for_customer
from supportdesk.knowledge.services import article_file_add
from supportdesk.knowledge.tests.test_files import PNG

pytestmark = pytest.mark.django_db

HIDDEN_FROM_ALL = ("staff", "draft", "other_product")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_selector_gives_each_customer_what_it_may_read(kb, customer_a, customer_b):
    a = set(articles_for_customer(user=customer_a))
    b = set(articles_for_customer(user=customer_b))
    assert a == {kb["published"], kb["entitled"], kb["general"]}
    assert b == {kb["published"], kb["general"]}  # Free: not entitled to updates


def test_staff_and_anonymous_read_nothing_as_customers(kb, technician):
    assert not articles_for_customer(user=technician).exists()
    assert not articles_for_customer(user=AnonymousUser()).exists()


@pytest.mark.parametrize("kind", [*HIDDEN_FROM_ALL, "entitled"])
def test_the_article_page_is_404_for_what_the_customer_may_not_read(kb, customer_b, kind):
    response = _client(customer_b).get(f"/portal/kb/{kb[kind].pk}/")
    assert response.status_code == 404
    assert kb[kind].title_el not in response.content.decode()


def test_the_entitled_customer_reads_the_entitlement_only_article(kb, customer_a):
    response = _client(customer_a).get(f"/portal/kb/{kb['entitled'].pk}/")
    assert response.status_code == 200
    assert "ΕΚΤΥΠΩΤΉΣ μετά την ενημέρωση 26.4" in response.content.decode()


def test_search_pages_show_only_readable_articles(kb, customer_a, customer_b):
    page_a = _client(customer_a).get("/portal/kb/", {"q": "εκτυπωτης"}).content.decode()
    page_b = _client(customer_b).get("/portal/kb/", {"q": "εκτυπωτης"}).content.decode()
    for kind in HIDDEN_FROM_ALL:
        assert f"/portal/kb/{kb[kind].pk}/" not in page_a
        assert f"/portal/kb/{kb[kind].pk}/" not in page_b
    assert f"/portal/kb/{kb['entitled'].pk}/" in page_a
    assert f"/portal/kb/{kb['entitled'].pk}/" not in page_b
    assert f"/portal/kb/{kb['published'].pk}/" in page_b


def test_suggestions_never_offer_what_the_customer_may_not_read(kb, customer_b):
    response = _client(customer_b).get("/portal/kb/suggest/", {
        "token": "t" * 20, "product": kb["pos"].pk, "category": "", "q": "εκτυπωτης ρυθμισεις"})
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {kb["published"].pk}
    # and a product the customer does not hold gives only articles about no product
    response = _client(customer_b).get("/portal/kb/suggest/", {
        "token": "t" * 20, "product": kb["eshop"].pk, "q": "εκτυπωτης"})
    assert {row["id"] for row in response.json()["results"]} <= {kb["general"].pk}


def test_files_of_unreadable_articles_are_404(kb, customer_a, technician):
    staff_file = article_file_add(article=kb["staff"], by=technician,
                                  uploaded_file=SimpleUploadedFile("a.png", PNG))
    public_file = article_file_add(article=kb["published"], by=technician,
                                   uploaded_file=SimpleUploadedFile("b.png", PNG))
    client = _client(customer_a)
    assert client.get(f"/portal/kb/files/{staff_file.uuid}/").status_code == 404
    response = client.get(f"/portal/kb/files/{public_file.uuid}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_solving_with_an_unreadable_article_counts_nothing(kb, customer_b):
    for kind in ("staff", "draft", "entitled"):
        response = _client(customer_b).post("/portal/kb/solved/", {
            "token": "u" * 20, "article": kb[kind].pk})
        assert response.status_code == 404
    assert Deflection.objects.count() == 0


def test_the_api_shows_a_customer_token_only_what_the_portal_shows(kb, customer_b, technician):
    _token, secret = api_token_create(user=customer_b, name="s", scopes=["read"], by=customer_b)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    listed = {row["id"] for row in client.get("/api/v1/articles/", {"q": "εκτυπωτης"}).json()}
    assert listed == {kb["published"].pk}
    everything = {row["id"] for row in client.get("/api/v1/articles/").json()}
    assert everything == {kb["published"].pk, kb["general"].pk}
    for kind in (*HIDDEN_FROM_ALL, "entitled"):
        response = client.get(f"/api/v1/articles/{kb[kind].pk}")
        assert response.status_code == 404
        assert kb[kind].title_el not in response.content.decode()
    detail = client.get(f"/api/v1/articles/{kb['published'].pk}").json()
    assert "<strong>οδηγό</strong>" in detail["html"]
    # staff read every article, drafts included
    _t, staff_secret = api_token_create(user=technician, name="s", scopes=["read"],
                                        by=technician)
    staff = Client(HTTP_AUTHORIZATION=f"Bearer {staff_secret}")
    assert staff.get(f"/api/v1/articles/{kb['draft'].pk}").status_code == 200
    assert json.loads(staff.get("/api/v1/articles/", {"limit": 50}).content)


def test_a_lapsed_entitlement_hides_the_article_again(kb, customer_a):
    Contract.objects.filter(customer=customer_a.customer).update(ends_on=dt.date(2026, 11, 1))
    assert kb["entitled"] not in set(articles_for_customer(user=customer_a))
    assert kb["entitled"].pk not in {h.article.pk for h in article_search(
        qs=articles_for_customer(user=customer_a), query="ενημερωση")}
