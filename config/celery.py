"""The Celery app ``supportdesk``: Redis broker from settings (CELERY_BROKER_URL).

Periodic jobs are listed once in ``BEAT_JOBS``; Celery beat and the in-process scheduler of
the embedded install (``config.scheduler``) both read it, so they run the same
task functions. Without a broker, tasks run eagerly (settings CELERY_TASK_ALWAYS_EAGER).
"""

import logging.config
import os
import time
from typing import NamedTuple

import structlog
from celery import Celery
from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from supportdesk.common import request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


class Job(NamedTuple):
    path: str           # dotted path of the task function (the in-process scheduler calls it)
    task_name: str      # the name Celery registered it under (beat sends this)
    every_seconds: float


#: The periodic jobs (every one must resolve: see supportdesk/ops/tests/test_scheduler.py);
#: each task is idempotent, so running it again (or from two schedulers) does no harm.
BEAT_JOBS: dict[str, Job] = {
    "sla-scan": Job("supportdesk.tickets.tasks.sla_scan",
                    "supportdesk.tickets.tasks.sla_scan", 60.0),
    # Bills the previous month; idempotent, so running it every few hours only picks up
    # entries recorded late for that month.
    "billing-monthly-run": Job("supportdesk.billing.tasks.monthly_billing_run",
                               "billing.monthly_run", 6 * 3600.0),
    # The fee of each contract year as it starts (§4); idempotent, so a few times a day.
    "billing-contract-fees": Job("supportdesk.billing.tasks.contract_fees_task",
                                 "billing.contract_fees", 6 * 3600.0),
    "form-tokens-purge": Job("supportdesk.common.tasks.form_tokens_purge_task",
                             "common.form_tokens_purge", 24 * 3600.0),
    # §10: proposed quotes past their validity date expire (a late acceptance is refused).
    "quotes-expire": Job("supportdesk.agreements.tasks.quotes_expire_task",
                         "agreements.quotes_expire", 6 * 3600.0),
    "desk-dashboard-refresh": Job("supportdesk.desk.tasks.dashboard_refresh_task",
                                  "desk.dashboard_refresh", 6 * 3600.0),
    # Notifications due again (retries with back-off; anything a broker outage left behind).
    "notifications-sweep": Job("supportdesk.notifications.tasks.sweep_task",
                               "notifications.sweep", 60.0),
    # Webhook deliveries due again (retries with back-off; anything a broker outage left).
    "webhooks-sweep": Job("supportdesk.webhooks.tasks.sweep_task", "webhooks.sweep", 60.0),
    # E-invoices due again (retries after no answer, pending at the provider, a broker
    # outage); does nothing without a provider (docs/einvoicing.md "Hand-off").
    "einvoicing-sweep": Job("supportdesk.einvoicing.tasks.sweep_task", "einvoicing.sweep",
                            60.0),
    # New mail of the support mailboxes (IMAP); a mailbox being polled elsewhere is skipped.
    "mail-poll": Job("supportdesk.mail.tasks.mail_poll_task", "mail.poll", 60.0),
}

app = Celery("supportdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


#: Beat sends one task for every job, ``ops.run_job(name)`` (supportdesk/ops/tasks.py): it runs
#: the job's task function under the job's lock and records the run, as the in-process
#: scheduler does, so two beats (or a message delivered again) never run a job twice at once.
RUN_JOB_TASK = "ops.run_job"
app.conf.beat_schedule = {
    name: {"task": RUN_JOB_TASK, "schedule": job.every_seconds, "args": (name,)}
    for name, job in BEAT_JOBS.items()
}


# --------------------------------------------------------------------------- task hooks
# One JSON log line per task (name, id, state, duration, the request id of whoever sent it),
# the sender's request id carried in the message headers, and every run of a periodic job
# recorded for /readyz (supportdesk.ops.jobs: ops.run_job records its own runs; a job's task
# sent directly, e.g. from the shell, is recorded here).

task_logger = structlog.get_logger("supportdesk.task")
_JOB_BY_TASK = {job.task_name: name for name, job in BEAT_JOBS.items()}
_RECORD_JOB_RUN = "supportdesk.ops.jobs.job_run_record"  # loaded once Django is set up


@setup_logging.connect
def _use_the_django_logging(**kwargs) -> None:
    """The worker and beat log through the project's LOGGING (JSON in production), not
    through the format Celery would install over it."""
    logging.config.dictConfig(settings.LOGGING)


@before_task_publish.connect
def _send_the_request_id(headers=None, **kwargs) -> None:
    current = request_id.current()
    if headers is not None and current:
        headers[request_id.TASK_HEADER] = current


@task_prerun.connect
def _task_started(task_id=None, task=None, **kwargs) -> None:
    if task is None:
        return
    carried = request_id.clean(getattr(task.request, request_id.TASK_HEADER, None))
    task.request.supportdesk_token = request_id.bind(
        carried or request_id.current() or request_id.new())
    task.request.supportdesk_started = (time.perf_counter(), timezone.now())


@task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **kwargs) -> None:
    if task is None:
        return
    started = getattr(task.request, "supportdesk_started", None)
    duration_ms = round((time.perf_counter() - started[0]) * 1000, 1) if started else None
    task_logger.info("task", task=task.name, task_id=task_id, state=state,
                     duration_ms=duration_ms)
    job = _JOB_BY_TASK.get(task.name)
    if job is not None and not task.request.is_eager:
        # Eager calls run inside a request or the in-process scheduler, which records.
        import_string(_RECORD_JOB_RUN)(name=job, ok=state == "SUCCESS",
                                       started_at=started[1] if started else None)
    token = getattr(task.request, "supportdesk_token", None)
    if token is not None:
        task.request.supportdesk_token = None
        try:
            request_id.reset(token)
        except ValueError:  # set in another context (a pool that moved the task)
            request_id.bind(None)
