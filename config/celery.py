"""The Celery app ``supportdesk``: Redis broker from settings (CELERY_BROKER_URL).

Periodic jobs are listed once in ``BEAT_JOBS``; Celery beat and the in-process scheduler of
the embedded install (``supportdesk.tickets.scheduler``) both read it, so they run the same
task functions. Without a broker, tasks run eagerly (settings CELERY_TASK_ALWAYS_EAGER).
"""

import importlib.util
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

#: job name -> (task's dotted path, interval in seconds). A job whose module or function is
#: missing is skipped (the billing monthly run is registered by the billing app's tasks).
BEAT_JOBS: dict[str, tuple[str, float]] = {
    "sla-scan": ("supportdesk.tickets.tasks.sla_scan", 60.0),
    # Runs hourly; the task itself decides whether a month has closed and is idempotent.
    "billing-monthly-run": ("supportdesk.billing.tasks.billing_monthly_run", 3600.0),
}

app = Celery("supportdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _module_exists(dotted: str) -> bool:
    # find_spec imports only the parent packages (no models), so this is safe at import time.
    try:
        return importlib.util.find_spec(dotted.rpartition(".")[0]) is not None
    except ModuleNotFoundError:
        return False


app.conf.beat_schedule = {
    name: {"task": dotted, "schedule": every}
    for name, (dotted, every) in BEAT_JOBS.items()
    if _module_exists(dotted)
}
