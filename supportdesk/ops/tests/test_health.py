"""/healthz and /readyz (issue 11): alive without the database; ready only when the
database, the cache, the broker (when configured) and the migrations are."""

import datetime as dt
import json

import pytest
import redis
from celery.signals import task_postrun, task_prerun
from django.db import OperationalError, connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from config import scheduler
from config.celery import BEAT_JOBS, Job
from supportdesk.common import request_id
from supportdesk.mail.models import InboundMessage, Mailbox
from supportdesk.ops import health
from supportdesk.ops.jobs import job_run_record
from supportdesk.ops.models import JobRun
from supportdesk.tickets.tasks import sla_scan

SECRETS = ("test-only-not-secret", "PASSWORD", "password", "postgres://", "redis://")


@pytest.fixture(autouse=True)
def _fresh_migration_memo(monkeypatch):
    monkeypatch.setattr(health, "_migrations_ok_at", None)


def _assert_no_secrets(body: bytes, settings):
    text = body.decode()
    for secret in SECRETS:
        assert secret not in text
    db = settings.DATABASES["default"]
    for value in (db.get("PASSWORD"), db.get("USER"), db.get("HOST")):
        if value and value not in ("127.0.0.1",):
            assert str(value) not in text
    assert settings.SECRET_KEY not in text


def test_healthz_answers_without_the_database():
    # no django_db mark: any query would fail the test
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_readyz_is_ready_on_a_healthy_database(settings):
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ready"
    assert body["failing"] == []
    assert body["checks"] == {"database": "ok", "cache": "ok", "broker": "embedded",
                              "migrations": "ok"}
    assert body["quarantined_mail"] == 0
    assert body["sla_scan_age_seconds"] is None  # never ran yet
    _assert_no_secrets(response.content, settings)


@pytest.mark.django_db
def test_readyz_reports_the_ages_and_the_quarantine(settings):
    now = timezone.now()
    job_run_record(name="sla-scan", ok=True, started_at=now - dt.timedelta(seconds=42),
                   finished_at=now - dt.timedelta(seconds=40))
    job_run_record(name="mail-poll", ok=False, finished_at=now - dt.timedelta(seconds=5))
    Mailbox.objects.create(name="support", host="127.0.0.1", username="u",
                           last_polled_at=now - dt.timedelta(seconds=90))
    InboundMessage.objects.create(raw=b"x", status=InboundMessage.Status.QUARANTINED)
    InboundMessage.objects.create(raw=b"y", status=InboundMessage.Status.CREATED)
    body = Client().get("/readyz").json()
    assert 40 <= body["sla_scan_age_seconds"] < 60
    assert body["jobs"]["sla-scan"]["outcome"] == "ok"
    assert body["jobs"]["mail-poll"]["outcome"] == "failed"
    assert body["jobs"]["mail-poll"]["last_success_age_seconds"] is None
    assert 90 <= body["mailbox_poll_age_seconds"] < 120
    assert body["quarantined_mail"] == 1
    assert body["billing_run_age_seconds"] is None


@pytest.mark.django_db
def test_readyz_is_503_and_names_the_database_when_it_is_unreachable(monkeypatch, settings):
    def refuse(*args, **kwargs):
        raise OperationalError('connection to server at "db.internal" failed: password')

    monkeypatch.setattr(connection, "ensure_connection", refuse)
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready"
    assert body["checks"]["database"] == "fail"
    assert "database" in body["failing"]
    assert "db.internal" not in response.content.decode()
    _assert_no_secrets(response.content, settings)


@pytest.mark.django_db
def test_readyz_is_503_when_a_migration_is_not_applied(monkeypatch):
    real_plan = MigrationExecutor.migration_plan

    def one_missing(self, targets, clean_start=False):
        plan = real_plan(self, targets, clean_start=clean_start)
        missing = self.loader.graph.nodes[("ops", "0001_initial")]
        return [*plan, (missing, False)]

    monkeypatch.setattr(MigrationExecutor, "migration_plan", one_missing)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["migrations"]
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_readyz_is_503_when_the_cache_or_the_broker_fails(monkeypatch, settings):
    settings.CELERY_BROKER_URL = "redis://:hunter2@127.0.0.1:1/0"  # nothing listens on 1
    settings.SUPPORTDESK_READYZ_TIMEOUT = 0.5

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(health.cache, "set", broken)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker", "cache"]
    assert "hunter2" not in response.content.decode()
    _assert_no_secrets(response.content, settings)


@pytest.mark.django_db
def test_the_broker_check_passes_on_the_local_redis(settings):
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=0.5).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    assert health.check_broker() == "ok"


@pytest.mark.django_db(transaction=True)  # run_job closes the connection between jobs
def test_the_in_process_scheduler_records_every_run(monkeypatch):
    monkeypatch.setitem(BEAT_JOBS, "sla-scan", Job("supportdesk.tickets.tasks.sla_scan",
                                                    "supportdesk.tickets.tasks.sla_scan", 60))
    monkeypatch.setattr("supportdesk.tickets.tasks.sla_scan.run", lambda now=None: {})
    scheduler.run_job("sla-scan")
    scheduler.run_job("sla-scan")
    run = JobRun.objects.get(name="sla-scan")
    assert run.runs == 2
    assert run.last_outcome == "ok"
    assert run.last_success_at == run.last_finished_at

    def boom(now=None):
        raise RuntimeError("scan failed")

    monkeypatch.setattr("supportdesk.tickets.tasks.sla_scan.run", boom)
    scheduler.run_job("sla-scan")
    run.refresh_from_db()
    assert (run.runs, run.last_outcome) == (3, "failed")
    assert run.last_success_at < run.last_finished_at


@pytest.mark.django_db
def test_a_celery_worker_run_of_a_beat_job_is_recorded(monkeypatch):
    # What the worker's task_postrun signal does (a non-eager run of a BEAT_JOBS task).
    sla_scan.push_request(is_eager=False, supportdesk_request_id="from-the-sender")
    try:
        task_prerun.send(sender=sla_scan, task_id="t1", task=sla_scan)
        assert request_id.current() == "from-the-sender"
        task_postrun.send(sender=sla_scan, task_id="t1", task=sla_scan, state="SUCCESS")
    finally:
        sla_scan.pop_request()
    assert JobRun.objects.get(name="sla-scan").last_outcome == "ok"
    assert json.dumps(health.figures()["jobs"])  # JSON-ready
