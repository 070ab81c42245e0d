"""Serve the embedded (SQLite) installation: the web app plus the in-process scheduler.

With CELERY_BROKER_URL set the periodic jobs belong to `celery beat`, not to this process.
"""

from django.conf import settings
from django.core.management.commands.runserver import Command as RunserverCommand

from config.scheduler import start_in_process_scheduler


class Command(RunserverCommand):
    help = "Run the support desk on one machine (web + in-process periodic jobs)."

    def inner_run(self, *args, **options):
        if not settings.CELERY_BROKER_URL:
            start_in_process_scheduler()
        return super().inner_run(*args, **options)
