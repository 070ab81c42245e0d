"""The in-process scheduler of the embedded install (no Celery broker configured).

Deployment wiring, like ``config/celery.py``: no app imports it; the ``ops`` commands start it.

It runs the very task functions Celery beat runs (``config/celery.py`` ``BEAT_JOBS``), called
directly in this process on a timer: one code path. Started as a daemon thread by
``manage.py rundesk`` (``start_in_process_scheduler``) or in the foreground by
``manage.py run_scheduler``. Several processes running it at once are safe: a job runs under
its lock (``supportdesk.ops.jobs.job_lock``), and each job is idempotent on its own (e.g.
each SLA notice is claimed by an atomic ``UPDATE ... WHERE ... IS NULL``).
"""

import importlib
import logging
import threading
import time
from collections.abc import Callable

from django.db import close_old_connections

from config.celery import BEAT_JOBS
from supportdesk.ops.jobs import job_run

logger = logging.getLogger(__name__)

_started: threading.Thread | None = None
_lock = threading.Lock()


def resolve(dotted: str) -> Callable:
    """The task function a job names; a missing module or name raises (never skipped)."""
    module_name, _, attr = dotted.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


def due_jobs(now_monotonic: float, last_run: dict[str, float]) -> list[str]:
    """Names of the jobs whose interval has elapsed since they last ran."""
    return [name for name, job in BEAT_JOBS.items()
            if now_monotonic - last_run.get(name, float("-inf")) >= job.every_seconds]


def run_job(name: str) -> None:
    """Run one job now, in this thread; an error is logged and never stops the scheduler.

    It runs under the job's lock and its run is recorded (``supportdesk.ops.jobs.job_run``:
    name, outcome, when it finished) for ``/readyz``, as ``ops.run_job`` does under Celery.
    """
    func = resolve(BEAT_JOBS[name].path)
    close_old_connections()
    try:
        # A Celery task object is callable: calling it runs the function body here, under
        # the job's lock (another process running it makes this one skip), as ops.run_job
        # does under Celery.
        job_run(name, func)
    except Exception:
        logger.exception("scheduled job %s failed", name)
    finally:
        close_old_connections()


def run_forever(stop: threading.Event | None = None, *, tick_seconds: float = 5.0,
                max_cycles: int | None = None) -> None:
    """Run the jobs whenever due until ``stop`` is set (or ``max_cycles`` ticks, for tests)."""
    for job in BEAT_JOBS.values():  # a job that cannot run stops the scheduler at start
        resolve(job.path)
    last_run: dict[str, float] = {}
    cycles = 0
    while stop is None or not stop.is_set():
        now = time.monotonic()
        for name in due_jobs(now, last_run):
            last_run[name] = now
            run_job(name)
        cycles += 1
        if max_cycles is not None and cycles >= max_cycles:
            return
        if stop is not None:
            stop.wait(tick_seconds)
        else:
            time.sleep(tick_seconds)


def start_in_process_scheduler() -> threading.Thread:
    """Start the scheduler once per process as a daemon thread; later calls return it."""
    global _started  # noqa: PLW0603 - one scheduler per process
    with _lock:
        if _started is None or not _started.is_alive():
            _started = threading.Thread(target=run_forever, name="supportdesk-scheduler",
                                        daemon=True)
            _started.start()
            logger.info("in-process scheduler started")
        return _started
