"""Articles keep every revision; a stale editor cannot overwrite a newer one; links and
deflections count once; the minutes saved are valued by the rules engine at the
customer's tariff (docs/knowledge.md "Minutes saved")."""

import datetime as dt
from decimal import Decimal

import pytest

from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.tests.helpers import at
from supportdesk.knowledge.models import ArticleRevision, Deflection, MinutesEstimate
from supportdesk.knowledge.selectors import DEFAULT_MINUTES, minutes_estimate_for
from supportdesk.knowledge.services import (
    ARTICLE_CHANGED_MEANWHILE,
    article_create,
    article_link_ticket,
    article_update,
    deflection_record,
)
from supportdesk.tickets.services import ticket_create
from supportdesk.worklog.services.entries import work_entry_create

pytestmark = pytest.mark.django_db
TOKEN = "intake-0123456789abcdef"


def test_every_save_is_a_revision_with_its_author(kb, technician, manager):
    article = kb["published"]
    article_update(article=article, by=manager, title_el="Νέος τίτλος", expected_revision=1)
    article.refresh_from_db()
    assert article.revision == 2
    revisions = list(ArticleRevision.objects.filter(article=article).order_by("number"))
    assert [(r.number, r.author, r.title_el) for r in revisions] == [
        (1, technician, "Ο ΕΚΤΥΠΩΤΉΣ ΔΕΝ ΤΥΠΏΝΕΙ"), (2, manager, "Νέος τίτλος")]
    assert article.search_title.startswith("νεοσ τιτλοσ")


def test_a_save_over_a_newer_revision_is_refused_and_changes_nothing(kb, technician):
    article = kb["published"]
    article_update(article=article, by=technician, body_el="Πρώτη αλλαγή.",
                   expected_revision=1)
    with pytest.raises(ApplicationError) as refused:
        article_update(article=article, by=technician, body_el="Παλιά σελίδα.",
                       expected_revision=1)
    assert refused.value.message == ARTICLE_CHANGED_MEANWHILE
    article.refresh_from_db()
    assert article.body_el == "Πρώτη αλλαγή." and article.revision == 2


@pytest.mark.parametrize(("changes", "code"), [
    ({"title_el": "  "}, "title_required"),
    ({"body_el": ""}, "body_required"),
    ({"visibility": "everyone"}, "invalid_visibility"),
    ({"category": "nonsense"}, "invalid_category"),
    ({"product": None, "entitled_only": True}, "entitled_needs_product"),
])
def test_bad_input_is_refused_with_its_reason(kb, technician, changes, code):
    fields = {"title_el": "Τίτλος", "body_el": "Κείμενο", "visibility": "draft", **changes}
    with pytest.raises(ApplicationError) as refused:
        article_create(by=technician, **fields)
    assert refused.value.code == code


def test_customers_cannot_write_articles(kb, customer_a):
    with pytest.raises(ApplicationError):
        article_create(by=customer_a, title_el="x", body_el="y")


def test_linking_a_request_twice_is_one_link(kb, technician, org_a):
    ticket = ticket_create(customer=org_a, subject="Εκτυπωτής", received_via="phone",
                           by=technician)
    first = article_link_ticket(article=kb["published"], ticket=ticket, by=technician)
    again = article_link_ticket(article=kb["published"], ticket=ticket, by=technician)
    assert first.pk == again.pk


def test_a_double_click_on_solved_counts_once(kb, customer_b):
    first, created = deflection_record(user=customer_b, token=TOKEN,
                                       article_id=kb["published"].pk)
    again, created_again = deflection_record(user=customer_b, token=TOKEN,
                                             article_id=kb["published"].pk)
    assert created and not created_again and first.pk == again.pk
    assert Deflection.objects.count() == 1


def test_a_free_customer_saves_a_phone_call_at_its_rate(kb, customer_b):
    # given no work logged yet: the default length; Free pays 50 €/h by phone (§4)
    deflection, _ = deflection_record(user=customer_b, token=TOKEN,
                                      article_id=kb["published"].pk)
    assert deflection.minutes_saved == DEFAULT_MINUTES
    assert deflection.value_amount == Decimal("12.50")


def test_included_phone_support_saves_minutes_worth_nothing_to_the_customer(kb, customer_a):
    deflection, _ = deflection_record(user=customer_a, token=TOKEN,
                                      article_id=kb["published"].pk)
    assert deflection.minutes_saved == DEFAULT_MINUTES
    assert deflection.value_amount == Decimal("0.00")  # Basic: phone included


def test_the_minutes_come_from_the_work_logged_or_a_managers_figure(kb, technician, org_a):
    for day, minutes in ((6, 20), (7, 40)):
        ticket = ticket_create(customer=org_a, subject="Λάθος", received_via="phone",
                               received_at=at(2026, 10, 5, 10), by=technician)
        start = at(2026, 10, day, 11)
        work_entry_create(ticket=ticket, technician=technician, channel="phone",
                          started_at=start, ended_at=start + dt.timedelta(minutes=minutes),
                          by=technician)
    assert minutes_estimate_for("program_fault") == 30
    assert minutes_estimate_for("training") == DEFAULT_MINUTES
    MinutesEstimate.objects.create(category="program_fault", minutes=12)
    assert minutes_estimate_for("program_fault") == 12


def test_a_malformed_token_is_refused(kb, customer_b):
    with pytest.raises(ApplicationError):
        deflection_record(user=customer_b, token="<x>", article_id=kb["published"].pk)
    assert Deflection.objects.count() == 0
