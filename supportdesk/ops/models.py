"""What the installation itself records: when each periodic job last ran (``JobRun``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    """The last run of one periodic job of ``config/celery.py`` ``BEAT_JOBS`` (one row per
    job name), written when the job finishes, under Celery (a ``task_postrun`` handler) or
    the in-process scheduler (``config.scheduler.run_job``). ``/readyz`` shows its age."""

    class Outcome(models.TextChoices):
        OK = "ok", _("Succeeded")
        FAILED = "failed", _("Failed")

    name = models.CharField(_("job"), max_length=64, unique=True)
    last_started_at = models.DateTimeField(_("last started at"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished at"))
    last_outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    last_duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    last_success_at = models.DateTimeField(_("last success at"), null=True, blank=True)
    runs = models.PositiveBigIntegerField(_("runs"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")

    def __str__(self) -> str:
        return f"{self.name} {self.last_outcome} {self.last_finished_at:%Y-%m-%d %H:%M:%S}"
