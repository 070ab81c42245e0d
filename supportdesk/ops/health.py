"""``/healthz`` (the process answers) and ``/readyz`` (it can serve: its dependencies).

``/healthz`` touches nothing: 200 ``{"status": "ok"}``. ``/readyz`` checks the database
(``SELECT 1``), the cache (a set and get), the Celery broker when one is configured (else
``"embedded"``: tasks run in-process) and that no migration is unapplied; it answers 503,
naming the failing checks, when one of them fails, else 200. Beside the checks it reports
figures for uptime monitors, never a failure reason by themselves: the age in seconds of
the last run of every periodic job (``JobRun``; ``sla_scan_age_seconds`` for the SLA scan),
of the last finished billing run and of the last mailbox poll, and the number of
quarantined mails. No secret, host name, user name or error text is ever in the answer
(the errors go to the log).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Max
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app
from supportdesk.billing.models import BillingRun
from supportdesk.mail.models import InboundMessage, Mailbox

from .jobs import job_runs_ages

logger = logging.getLogger(__name__)

OK = "ok"
FAIL = "fail"
EMBEDDED = "embedded"
SLA_SCAN_JOB = "sla-scan"

# Once every migration is applied in this process, it stays so until a deploy restarts it;
# the plan is checked again after this many seconds (it reads every migration module).
MIGRATIONS_RECHECK_SECONDS = 60.0
_migrations_ok_at: float | None = None


def _no_store(response: JsonResponse) -> JsonResponse:
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return _no_store(JsonResponse({"status": "ok"}))


# ----------------------------------------------------------------------------- checks

def check_database() -> str:
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def check_cache() -> str:
    key = "ops:readyz:" + uuid.uuid4().hex
    cache.set(key, "1", timeout=10)
    try:
        if cache.get(key) != "1":
            raise RuntimeError("the cache did not return what was just stored")
    finally:
        cache.delete(key)
    return OK


def check_broker() -> str:
    if not settings.CELERY_BROKER_URL:
        return EMBEDDED
    timeout = settings.SUPPORTDESK_READYZ_TIMEOUT
    with celery_app.connection_for_write(connect_timeout=timeout) as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                                     timeout=timeout)
    return OK


def check_migrations() -> str:
    global _migrations_ok_at  # noqa: PLW0603 - a per-process memo of a fact that only grows
    now = time.monotonic()
    if _migrations_ok_at is not None and now - _migrations_ok_at < MIGRATIONS_RECHECK_SECONDS:
        return OK
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        _migrations_ok_at = None
        raise RuntimeError(f"{len(plan)} migration(s) not applied")
    _migrations_ok_at = now
    return OK


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "migrations": check_migrations,
}


def _run(name: str, check: Callable[[], str]) -> str:
    try:
        return check()
    except Exception:
        # The reason (it may name a host or a user) is logged, never answered.
        logger.warning("readiness check %s failed", name, exc_info=True)
        return FAIL


# ----------------------------------------------------------------------------- figures

def _age(moment, now) -> float | None:
    return round((now - moment).total_seconds(), 1) if moment else None


def figures(now=None) -> dict:
    """Ages and counts from the database (``None`` for one that could not be read)."""
    now = now or timezone.now()
    result: dict = {}
    readers = {
        "jobs": lambda: job_runs_ages(now),
        "billing_run_age_seconds": lambda: _age(
            BillingRun.objects.aggregate(last=Max("finished_at"))["last"], now),
        "mailbox_poll_age_seconds": lambda: _age(
            Mailbox.objects.filter(is_active=True).aggregate(
                last=Max("last_polled_at"))["last"], now),
        "quarantined_mail": lambda: InboundMessage.objects.filter(
            status=InboundMessage.Status.QUARANTINED).count(),
    }
    for key, read in readers.items():
        try:
            result[key] = read()
        except Exception:
            logger.warning("readiness figure %s could not be read", key, exc_info=True)
            result[key] = None
    jobs = result.get("jobs") or {}
    result["sla_scan_age_seconds"] = (jobs.get(SLA_SCAN_JOB) or {}).get("age_seconds")
    return result


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {name: _run(name, check) for name, check in CHECKS.items()}
    failing = sorted(name for name, state in checks.items() if state == FAIL)
    body = {
        "status": "ready" if not failing else "not_ready",
        "checks": checks,
        "failing": failing,
        **(figures() if checks["database"] != FAIL else {}),
    }
    return _no_store(JsonResponse(body, status=503 if failing else 200))
