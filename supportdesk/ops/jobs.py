"""Recording the runs of the periodic jobs (``JobRun``): one place for both schedulers.

``config.scheduler.run_job`` (in-process) and the Celery ``task_postrun`` handler of
``config/celery.py`` call ``job_run_record`` after each job; ``/readyz`` reads
``job_runs_ages``. A failure to record (the database is down) is logged, never raised:
it must not turn a job that did its work into a failed one.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import DatabaseError
from django.db.models import F
from django.utils import timezone

from .models import JobRun

logger = logging.getLogger(__name__)


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
