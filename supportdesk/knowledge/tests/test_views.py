"""The pages and endpoints: staff write and search, the reply box's search and its include
(rendered on its own), the portal's suggestions and "this solved it", the dashboard card,
and XSS payloads in titles and texts inert everywhere (docs/security.md #9)."""

import re

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from supportdesk.knowledge.models import Article, ArticleTicketLink, Deflection, Suggestion
from supportdesk.knowledge.selectors import minutes_estimate_for
from supportdesk.knowledge.services import article_create, article_link_ticket
from supportdesk.tickets.services import ticket_create
from tests.security.test_xss import PAYLOADS, active_content

pytestmark = pytest.mark.django_db
TOKEN = "intake-0123456789abcdef"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_write_an_article_and_see_its_history(kb, technician):
    client = _client(technician)
    response = client.post("/desk/kb/new/", {
        "title_el": "Ρύθμιση ΦΗΜ", "body_el": "1. Ανοίξτε τις ρυθμίσεις\n2. Επιλέξτε ΦΗΜ",
        "visibility": "staff", "category": "", "revision": ""})
    article = Article.objects.get(title_el="Ρύθμιση ΦΗΜ")
    assert response.status_code == 302
    response = client.post(f"/desk/kb/{article.pk}/edit/", {
        "title_el": "Ρύθμιση ΦΗΜ", "body_el": "Νέα βήματα", "visibility": "customers",
        "category": "how_to", "revision": "1"})
    assert response.status_code == 302
    history = client.get(f"/desk/kb/{article.pk}/history/").content.decode()
    assert f"/desk/kb/{article.pk}/history/1/" in history
    old = client.get(f"/desk/kb/{article.pk}/history/1/").content.decode()
    assert "Ανοίξτε τις ρυθμίσεις" in old
    assert "<ol>" in old  # rendered Markdown


def test_a_refused_save_keeps_what_was_typed(kb, technician):
    response = _client(technician).post("/desk/kb/new/", {
        "title_el": "Κράτα με", "body_el": "", "visibility": "draft"})
    assert response.status_code == 400
    assert "Κράτα με" in response.content.decode()
    assert not Article.objects.filter(title_el="Κράτα με").exists()


def test_the_staff_search_json_offers_link_and_text_but_never_drafts(kb, technician,
                                                                     settings):
    settings.SUPPORTDESK_SITE_URL = "https://desk.example"
    data = _client(technician).get("/desk/kb/search.json",
                                   {"q": "ΕΚΤΥΠΩΤΗΣ", "lang": "en"},
                                   HTTP_HOST="localhost").json()["results"]
    ids = {row["id"] for row in data}
    assert kb["draft"].pk not in ids and {kb["published"].pk, kb["staff"].pk} <= ids
    row = next(r for r in data if r["id"] == kb["published"].pk)
    assert row["link"] == f"https://desk.example/portal/kb/{kb['published'].pk}/"
    assert row["title"] == "The printer does not print"
    assert "**οδηγό**" in row["text"]  # the Markdown as a plain-text reply
    staff = next(r for r in data if r["id"] == kb["staff"].pk)
    assert staff["link"] == ""  # nothing for a customer to open


def test_the_reply_include_renders_on_its_own(kb, technician, org_a):
    ticket = ticket_create(customer=org_a, subject="x", received_via="phone", by=technician)
    request = RequestFactory().get("/")
    request.user = technician
    html = render_to_string("knowledge/desk/_reply_articles.html",
                            {"reply_field": "id_body", "ticket": ticket}, request=request)
    assert 'data-search-url="/desk/kb/search.json"' in html
    assert 'data-target="id_body"' in html and f'data-ticket="{ticket.pk}"' in html
    assert "knowledge/reply_articles.js" in html
    assert active_content(html) == []


def test_linking_from_the_reply_box_answers_json(kb, technician, org_a):
    ticket = ticket_create(customer=org_a, subject="x", received_via="phone", by=technician)
    response = _client(technician).post(f"/desk/kb/{kb['published'].pk}/link/",
                                        {"ticket": ticket.pk},
                                        HTTP_ACCEPT="application/json")
    assert response.json()["ok"] is True
    assert ArticleTicketLink.objects.filter(ticket=ticket, article=kb["published"]).exists()


def test_suggestions_are_counted_once_per_intake_and_solving_redirects_home(kb, customer_b):
    client = _client(customer_b)
    for q in ("εκτυπ", "εκτυπωτης", "εκτυπωτης δεν τυπωνει"):
        client.get("/portal/kb/suggest/", {"token": TOKEN, "product": kb["pos"].pk, "q": q})
    assert Suggestion.objects.filter(article=kb["published"]).count() == 1
    client.get(f"/portal/kb/{kb['published'].pk}/", {"intake": TOKEN})
    assert Suggestion.objects.get(article=kb["published"]).opened_at is not None
    for _click in range(2):
        response = client.post("/portal/kb/solved/", {"token": TOKEN,
                                                      "article": kb["published"].pk},
                               HTTP_ACCEPT="application/json")
        assert response.json() == {"ok": True, "redirect": "/portal/"}
    assert Deflection.objects.count() == 1


def test_the_new_request_form_carries_the_suggestion_panel(kb, customer_a):
    html = _client(customer_a).get("/portal/requests/new/").content.decode()
    assert 'id="kb-suggest"' in html and "knowledge/suggestions.js" in html
    assert re.search(r'data-token="[A-Za-z0-9_-]{20,}"', html)


def test_the_dashboard_counts_shown_opened_and_solved(kb, customer_b, manager):
    client = _client(customer_b)
    client.get("/portal/kb/suggest/", {"token": TOKEN, "product": kb["pos"].pk,
                                       "q": "εκτυπωτης"})
    client.get(f"/portal/kb/{kb['published'].pk}/", {"intake": TOKEN})
    client.post("/portal/kb/solved/", {"token": TOKEN, "article": kb["published"].pk})
    html = _client(manager).get("/desk/dashboard/").content.decode()
    pk = kb["published"].pk
    row = re.search(rf'<td><a href="/desk/kb/{pk}/">[^<]*</a></td><td class="num">(\d+)</td>'
                    r'<td class="num">(\d+)</td><td class="num kb-solved">(\d+)</td>', html)
    assert row and row.groups() == ("1", "1", "1")
    assert "12,50" in html  # 15 minutes by phone at the Free rate


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_titles_and_texts_are_inert(kb, technician, customer_a, manager,
                                                payload):
    article = article_create(by=technician, title_el=f"ΕΚΤΥΠΩΤΉΣ {payload}",
                             body_el=f"Κείμενο {payload} [x](javascript:alert(1))",
                             title_en=f"Printer {payload}", visibility="customers",
                             product=kb["pos"])
    pages = [
        _client(customer_a).get(f"/portal/kb/{article.pk}/"),
        _client(customer_a).get("/portal/kb/", {"q": "εκτυπωτης"}),
        _client(customer_a).get("/portal/kb/"),
        _client(technician).get(f"/desk/kb/{article.pk}/"),
        _client(technician).get("/desk/kb/", {"q": "εκτυπωτης"}),
        _client(technician).get(f"/desk/kb/{article.pk}/history/1/"),
    ]
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert payload not in html
        assert active_content(html) == [], response.request["PATH_INFO"]
    # JSON answers hold the text as text: the page scripts never parse it as HTML
    suggest = _client(customer_a).get("/portal/kb/suggest/", {"token": TOKEN, "q": "εκτυπωτης",
                                                              "product": kb["pos"].pk})
    assert suggest["Content-Type"] == "application/json"


def test_a_manager_sets_the_minutes_of_a_kind_in_the_admin(kb, manager):
    manager.is_superuser = True  # as the demo's manager: the admin's model permissions
    manager.save()
    client = _client(manager)
    response = client.post("/admin/knowledge/minutesestimate/add/",
                           {"category": "how_to", "minutes": "12"})
    assert response.status_code == 302
    assert minutes_estimate_for("how_to") == 12
    assert client.get("/admin/knowledge/article/").status_code == 200
    assert client.get(f"/admin/knowledge/article/{kb['published'].pk}/change/").status_code \
        == 200  # shown read-only


def test_an_unknown_revision_is_404(kb, technician):
    assert _client(technician).get(
        f"/desk/kb/{kb['published'].pk}/history/99/").status_code == 404


def test_the_ticket_page_tag_lists_the_articles_that_solved_it(kb, technician, org_a):
    ticket = ticket_create(customer=org_a, subject="x", received_via="phone", by=technician)
    template = Template("{% load knowledge_tags %}{% ticket_articles ticket %}")
    assert template.render(Context({"ticket": ticket})).strip() == ""
    article_link_ticket(article=kb["published"], ticket=ticket, by=technician)
    html = template.render(Context({"ticket": ticket}))
    assert f'href="/desk/kb/{kb["published"].pk}/"' in html and "ΕΚΤΥΠΩΤΉΣ" in html
