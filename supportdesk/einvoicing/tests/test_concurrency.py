"""Registered once whatever the workers do: two sending the same statement at once, or
one taking over from a worker killed mid-send (docs/einvoicing.md "Hand-off")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from supportdesk.billing.models import Statement
from supportdesk.common import retry
from supportdesk.common.tests.helpers import in_threads
from supportdesk.einvoicing import handoff, services
from supportdesk.einvoicing.documents import schemas
from supportdesk.einvoicing.models import Submission
from supportdesk.einvoicing.sending import submission_send

pytestmark = pytest.mark.skipif(bool(schemas.schema_problems("mydata")),
                                reason="the official myDATA schema files are not laid out")


@pytest.fixture
def not_at_issue(settings, monkeypatch):
    """Nothing is handed over at a (real) commit, neither the fixtures' statements nor the
    queued ones: the test's workers do it."""
    settings.SUPPORTDESK_EINVOICE_AUTO_SEND = False
    monkeypatch.setattr(services, "send_soon", lambda ids: None)


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_statement_register_it_once(not_at_issue, stand_in,
                                                                statement):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    # given: one due submission and a provider slow enough that the workers overlap
    services.submissions_queue(statement_ids=[statement.pk])
    submission = Submission.objects.get(statement=statement)
    stand_in.latency = 0.3
    # when
    results = in_threads(2, lambda i: submission_send(submission_id=submission.pk))
    # then
    assert sorted(results) == ["registered", "skipped"], results
    assert stand_in.registrations == 1 and len(stand_in.sends()) == 1
    statement.refresh_from_db()
    assert statement.einvoice_status == Statement.EinvoiceStatus.REGISTERED


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_four_sweeps_at_once_register_each_statement_once(not_at_issue, stand_in, statements):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    from supportdesk.einvoicing.sending import submissions_send_due  # noqa: PLC0415

    services.submissions_queue(statement_ids=[s.pk for s in statements])
    stand_in.latency = 0.2
    results = in_threads(4, lambda i: submissions_send_due())
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.get("registered", 0) for r in results) == 3
    assert stand_in.registrations == 3 and len(stand_in.sends()) == 3


@pytest.mark.django_db
def test_a_worker_killed_mid_send_is_taken_over_and_the_statement_registered_once(
        stand_in, statement):
    # given: a worker claimed it and sent it (the provider registered it), then was killed
    # before it wrote anything down
    services.submissions_queue(statement_ids=[statement.pk])
    submission = Submission.objects.get(statement=statement)
    from supportdesk.einvoicing import documents  # noqa: PLC0415

    body = documents.render(documents.draft_for_statement(statement), "mydata")
    first = handoff.adapter().send(body, key=str(submission.idempotency_key),
                                   payload_format="mydata")
    killed_at = timezone.now() - retry.STALE_SENDING - timedelta(minutes=1)
    Submission.objects.filter(pk=submission.pk).update(sending_since=killed_at,
                                                       next_attempt_at=killed_at)
    # when: the sweep finds the stale claim
    assert submission_send(submission_id=submission.pk) == "registered"
    # then: the provider's first registration, not a second one
    statement.refresh_from_db()
    assert statement.mark == first.mark
    assert stand_in.registrations == 1
    assert Submission.objects.get(pk=submission.pk).sending_since is None


@pytest.mark.django_db
def test_a_live_claim_is_not_taken_over(stand_in, statement):
    services.submissions_queue(statement_ids=[statement.pk])
    submission = Submission.objects.get(statement=statement)
    Submission.objects.filter(pk=submission.pk).update(sending_since=timezone.now())
    assert submission_send(submission_id=submission.pk) == "skipped"
    assert stand_in.received == []
