"""Refreshing the dashboard's monthly figures.

Run nightly (``desk.tasks.dashboard_refresh_task`` under Celery beat or the in-process
scheduler, or ``manage.py refresh_dashboard``) and after bulk imports. Each month is
replaced in one transaction, so a reader sees a month's old figures or its new ones.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from supportdesk.common.choices import Channel, Tier
from supportdesk.common.exceptions import ApplicationError

from ..models import ChannelMonth, SlaMonth
from ..selectors import (
    SLA_FIGURES,
    breach_cutoff,
    channel_month_aggregates,
    dashboard_months,
    month_bounds,
    sla_month_aggregates,
)


def dashboard_refresh(*, now: datetime | None = None) -> list[date]:
    """Recompute the closed months of the dashboard window (the current month is always
    summed live). Returns the months written."""
    now = now or timezone.now()
    closed = dashboard_months(now)[:-1]
    try:
        cutoff = breach_cutoff(now)
    except ApplicationError:
        cutoff = now
    start = month_bounds(closed[0])[0]
    end = month_bounds(closed[-1])[1]
    sla = sla_month_aggregates(start=start, end=end, cutoff=cutoff)
    channels = channel_month_aggregates(start=start, end=end)
    with transaction.atomic():
        SlaMonth.objects.filter(month__in=closed).delete()
        ChannelMonth.objects.filter(month__in=closed).delete()
        # Every (month, key) gets a row, zeros included: a month with rows is "refreshed".
        SlaMonth.objects.bulk_create(
            SlaMonth(month=m, tier=t, refreshed_at=now,
                     **sla.get((m, t), dict.fromkeys(SLA_FIGURES, 0)))
            for m in closed for t in Tier.values
        )
        ChannelMonth.objects.bulk_create(
            ChannelMonth(month=m, channel=c, refreshed_at=now,
                         **channels.get((m, c), {"minutes": 0, "entries": 0}))
            for m in closed for c in Channel.values
        )
    return closed
