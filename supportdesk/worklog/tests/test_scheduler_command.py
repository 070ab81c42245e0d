"""``manage.py run_scheduler --once`` runs the periodic jobs in-process (embedded default)."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from config.celery import BEAT_JOBS, app


def test_beat_schedule_and_scheduler_share_the_job_list():
    # every job Celery beat sends is one the in-process scheduler runs, by the same task
    for name, entry in app.conf.beat_schedule.items():
        assert BEAT_JOBS[name].task_name == entry["task"]
    assert app.conf.beat_schedule["sla-scan"]["schedule"] == 60.0


@pytest.mark.django_db
def test_run_scheduler_once_runs_the_sla_scan(config, monkeypatch):
    seen = []
    monkeypatch.setattr("supportdesk.tickets.tasks.sla_scan.run",
                        lambda now=None: seen.append(dt.datetime.now(dt.UTC)) or {})
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert len(seen) == 1
    assert "ran sla-scan" in out.getvalue()
