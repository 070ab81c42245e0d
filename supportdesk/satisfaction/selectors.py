"""The survey's reads: a request's rating, and the report (docs/satisfaction.md "The
report").

The report crosses the ratings given in a period with what the request was: its tier and
channel (the snapshot on the request), its SLA outcomes for the response and for the
resolution (the outcomes the tickets app stored when the clocks stopped: never judged
again here), the minutes billed for it (its work entries on a live statement: issued or
paid, the line not credited) and its technician. One query reads one row per rating (a
year holds a few thousand); the six crosses are grouped from those rows, so they always
add up to the same total.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Exists, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from supportdesk.accounts.models import User
from supportdesk.billing.models import Statement, StatementLine
from supportdesk.common.choices import Tier
from supportdesk.tickets.models import Ticket
from supportdesk.worklog.models import WorkEntry

from .models import Rating

ATHENS = ZoneInfo("Europe/Athens")

#: Billed minutes per request, grouped: (key, upper bound in minutes or None, label).
BILLED_BUCKETS = (
    ("none", 0, _("Nothing billed")),
    ("to60", 60, _("Up to 1 hour")),
    ("to180", 180, _("1 to 3 hours")),
    ("over180", None, _("Over 3 hours")),
)
UNDECIDED = pgettext_lazy("SLA outcome", "Not decided")
UNASSIGNED = _("Unassigned")


def rating_for_ticket(ticket: Ticket) -> Rating | None:
    return Rating.objects.filter(ticket_id=ticket.pk).first()


def _billed_minutes():
    """Minutes billed for the outer rating's request: its entries on a live statement."""
    on_statement = StatementLine.objects.filter(
        work_entry_id=OuterRef("pk"), credited_at__isnull=True,
        statement__status__in=[Statement.Status.ISSUED, Statement.Status.PAID])
    per_ticket = (WorkEntry.objects.filter(ticket_id=OuterRef("ticket_id"))
                  .filter(Exists(on_statement)).order_by().values("ticket_id")
                  .annotate(total=Sum("billed_minutes")).values("total"))
    return Coalesce(Subquery(per_ticket, output_field=IntegerField()), Value(0))


# ----------------------------------------------------------------------------- the report


@dataclass
class Group:
    key: str
    label: str
    ratings: int = 0
    good: int = 0
    billed_minutes: int = 0

    @property
    def poor(self) -> int:
        return self.ratings - self.good

    @property
    def good_share(self) -> Decimal | None:
        """Share of good ratings in %, one decimal (None without ratings)."""
        if not self.ratings:
            return None
        return (Decimal(100) * self.good / self.ratings).quantize(Decimal("0.1"))


@dataclass
class Cross:
    key: str
    title: str
    groups: list[Group]


@dataclass
class Report:
    start: date
    end: date
    total: Group
    crosses: list[Cross]
    comments: list[Rating] = field(default_factory=list)


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Aware [start 00:00, the day after end 00:00) in Athens time."""
    after = end + timedelta(days=1)
    return (datetime(start.year, start.month, start.day, tzinfo=ATHENS),
            datetime(after.year, after.month, after.day, tzinfo=ATHENS))


def _bucket(minutes: int) -> str:
    for key, upper, _label in BILLED_BUCKETS:
        if upper is None or minutes <= upper:
            return key
    return BILLED_BUCKETS[-1][0]  # pragma: no cover - the last bucket has no bound


def _ordered(counts: dict[str, Group], order: list[tuple[str, str]]) -> list[Group]:
    """The groups in ``order`` (key, label), each shown even when it has no rating, then any
    other key met in the rows."""
    groups = [counts.pop(key, Group(key=key, label="")) for key, _label in order]
    for group, (_key, label) in zip(groups, order, strict=True):
        group.label = str(label)
    return groups + sorted(counts.values(), key=lambda g: g.label)


def satisfaction_report(*, start: date, end: date, comments: int = 20) -> Report:
    """The ratings given from ``start`` to ``end`` (local days, both included), crossed."""
    since, until = period_bounds(start, end)
    rows = list(
        Rating.objects.filter(rated_at__gte=since, rated_at__lt=until)
        .annotate(billed=_billed_minutes())
        .values_list("score", "ticket__tier", "ticket__received_via", "ticket__sla_outcome",
                     "ticket__resolution_outcome", "ticket__assignee_id", "billed")
        .order_by())
    dimensions = ("tier", "channel", "response", "resolution", "billed", "technician")
    counts: dict[str, dict[str, Group]] = {d: defaultdict(lambda: Group("", "")) for d in
                                           dimensions}
    total = Group(key="total", label=str(_("All ratings")))
    for score, tier, channel, response, resolution, assignee, billed in rows:
        keys = {"tier": tier, "channel": channel, "response": response or "",
                "resolution": resolution or "", "billed": _bucket(billed or 0),
                "technician": str(assignee or "")}
        good = score == Rating.Score.GOOD
        for dimension, key in keys.items():
            group = counts[dimension][key]
            group.key = key
            group.ratings += 1
            group.good += good
            group.billed_minutes += billed or 0
        total.ratings += 1
        total.good += good
        total.billed_minutes += billed or 0

    ids = [int(k) for k in counts["technician"] if k]
    names = {u.pk: u.get_full_name() or u.get_username()
             for u in User.objects.filter(pk__in=ids)}
    technicians = sorted(((str(pk), name) for pk, name in names.items()),
                         key=lambda item: item[1])
    technician_groups = [g for g in _ordered(dict(counts["technician"]),
                                             [*technicians, ("", UNASSIGNED)]) if g.ratings]
    crosses = [
        Cross("tier", str(_("Tier")), _ordered(dict(counts["tier"]), Tier.choices)),
        Cross("channel", str(_("Channel")),
              [g for g in _ordered(dict(counts["channel"]), Ticket.ReceivedVia.choices)
               if g.ratings]),
        Cross("response", str(_("Response (SLA)")),
              _ordered(dict(counts["response"]),
                       [*Ticket.SlaOutcome.choices, ("", UNDECIDED)])),
        Cross("resolution", str(_("Resolution (SLA)")),
              _ordered(dict(counts["resolution"]),
                       [*Ticket.ResolutionOutcome.choices, ("", UNDECIDED)])),
        Cross("billed", str(_("Billed time")),
              _ordered(dict(counts["billed"]), [(k, label) for k, _u, label in BILLED_BUCKETS])),
        Cross("technician", str(_("Technician")), technician_groups),
    ]
    recent = list(Rating.objects.filter(rated_at__gte=since, rated_at__lt=until)
                  .exclude(comment="").select_related("ticket", "ticket__customer")
                  .order_by("-rated_at", "-pk")[:comments])
    return Report(start=start, end=end, total=total, crosses=crosses, comments=recent)
