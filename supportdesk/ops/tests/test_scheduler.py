"""The periodic jobs: Celery beat and the in-process scheduler of the embedded install run
the same task functions, and every job of the schedule resolves to a real task."""

import datetime as dt
import importlib
import threading
from io import StringIO

import pytest
from django.core.management import call_command

from config import scheduler
from config.celery import BEAT_JOBS, Job, app

# Read from the beat schedule itself, so a job added there is checked here without a list
# to keep in step.
SCHEDULED = sorted(app.conf.beat_schedule)


def test_the_beat_schedule_keeps_every_job():
    # Nothing is filtered out of what beat runs (a job whose module is missing used to be
    # dropped silently).
    assert sorted(BEAT_JOBS) == SCHEDULED
    assert SCHEDULED  # an empty schedule would make the test below vacuous


@pytest.mark.parametrize("job_name", SCHEDULED)
def test_every_scheduled_job_resolves_to_the_task_beat_sends(job_name):
    entry = app.conf.beat_schedule[job_name]
    job = BEAT_JOBS[job_name]
    module, _, attr = job.path.rpartition(".")
    task = getattr(importlib.import_module(module), attr)
    # Beat sends ops.run_job(name), which runs this very task function under the job's lock.
    assert entry["task"] == "ops.run_job" and entry["args"] == (job_name,)
    assert entry["task"] in app.tasks
    assert task.name == job.task_name
    assert task.name in app.tasks
    assert entry["schedule"] == job.every_seconds > 0
    assert scheduler.resolve(job.path) is task


def test_a_job_that_cannot_be_resolved_fails_loudly(monkeypatch):
    monkeypatch.setitem(BEAT_JOBS, "ghost", Job("supportdesk.nowhere.tasks.ghost",
                                                 "ghost", 60))
    with pytest.raises(ModuleNotFoundError):
        scheduler.run_job("ghost")
    with pytest.raises(ModuleNotFoundError):
        scheduler.run_forever(threading.Event(), tick_seconds=0, max_cycles=1)
    monkeypatch.setitem(BEAT_JOBS, "ghost", Job("supportdesk.tickets.tasks.ghost",
                                                 "ghost", 60))
    with pytest.raises(AttributeError):
        scheduler.run_job("ghost")


@pytest.mark.django_db
def test_in_process_scheduler_runs_the_same_task(config, monkeypatch):
    calls = []
    monkeypatch.setitem(BEAT_JOBS, "sla-scan", Job("supportdesk.tickets.tasks.sla_scan",
                                                    "supportdesk.tickets.tasks.sla_scan", 60))
    monkeypatch.setattr("supportdesk.tickets.tasks.sla_scan.run",
                        lambda now=None: calls.append("sla") or {})
    for name in [n for n in BEAT_JOBS if n != "sla-scan"]:
        monkeypatch.delitem(BEAT_JOBS, name)
    scheduler.run_forever(threading.Event(), tick_seconds=0, max_cycles=3)
    # due once at start, then not again within its 60 s interval
    assert calls == ["sla"]
    assert "sla-scan" in scheduler.due_jobs(1e12, {"sla-scan": 0})


@pytest.mark.django_db
def test_run_scheduler_once_runs_the_sla_scan(config, monkeypatch):
    seen = []
    monkeypatch.setattr("supportdesk.tickets.tasks.sla_scan.run",
                        lambda now=None: seen.append(dt.datetime.now(dt.UTC)) or {})
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert len(seen) == 1
    assert "ran sla-scan" in out.getvalue()
