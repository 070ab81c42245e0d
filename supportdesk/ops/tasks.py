"""The one task Celery beat sends for every periodic job: ``ops.run_job(name)``.

It runs the job's own task function (``config/celery.py`` ``BEAT_JOBS[name].path``) in this
worker under the job's lock (``supportdesk.ops.jobs.job_run``), exactly as the in-process
scheduler does, so a second beat or a redelivered message finds the job running and skips.
"""

from celery import shared_task
from django.utils.module_loading import import_string

from config.celery import BEAT_JOBS

from .jobs import job_run


@shared_task(name="ops.run_job", acks_late=True, ignore_result=True)
def run_job_task(name: str) -> str:
    job = BEAT_JOBS[name]  # an unknown name fails loudly (beat sends only known ones)
    return job_run(name, import_string(job.path))
