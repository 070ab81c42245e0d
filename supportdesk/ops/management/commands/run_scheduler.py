"""Run the periodic jobs (SLA notices, monthly billing) in the foreground without Celery.

The embedded install uses this (or the thread ``rundesk`` starts); with a Celery broker use
``celery -A config beat`` and a worker instead. Both call the same task functions.
"""

import threading

from django.core.management.base import BaseCommand

from config.celery import BEAT_JOBS
from config.scheduler import run_forever, run_job


class Command(BaseCommand):
    help = "Run the periodic jobs in-process (the embedded default, no Celery broker)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true",
                            help="Run every job once and exit (cron-friendly).")
        parser.add_argument("--tick", type=float, default=5.0,
                            help="Seconds between checks for due jobs (default 5).")

    def handle(self, *args, once: bool = False, tick: float = 5.0, **options):
        if once:
            for name in BEAT_JOBS:
                run_job(name)
                self.stdout.write(f"ran {name}")
            return
        self.stdout.write("scheduler running; Ctrl-C to stop")
        stop = threading.Event()
        try:
            run_forever(stop, tick_seconds=tick)
        except KeyboardInterrupt:
            stop.set()
