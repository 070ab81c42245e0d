"""SLA notices (§4 targets on the §6 calendar): warning at 75% and breach, once each, to the
assigned technician and the managers; the same task under Celery and the in-process
scheduler (issue 5)."""

import datetime as dt
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import connection

from config.celery import app
from supportdesk.accounts.tests.factories import ManagerFactory, TechnicianFactory
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.notifications.delivery import notifications_deliver
from supportdesk.notifications.models import Notification
from supportdesk.tickets.models import Ticket, TicketEvent
from supportdesk.tickets.services import ticket_assign, ticket_change_status, ticket_create
from supportdesk.tickets.tasks import sla_scan

ATHENS = dt.timezone(dt.timedelta(hours=2))
TUESDAY_10 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=ATHENS)
# Business: 480 working minutes (one working day, docs/rules.md "Response targets").
AT_50 = TUESDAY_10 + dt.timedelta(hours=4)               # 240/480
AT_80 = TUESDAY_10 + dt.timedelta(hours=6, minutes=24)   # 384/480 -> warning
AFTER_DUE = dt.datetime(2026, 11, 25, 10, 30, tzinfo=ATHENS)  # 510/480 -> breached


@pytest.fixture
def scan(django_capture_on_commit_callbacks):
    """Run the scan and the mails it schedules after commit (the test's transaction never
    commits, so the on-commit callbacks are run explicitly)."""
    def run(now):
        with django_capture_on_commit_callbacks(execute=True):
            return sla_scan(now)
    return run


def _world(*, subject="Σταμάτησε η μισθοδοσία"):
    customer = CustomerFactory(name="Χρυσός Αιών")
    ContractFactory(customer=customer, tier="business")
    tech = TechnicianFactory(email="tech@example.com")
    boss = ManagerFactory(email="boss@example.com")
    ticket = ticket_create(customer=customer, subject=subject, body="", received_via="phone",
                           received_at=TUESDAY_10, by=tech)
    ticket_assign(ticket=ticket, assignee=tech, by=tech)
    return ticket, tech, boss


@pytest.mark.django_db
def test_warning_then_breach_are_each_sent_once(config, scan):
    # given a Business request received Tuesday 10:00, assigned to a technician
    ticket, _tech, _boss = _world()
    assert ticket.response_target_minutes == 480
    # when the scan runs at half the target: nothing
    assert scan(AT_50) == {"warning": 0, "breach": 0, "resolution_warning": 0,
                           "resolution_breach": 0}
    assert mail.outbox == []
    # when it runs past 75%, twice
    with_commit = scan(AT_80)
    scan(AT_80 + dt.timedelta(minutes=1))
    # then one warning, to the technician and the manager (one notification each)
    assert with_commit["warning"] == 1
    assert len(mail.outbox) == 2
    assert sorted(to for m in mail.outbox for to in m.to) == [
        "boss@example.com", "tech@example.com"]
    assert all(ticket.reference in m.subject for m in mail.outbox)
    # with an absolute link on the configured host, never a relative path
    assert f"http://127.0.0.1:8000/desk/tickets/{ticket.pk}/" in mail.outbox[0].body
    assert Notification.objects.filter(key=f"sla_warning:{ticket.pk}").count() == 2
    # when the target has passed, twice
    scan(AFTER_DUE)
    scan(AFTER_DUE + dt.timedelta(hours=1))
    # then one breach notice more (to each), and the events are recorded
    assert len(mail.outbox) == 4
    assert Notification.objects.filter(key=f"sla_breach:{ticket.pk}").count() == 2
    ticket.refresh_from_db()
    assert ticket.sla_warning_sent_at is not None
    assert ticket.sla_breach_sent_at is not None
    kinds = list(TicketEvent.objects.filter(ticket=ticket, kind__startswith="sla")
                 .values_list("kind", flat=True))
    assert kinds == [TicketEvent.Kind.SLA_WARNING, TicketEvent.Kind.SLA_BREACHED]


@pytest.mark.django_db
def test_breach_found_first_sends_no_late_warning(config, scan):
    _world()
    scan(AFTER_DUE)
    scan(AFTER_DUE + dt.timedelta(minutes=5))
    assert len(mail.outbox) == 2  # the breach, to the technician and the manager
    assert all("SLA" in m.subject for m in mail.outbox)
    assert not Notification.objects.filter(event="sla_warning").exists()


@pytest.mark.django_db
def test_answered_or_paused_requests_get_no_notice(config, scan):
    answered, tech, _ = _world()
    answered.first_response_at = TUESDAY_10 + dt.timedelta(hours=1)
    answered.save()
    paused, _, _ = _world()
    ticket_change_status(ticket=paused, status="waiting_customer", by=tech,
                         now=TUESDAY_10 + dt.timedelta(hours=1))
    scan(AT_80)
    assert mail.outbox == []


@pytest.mark.django_db
def test_subjects_cannot_inject_headers(config, scan):
    ticket, _, _ = _world()
    Ticket.objects.filter(pk=ticket.pk).update(subject="Hi\r\nBcc: evil@example.com")
    scan(AFTER_DUE)
    message = mail.outbox[0]
    assert "\n" not in message.subject and "\r" not in message.subject
    assert message.bcc == []
    assert "evil@example.com" not in message.message().get("Bcc", "")
    assert "evil@example.com" not in message.recipients()


@pytest.mark.django_db
def test_no_recipient_with_email_sends_nothing_but_marks(config, scan):
    ticket, tech, boss = _world()
    type(tech).objects.filter(pk__in=[tech.pk, boss.pk]).update(email="")
    scan(AFTER_DUE)
    assert mail.outbox == []
    ticket.refresh_from_db()
    assert ticket.sla_breach_sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_concurrent_scanners_send_each_notice_once(config):
    # given a breached request and four scanners started at the same moment
    _world()
    barrier = threading.Barrier(4)

    def scan(_):
        try:
            barrier.wait()
            return sla_scan(AFTER_DUE)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(scan, range(4)))
    # then one of them claimed the breach and one mail each went out
    assert sum(r["breach"] for r in results) == 1
    sla_mails = [m for m in mail.outbox if "SLA" in m.subject]
    assert sorted(to for m in sla_mails for to in m.to) == [
        "boss@example.com", "tech@example.com"]


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not _redis_up(), reason="Redis is not reachable at 127.0.0.1:6379")
def test_a_real_celery_worker_runs_the_scan(config):
    ticket, _, _ = _world()
    keys = ("broker_url", "task_always_eager", "result_backend", "task_default_queue")
    old = {k: app.conf[k] for k in keys}
    # A queue of its own: messages left in Redis by an earlier, interrupted run (or another
    # checkout's run) must not be consumed first, nor this run's by them.
    app.conf.update(broker_url="redis://127.0.0.1:6379/15", task_always_eager=False,
                    result_backend=None, task_default_queue=f"test-{uuid.uuid4().hex}")
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            # Publish on a connection of our own: the app's producer pool may have been
            # built by an earlier test before broker_url pointed at Redis.
            with app.connection_for_write() as broker:
                sla_scan.apply_async(args=[AFTER_DUE.isoformat()], connection=broker)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                ticket.refresh_from_db()
                if ticket.sla_breach_sent_at is not None:
                    break
                time.sleep(0.2)
    finally:
        app.conf.update(**old)
    assert ticket.sla_breach_sent_at is not None
    # The scan wrote the notifications with its claim; their delivery task went to the
    # app's producer (not this test's queue): the sweep sends what is still due.
    notifications_deliver()
    assert sorted(to for m in _sla_mails() for to in m.to) == [
        "boss@example.com", "tech@example.com"]


def _sla_mails():
    return [m for m in mail.outbox if "SLA" in m.subject]
