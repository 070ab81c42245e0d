"""The Celery app ``supportdesk``: Redis broker from settings (CELERY_BROKER_URL).

Periodic jobs are listed once in ``BEAT_JOBS``; Celery beat and the in-process scheduler of
the embedded install (``config.scheduler``) both read it, so they run the same
task functions. Without a broker, tasks run eagerly (settings CELERY_TASK_ALWAYS_EAGER).
"""

import os
from typing import NamedTuple

from celery import Celery

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
    # New mail of the support mailboxes (IMAP); a mailbox being polled elsewhere is skipped.
    "mail-poll": Job("supportdesk.mail.tasks.mail_poll_task", "mail.poll", 60.0),
}

app = Celery("supportdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


app.conf.beat_schedule = {
    name: {"task": job.task_name, "schedule": job.every_seconds}
    for name, job in BEAT_JOBS.items()
}
