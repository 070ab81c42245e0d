"""Pre-aggregated monthly figures for the managers' dashboard.

Aggregating a million requests and five million work entries on every visit is what makes
peers' dashboards take seconds. Closed months are summed once by ``dashboard_refresh``
(nightly, and after a bulk import) into these small tables; the current month is summed
live, bounded to one month of rows. Months never refreshed are summed live too, so the
figures are complete even before the first refresh.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from supportdesk.common.choices import Channel, Tier


class SlaMonth(models.Model):
    """Requests received in a month for one tier, by how their response and their
    resolution kept the promise."""

    month = models.DateField(_("month"))  # first day of the month, Europe/Athens
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices)
    received = models.PositiveIntegerField(default=0)
    met = models.PositiveIntegerField(default=0)
    late = models.PositiveIntegerField(default=0)
    breached = models.PositiveIntegerField(default=0)
    resolved_met = models.PositiveIntegerField(default=0)
    resolved_breached = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("monthly SLA figure")
        verbose_name_plural = _("monthly SLA figures")
        constraints = [
            models.UniqueConstraint(fields=["month", "tier"], name="sla_month_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.tier}"


class ChannelMonth(models.Model):
    """Minutes of measured work (§8) in a month on one channel (§1)."""

    month = models.DateField(_("month"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    minutes = models.PositiveBigIntegerField(default=0)
    entries = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("monthly hours by channel")
        verbose_name_plural = _("monthly hours by channel")
        constraints = [
            models.UniqueConstraint(fields=["month", "channel"], name="channel_month_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.channel}"
