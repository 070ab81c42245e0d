"""The periodic jobs under two schedulers or two workers: a job runs under its lock (a
PostgreSQL advisory lock, a flock on SQLite), so a second runner skips it while the first
runs, and a runner killed with SIGKILL leaves no lock behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config import scheduler
from config.celery import BEAT_JOBS, Job
from supportdesk.ops import jobs
from supportdesk.ops.models import JobRun
from supportdesk.ops.tasks import run_job_task

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_a_job_running_elsewhere_is_skipped_and_runs_once_it_is_free():
    calls = []
    with jobs.job_lock("sla-scan") as held:
        assert held
        with jobs.job_lock("sla-scan") as again:
            assert not again  # a second holder (another connection or file) is refused
        assert jobs.job_run("sla-scan", lambda: calls.append(1)) == jobs.SKIPPED
        with jobs.job_lock("billing-monthly-run") as other:
            assert other  # one lock per job
    assert calls == []
    assert not JobRun.objects.filter(name="sla-scan").exists()  # a skip is not a run
    assert jobs.job_run("sla-scan", lambda: calls.append(1)) == jobs.RAN
    assert calls == [1]
    assert JobRun.objects.get(name="sla-scan").runs == 1


@pytest.mark.django_db
def test_a_failing_job_releases_its_lock_and_is_recorded_failed():
    def boom():
        raise RuntimeError("job failed")

    with pytest.raises(RuntimeError):
        jobs.job_run("quotes-expire", boom)
    assert JobRun.objects.get(name="quotes-expire").last_outcome == JobRun.Outcome.FAILED
    with jobs.job_lock("quotes-expire") as held:
        assert held


@pytest.mark.django_db
def test_the_task_beat_sends_runs_the_job_function_under_the_lock(monkeypatch):
    calls = []
    monkeypatch.setitem(BEAT_JOBS, "sla-scan", Job("supportdesk.tickets.tasks.sla_scan",
                                                    "supportdesk.tickets.tasks.sla_scan", 60))
    monkeypatch.setattr("supportdesk.tickets.tasks.sla_scan.run",
                        lambda now=None: calls.append("sla") or {})
    # (the scheduler closes stale connections between jobs: not the test's own)
    monkeypatch.setattr("config.scheduler.close_old_connections", lambda: None)
    assert run_job_task("sla-scan") == jobs.RAN
    with jobs.job_lock("sla-scan"):
        assert run_job_task("sla-scan") == jobs.SKIPPED
        scheduler.run_job("sla-scan")  # the in-process scheduler skips it too
    assert calls == ["sla"]
    assert JobRun.objects.get(name="sla-scan").runs == 1


def test_lock_keys_are_stable_and_distinct():
    keys = {jobs.lock_key(name) for name in BEAT_JOBS}
    assert len(keys) == len(BEAT_JOBS)
    assert jobs.lock_key("sla-scan") == jobs.lock_key("sla-scan")
    assert all(-(2**63) <= key < 2**63 for key in keys)


HOLDER_PG = """
import sys, time, psycopg
conn = psycopg.connect(sys.argv[1], autocommit=True)
assert conn.execute("SELECT pg_try_advisory_lock(%s)", [int(sys.argv[2])]).fetchone()[0]
print("held", flush=True)
time.sleep(120)
"""
HOLDER_FILE = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
print("held", flush=True)
time.sleep(120)
"""


def _conninfo() -> str:
    params = connection.get_connection_params()
    return " ".join(f"{k}={params[k]}" for k in ("host", "port", "dbname", "user")
                    if params.get(k))


@pytest.mark.django_db
def test_a_runner_killed_with_sigkill_leaves_no_lock_behind():
    """Another process (a second worker) holds the job: this one skips; that process is
    killed with SIGKILL mid-job: the database (or the kernel) frees the lock at once."""
    name = "billing-monthly-run"
    if connection.vendor == "postgresql":
        args = [sys.executable, "-c", textwrap.dedent(HOLDER_PG), _conninfo(),
                str(jobs.lock_key(name))]
    else:
        folder = Path(settings.DATA_DIR) / "locks"
        folder.mkdir(parents=True, exist_ok=True)
        args = [sys.executable, "-c", textwrap.dedent(HOLDER_FILE), str(folder / f"{name}.lock")]
    holder = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "held"
        calls = []
        assert jobs.job_run(name, lambda: calls.append(1)) == jobs.SKIPPED
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
        deadline = time.monotonic() + 10
        while jobs.job_run(name, lambda: calls.append(1)) == jobs.SKIPPED:
            assert time.monotonic() < deadline, "the killed runner's lock was never freed"
            time.sleep(0.1)
        assert calls == [1]
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
