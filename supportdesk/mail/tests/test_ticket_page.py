"""The ticket page shows an e-mailed reply without its quoted history, with the full text
one click away (``<details>``), in Greek and English."""

import pytest
from django.conf import settings
from django.urls import reverse

from supportdesk.mail.services import mail_ingest
from supportdesk.notifications.tokens import subject_token

from .factories import raw_mail

BODY = ("Τώρα δουλεύει.\n\nΣτις Τρί, 2 Δεκ 2026 στις 09:15, ο/η Jewelsoft "
        "<support@jewelsoft.example> έγραψε:\n> Δοκιμάστε <b>τώρα</b>.\n")


@pytest.mark.parametrize(("language", "summary"), [
    ("el", "Εμφάνιση πλήρους μηνύματος"), ("en", "Show full message")])
def test_the_clean_reply_and_the_full_message_one_click_away(world, client, language,
                                                              summary):
    t1 = world["t1"]
    row = mail_ingest(raw_mail(subject=f"Απ: {subject_token(t1.pk)}", body=BODY))
    assert row.status == "appended"
    client.force_login(world["tech"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("desk:ticket", args=[t1.pk])).content.decode()
    article = page.split("Τώρα δουλεύει.", 1)[1].split("</article>", 1)[0]
    assert f"<summary>{summary}</summary>" in article
    assert "έγραψε:" in article
    assert "&lt;b&gt;τώρα&lt;/b&gt;" in article and "<b>τώρα</b>" not in page  # escaped


def test_a_request_opened_by_a_reply_to_a_closed_one_shows_its_full_text(world, client):
    t3 = world["t3"]
    row = mail_ingest(raw_mail(subject=f"Re: {subject_token(t3.pk)}", body=BODY))
    assert row.status == "created" and row.body_trimmed
    client.force_login(world["tech"])
    page = client.get(reverse("desk:ticket", args=[row.ticket.pk])).content.decode()
    assert 'class="mail-full"' in page and "έγραψε:" in page


def test_nothing_extra_when_nothing_was_cut(world, client):
    t1 = world["t1"]
    mail_ingest(raw_mail(subject=f"Απ: {subject_token(t1.pk)}", body="Μόνο αυτό."))
    client.force_login(world["tech"])
    page = client.get(reverse("desk:ticket", args=[t1.pk])).content.decode()
    assert "Μόνο αυτό." in page and 'class="mail-full"' not in page
