"""End to end against the provider stand-in on 127.0.0.1: a statement ends registered,
rejected with the provider's error shown, or (after a timeout) retried and registered
exactly once; a statement that fails validation is never sent (docs/einvoicing.md
"Hand-off")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from supportdesk.billing.models import Statement
from supportdesk.billing.services import statement_record_registration, statement_set_mark
from supportdesk.common.exceptions import ApplicationError
from supportdesk.einvoicing import services
from supportdesk.einvoicing.documents import schemas
from supportdesk.einvoicing.models import InvoiceDraft, Submission, SubmissionAttempt
from supportdesk.einvoicing.sending import submission_send, submissions_send_due

from .provider import TOKEN

pytestmark = [
    pytest.mark.django_db,
    # Sendable documents need the official schema files (docs/einvoicing.md).
    pytest.mark.skipif(bool(schemas.schema_problems("mydata")),
                       reason="the official myDATA schema files are not laid out"),
]


def _queue(statement) -> Submission:
    services.submissions_queue(statement_ids=[statement.pk])
    return Submission.objects.get(statement=statement)


def _later(minutes: int = 2):
    return timezone.now() + timedelta(minutes=minutes)


def test_a_statement_is_registered_with_its_mark_uid_and_qr(stand_in, statement):
    # given
    submission = _queue(statement)
    # when
    result = submission_send(submission_id=submission.pk)
    # then
    assert result == "registered"
    statement.refresh_from_db()
    assert statement.einvoice_status == Statement.EinvoiceStatus.REGISTERED
    assert statement.mark == "400001234500001"
    assert statement.einvoice_uid.startswith("00000001")
    assert statement.einvoice_authentication_code == "AUTH000001"
    assert statement.einvoice_qr_url == f"https://provider.example/v/{submission.idempotency_key}"
    # What the provider received is the statement's own document, valid by the same rules.
    (received,) = stand_in.sends()
    assert received.problems == []
    assert received.key == str(submission.idempotency_key)
    assert b"400001234500001" not in received.body  # sent before it had a ΜΑΡΚ
    assert InvoiceDraft.objects.get(statement=statement).frozen_at is not None
    # A repeat of the task does nothing: the submission is no longer due.
    assert submission_send(submission_id=submission.pk, now=_later()) == "skipped"
    assert stand_in.registrations == 1


def test_the_credentials_never_reach_the_attempt_log(stand_in, statement):
    submission = _queue(statement)
    submission_send(submission_id=submission.pk)
    logged = " ".join(f"{a.error} {a.response_excerpt}"
                      for a in SubmissionAttempt.objects.all())
    assert TOKEN not in logged
    assert SubmissionAttempt.objects.filter(action="send", outcome="registered").count() == 1


def test_a_rejected_statement_keeps_the_providers_errors(stand_in, statement):
    # given: the provider refuses the document on a rule of its own
    stand_in.mode = "reject"
    submission = _queue(statement)
    # when
    assert submission_send(submission_id=submission.pk) == "rejected"
    # then: nothing registered, nothing scheduled, the errors kept per field
    submission.refresh_from_db()
    statement.refresh_from_db()
    assert statement.einvoice_status == Statement.EinvoiceStatus.REJECTED
    assert statement.mark == ""
    assert submission.next_attempt_at is None
    assert submission.provider_errors == [{
        "code": "102", "field": "counterpart.vatNumber",
        "message": "Ο ΑΦΜ του λήπτη δεν είναι καταχωρισμένος στο Μητρώο"}]
    assert submissions_send_due(now=_later(60 * 24)) == {}
    assert stand_in.registrations == 0


def test_a_rejected_statement_resent_by_a_manager_goes_under_a_new_key(stand_in, statement,
                                                                      manager):
    stand_in.mode, stand_in.times = "reject", 1
    submission = _queue(statement)
    submission_send(submission_id=submission.pk)
    old_key = Submission.objects.get(pk=submission.pk).idempotency_key
    # when
    services.submission_resend(statement=statement, by=manager)
    assert submission_send(submission_id=submission.pk) == "registered"
    # then
    submission.refresh_from_db()
    assert submission.idempotency_key != old_key
    assert submission.provider_errors == []
    assert stand_in.registrations == 1


def test_after_a_timeout_the_retry_asks_first_and_registers_once(stand_in, statement):
    # given: the provider registers the document but answers after the client gave up
    stand_in.mode, stand_in.times = "slow", 1
    submission = _queue(statement)
    # when
    assert submission_send(submission_id=submission.pk) == "retry"
    submission.refresh_from_db()
    statement.refresh_from_db()
    # then: sent, outcome unknown, a retry scheduled that will ask first
    assert statement.einvoice_status == Statement.EinvoiceStatus.SENT
    assert submission.check_status_first and submission.next_attempt_at is not None
    assert submissions_send_due() == {}  # not due yet (the back-off)
    # when: the sweep after the back-off
    assert submissions_send_due(now=_later()) == {"registered": 1}
    # then: the registration the provider made at the first send, not a second one
    statement.refresh_from_db()
    assert statement.einvoice_status == Statement.EinvoiceStatus.REGISTERED
    assert statement.mark == "400001234500001"
    assert stand_in.registrations == 1
    assert len(stand_in.sends()) == 1
    actions = list(SubmissionAttempt.objects.order_by("started_at", "pk")
                   .values_list("action", "outcome"))
    assert actions == [("send", "no_answer"), ("status", "registered")]


def test_a_lost_send_is_sent_again_under_the_same_key_once_the_provider_knows_nothing(
        stand_in, statement):
    stand_in.mode, stand_in.times = "lost", 1
    submission = _queue(statement)
    assert submission_send(submission_id=submission.pk) == "retry"
    assert submissions_send_due(now=_later()) == {"registered": 1}
    keys = {r.key for r in stand_in.sends()}
    assert keys == {str(submission.idempotency_key)}
    assert len(stand_in.sends()) == 2 and stand_in.registrations == 1


def test_bad_credentials_leave_it_not_sent_and_retried_later(stand_in, statement, settings):
    # given: the provider turns the call away (401): it kept nothing
    settings.SUPPORTDESK_EINVOICE_PROVIDER_TOKEN = "expired"
    submission = _queue(statement)
    # when
    assert submission_send(submission_id=submission.pk) == "retry"
    # then: still "not sent", a retry scheduled without asking first; fixed, it registers
    submission.refresh_from_db()
    statement.refresh_from_db()
    assert statement.einvoice_status == Statement.EinvoiceStatus.DRAFT
    assert not submission.check_status_first and submission.next_attempt_at is not None
    assert "401" in submission.last_error
    settings.SUPPORTDESK_EINVOICE_PROVIDER_TOKEN = TOKEN
    assert submissions_send_due(now=_later()) == {"registered": 1}
    assert stand_in.registrations == 1


def test_a_statement_with_problems_is_not_sent_and_says_why(stand_in, statement):
    # given: the customer's tax number on the statement is not a valid ΑΦΜ
    Statement.objects.filter(pk=statement.pk).update(customer_tax_number="123")
    statement.refresh_from_db()
    submission = _queue(statement)
    # when
    assert submission_send(submission_id=submission.pk) == "problems"
    # then: nothing reached the provider, and the problems are kept field by field
    submission.refresh_from_db()
    assert stand_in.received == []
    assert submission.status == Submission.Status.DRAFT
    assert submission.next_attempt_at is None
    assert submission.problems and all(p["field"] and p["message"]
                                       for p in submission.problems)
    assert any("counterpart" in p["field"] for p in submission.problems)


def test_without_a_provider_nothing_is_queued_or_sent(statement, settings):
    settings.SUPPORTDESK_EINVOICE_PROVIDER_URL = ""
    services.statements_issued_heard([])
    assert submissions_send_due() == {}
    with pytest.raises(ApplicationError):
        services.month_send(year=statement.issued_at.year, month=statement.issued_at.month,
                            by=statement.created_by)


def test_a_refused_provider_url_sends_nothing_and_schedules_nothing(stand_in, statement,
                                                                    settings):
    settings.SUPPORTDESK_EINVOICE_ALLOWED_NETWORKS = []
    submission = _queue(statement)
    assert submission_send(submission_id=submission.pk) == "refused"
    submission.refresh_from_db()
    assert "loopback" in submission.last_error
    assert submission.next_attempt_at is None and stand_in.received == []


def test_issuing_a_statement_hands_it_over_after_commit(stand_in, config, vendor, manager,
                                                        org_b,
                                                        django_capture_on_commit_callbacks):
    from .conftest import issue_prepaid  # noqa: PLC0415

    # when: billing issues a statement (its announcement is heard in the same transaction)
    with django_capture_on_commit_callbacks(execute=True):
        statement = issue_prepaid(org_b, manager)
    # then: it was handed over after the commit, and registered
    statement.refresh_from_db()
    assert statement.einvoice_status == Statement.EinvoiceStatus.REGISTERED
    assert stand_in.registrations == 1


def test_auto_send_off_leaves_issued_statements_to_the_manager(stand_in, settings, config,
                                                               vendor, manager, org_b):
    from .conftest import issue_prepaid  # noqa: PLC0415

    settings.SUPPORTDESK_EINVOICE_AUTO_SEND = False
    statement = issue_prepaid(org_b, manager)
    assert not Submission.objects.filter(statement=statement).exists()


def test_the_month_is_sent_once_however_often_the_button_is_pressed(
        stand_in, statements, manager, django_capture_on_commit_callbacks):
    year, month = statements[0].issued_at.year, statements[0].issued_at.month
    with django_capture_on_commit_callbacks(execute=True):
        queued = services.month_send(year=year, month=month, by=manager)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.month_send(year=year, month=month, by=manager)
    assert (queued, again) == (3, 0)
    assert stand_in.registrations == 3
    assert set(Statement.objects.values_list("einvoice_status", flat=True)) == {"registered"}


def test_a_registered_statement_is_read_only_in_billing(stand_in, statement, manager,
                                                        settings):
    submission = _queue(statement)
    submission_send(submission_id=submission.pk)
    statement.refresh_from_db()
    settings.SUPPORTDESK_EINVOICE_PROVIDER_URL = ""  # even where the ΜΑΡΚ may be typed
    with pytest.raises(ApplicationError) as refused:
        statement_set_mark(statement=statement, mark="1", by=manager)
    assert refused.value.code == "registered"
    with pytest.raises(ApplicationError) as other:
        statement_record_registration(statement_id=statement.pk, mark="999")
    assert other.value.code == "other_mark"
    # The same registration recorded again (a retried task) is no error and no change.
    statement_record_registration(statement_id=statement.pk, mark=statement.mark)
    settings.SUPPORTDESK_EINVOICE_PROVIDER_URL = stand_in.url
    with pytest.raises(ApplicationError) as again:
        services.submission_resend(statement=statement, by=manager)
    assert again.value.code == "registered"
    statement.refresh_from_db()
    assert statement.mark == "400001234500001"


def test_with_a_provider_the_mark_is_not_typed_in(stand_in, statement, manager):
    with pytest.raises(ApplicationError) as refused:
        statement_set_mark(statement=statement, mark="400001234599999", by=manager)
    assert refused.value.code == "provider"


def test_cancel_where_the_provider_allows_it_and_its_refusal_otherwise(stand_in, statement,
                                                                       statements, manager):
    for s in (statement, statements[0]):
        submission_send(submission_id=_queue(s).pk)
    # when: allowed
    services.submission_cancel(statement=statement, by=manager)
    statement.refresh_from_db()
    assert statement.einvoice_status == Statement.EinvoiceStatus.CANCELLED
    # when: refused by the provider
    stand_in.cancel_allowed = False
    with pytest.raises(ApplicationError) as refused:
        services.submission_cancel(statement=statements[0], by=manager)
    assert "Η ακύρωση δεν επιτρέπεται" in str(refused.value.message)
    statements[0].refresh_from_db()
    assert statements[0].einvoice_status == Statement.EinvoiceStatus.REGISTERED
    assert SubmissionAttempt.objects.filter(action="cancel").count() == 2


def test_technicians_cannot_send(stand_in, statement, technician):
    with pytest.raises(ApplicationError):
        services.submission_resend(statement=statement, by=technician)
    with pytest.raises(ApplicationError):
        services.month_send(year=2026, month=12, by=technician)
    assert stand_in.received == []


def test_webhooks_and_the_hand_off_both_hear_an_issued_statement(stand_in, config, vendor,
                                                                 manager, org_b):
    # announcements keeps a list of listeners: webhooks' and ours, each called once
    from supportdesk.notifications.announcements import Happening  # noqa: PLC0415
    from supportdesk.webhooks.models import WebhookDelivery  # noqa: PLC0415
    from supportdesk.webhooks.services import subscription_create  # noqa: PLC0415

    from .conftest import issue_prepaid  # noqa: PLC0415

    subscription_create(by=manager, name="ERP", url="https://erp.example.com/hook",
                        events=[Happening.STATEMENT_ISSUED])
    statement = issue_prepaid(org_b, manager)
    assert WebhookDelivery.objects.filter(event=Happening.STATEMENT_ISSUED).count() == 1
    assert Submission.objects.filter(statement=statement).count() == 1


def test_the_metrics_count_statements_by_e_invoice_status(stand_in, statements, settings):
    from supportdesk.ops.metrics import BusinessCollector, business_figures  # noqa: PLC0415

    stand_in.mode, stand_in.times = "reject", 1
    for statement in statements:
        submission_send(submission_id=_queue(statement).pk)
    figures = business_figures()["einvoices"]
    assert (figures["rejected"], figures["registered"], figures["draft"]) == (1, 2, 0)
    gauge = next(m for m in BusinessCollector(business_figures()).collect()
                 if m.name == "supportdesk_einvoices")
    assert {s.labels["status"]: s.value for s in gauge.samples}["rejected"] == 1
