"""Running and recording the periodic jobs: one place for both schedulers.

``job_run`` runs one job of ``config/celery.py`` ``BEAT_JOBS`` under its lock and records
the run (``JobRun``); Celery beat sends the ``ops.run_job`` task (``supportdesk.ops.tasks``)
and the in-process scheduler (``config.scheduler.run_job``) calls it directly: one path.
``/readyz`` reads ``job_runs_ages``. A failure to record (the database is down) is logged,
never raised: it must not turn a job that did its work into a failed one.

**The lock** (``job_lock``): two beat schedulers (a failover host started by mistake), a
task delivered again while its first delivery still runs (Redis gives an unacknowledged
task to another worker after the visibility timeout), or a scheduler thread beside Celery
would otherwise run the same job twice at once. Each job is idempotent on its own (claims
by ``UPDATE ... WHERE``, row locks, unique keys: see README "Deploying"); the lock makes the
second runner skip instead of doing the same work in parallel and waiting on row locks.
On PostgreSQL it is a session advisory lock (``pg_try_advisory_lock``) on a connection of
its own, so it never depends on what the job does with Django's connection and it is
released by the server when the process dies (SIGKILL included); on SQLite (one host) an
exclusive ``flock`` on a file in the data directory, released by the kernel likewise.
Never held across a transaction-pooling PgBouncer (session locks need session pooling).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import F
from django.utils import timezone

from .models import JobRun

logger = logging.getLogger(__name__)

RAN = "ran"
SKIPPED = "skipped"
FAILED = "failed"


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for job ``name`` (same in every process)."""
    digest = hashlib.blake2b(f"supportdesk.job:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextlib.contextmanager
def job_lock(name: str, *, alias: str = DEFAULT_DB_ALIAS) -> Iterator[bool]:
    """Yield True when this process now holds job ``name``'s lock (held until the block
    ends), False when another process holds it. Never waits."""
    connection = connections[alias]
    if connection.vendor == "postgresql":
        raw = connection.get_new_connection(connection.get_connection_params())
        try:
            raw.autocommit = True
            key = lock_key(name)
            with raw.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
                held = bool(cursor.fetchone()[0])
            try:
                yield held
            finally:
                if held:
                    with contextlib.suppress(Exception), raw.cursor() as cursor:
                        cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        finally:
            with contextlib.suppress(Exception):
                raw.close()
        return
    folder = Path(settings.DATA_DIR) / "locks"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(folder / f"{name}.lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def job_run(name: str, func: Callable[[], object]) -> str:
    """Run periodic job ``name`` (``func``) unless it is running elsewhere right now, and
    record the run. Returns ``ran``, ``skipped`` (the lock was held) or ``failed`` (the job
    raised: logged, recorded, and raised again for the caller's own handling)."""
    with job_lock(name) as held:
        if not held:
            logger.info("job %s skipped: it is running in another process", name,
                        extra={"job": name, "outcome": SKIPPED})
            return SKIPPED
        started = timezone.now()
        ok = False
        try:
            func()
            ok = True
        finally:
            job_run_record(name=name, ok=ok, started_at=started)
    return RAN


def job_run_record(*, name: str, ok: bool, started_at: datetime | None = None,
                   finished_at: datetime | None = None) -> None:
    """Record that job ``name`` finished now (or at ``finished_at``), well or not."""
    finished_at = finished_at or timezone.now()
    duration_ms = 0
    if started_at is not None:
        duration_ms = max(int((finished_at - started_at).total_seconds() * 1000), 0)
    outcome = JobRun.Outcome.OK if ok else JobRun.Outcome.FAILED
    values = {"last_started_at": started_at, "last_finished_at": finished_at,
              "last_outcome": outcome, "last_duration_ms": duration_ms}
    try:
        # An UPDATE first (the usual case: one statement, no lock held); the row is created
        # on a job's first run, and a concurrent first run of the same job updates instead.
        success = {"last_success_at": finished_at} if ok else {}
        updated = JobRun.objects.filter(name=name).update(
            **values, **success, runs=F("runs") + 1)
        if not updated:
            _, created = JobRun.objects.get_or_create(
                name=name, defaults={**values, "runs": 1,
                                     "last_success_at": finished_at if ok else None})
            if not created:
                job_run_record(name=name, ok=ok, started_at=started_at,
                               finished_at=finished_at)
    except DatabaseError:
        logger.exception("could not record the run of job %s", name)


def job_runs_ages(now: datetime | None = None) -> dict[str, dict]:
    """Per job name: seconds since it last finished, its outcome, and seconds since its
    last success (``None`` when it never succeeded)."""
    now = now or timezone.now()
    ages = {}
    for run in JobRun.objects.all():
        ages[run.name] = {
            "age_seconds": round((now - run.last_finished_at).total_seconds(), 1),
            "outcome": run.last_outcome,
            "last_success_age_seconds": (
                round((now - run.last_success_at).total_seconds(), 1)
                if run.last_success_at else None),
        }
    return ages
