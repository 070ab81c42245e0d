"""Measured support time (§8), expenses (§5, §9), visits and remote sessions (§1, §2).

Only staff create or edit these rows; once a statement bills an entry it is locked and a
correction goes through a credit statement. Every change is kept in its history.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from supportdesk.common.choices import Channel, WorkKind, choice_display
from supportdesk.common.models import TimeStampedModel


class WorkEntry(TimeStampedModel):
    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("support request"), on_delete=models.PROTECT,
        related_name="work_entries",
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("technician"), on_delete=models.PROTECT,
        related_name="work_entries",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=WorkKind.choices,
                            default=WorkKind.SUPPORT)

    # Shown once per row on the ticket page (see ``choice_display``).
    def get_channel_display(self) -> str:
        return choice_display(Channel, self.channel)

    def get_kind_display(self) -> str:
        return choice_display(WorkKind, self.kind)

    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"))
    # Whole minutes of wall time between start and end (aware UTC: DST-safe).
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    # Minutes of the entry outside the working calendar (§6); derived, never typed.
    out_of_hours_minutes = models.PositiveIntegerField(_("out-of-hours minutes"), default=0)
    is_emergency = models.BooleanField(_("accepted emergency (§7)"), default=False)
    # §3 flat fee by kind of service: when set, the entry is charged this amount instead
    # of by time (euros excl. VAT).
    flat_fee = models.DecimalField(
        _("flat fee (€)"), max_digits=10, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)],
    )
    description = models.TextField(_("work done"), blank=True)
    tariff_version = models.ForeignKey(
        "contracts.TariffVersion", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("tariff version"),
    )
    # Pricing snapshot from the rules engine at save time (the ledger rows are the truth
    # for allowance and bank; these make the queue and the ticket page cheap to show).
    billed_minutes = models.PositiveIntegerField(_("billed minutes"), default=0)
    allowance_drawn_minutes = models.PositiveIntegerField(default=0)
    bank_drawn_minutes = models.PositiveIntegerField(default=0)
    net_amount = models.DecimalField(_("net amount (€)"), max_digits=12, decimal_places=2,
                                     default=0)
    pricing = models.JSONField(default=dict, blank=True, editable=False)
    # Set when a statement bills this entry; a locked entry is never edited again.
    locked_at = models.DateTimeField(_("billed at"), null=True, blank=True, editable=False)
    # A form token: a double submit or network retry records the entry once (docs/security.md #27).
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True,
                                       editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("work entry")
        verbose_name_plural = _("work entries")
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["ticket", "started_at"]),
            models.Index(fields=["technician", "-started_at"]),
            models.Index(fields=["started_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__gt=F("started_at")), name="work_entry_end_after_start",
                violation_error_message=_("A work entry must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1), name="work_entry_at_least_one_minute"
            ),
            models.CheckConstraint(
                condition=Q(out_of_hours_minutes__lte=F("duration_minutes")),
                name="work_entry_out_of_hours_within_duration",
            ),
        ]

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def is_out_of_hours(self) -> bool:
        return self.out_of_hours_minutes > 0


class Expense(TimeStampedModel):
    """Costs re-billed at cost (§5, §9), plus the out-of-base fee of out-of-town visits."""

    class Kind(models.TextChoices):
        TRAVEL = "travel", _("Travel")
        PARKING = "parking", _("Parking")
        LODGING = "lodging", _("Lodging")
        OUT_OF_BASE = "out_of_base", _("Out-of-base fee")

    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("support request"), on_delete=models.PROTECT,
        related_name="expenses",
    )
    visit = models.ForeignKey(
        "worklog.Visit", on_delete=models.PROTECT, null=True, blank=True,
        related_name="expenses",
    )
    # §9 costs the entry service books for an on-site entry out of town: an edit of the
    # entry replaces them and a delete removes them (never billed twice).
    work_entry = models.ForeignKey(
        WorkEntry, verbose_name=_("work entry"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="expenses",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    amount = models.DecimalField(
        _("amount (€)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    incurred_on = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    locked_at = models.DateTimeField(_("billed at"), null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        ordering = ["-incurred_on"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="expense_not_negative"),
        ]


class Visit(TimeStampedModel):
    """A scheduled visit to the customer's premises or at our offices (§1, §9)."""

    class Location(models.TextChoices):
        ONSITE = "onsite", _("At customer premises")
        OFFICE = "office", _("At our offices")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("support request"), on_delete=models.PROTECT,
        related_name="visits",
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("technician"), on_delete=models.PROTECT,
        related_name="visits",
    )
    location = models.CharField(_("location"), max_length=16, choices=Location.choices)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.SCHEDULED)
    is_out_of_town = models.BooleanField(_("out of town (§9)"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["technician", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="visit_end_after_start",
                violation_error_message=_("A visit must end after it starts."),
            ),
        ]


class RemoteSession(TimeStampedModel):
    """Remote work is done under the customer's supervision (§2): its consent is recorded."""

    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("support request"), on_delete=models.PROTECT,
        related_name="remote_sessions",
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("technician"), on_delete=models.PROTECT,
        related_name="remote_sessions",
    )
    tool = models.CharField(_("tool"), max_length=60)
    session_id = models.CharField(_("session id"), max_length=120)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"))
    has_customer_consent = models.BooleanField(_("customer consented and supervised (§2)"))
    consent_given_by = models.CharField(_("consent given by"), max_length=120, blank=True)
    work_entry = models.OneToOneField(
        WorkEntry, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="remote_session",
    )

    class Meta:
        verbose_name = _("remote session")
        verbose_name_plural = _("remote sessions")
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__gt=F("started_at")), name="remote_session_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(has_customer_consent=True), name="remote_session_needs_consent",
                violation_error_message=_("Remote work needs the customer's consent (§2)."),
            ),
        ]


class Timer(models.Model):
    """A running stopwatch of one technician on one request; survives reloads and restarts."""

    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="timers"
    )
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="timers")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    started_at = models.DateTimeField()

    class Meta:
        verbose_name = _("timer")
        verbose_name_plural = _("timers")
        constraints = [
            models.UniqueConstraint(fields=["technician", "ticket"], name="timer_one_per_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.technician} · {self.ticket_id} · {self.started_at:%Y-%m-%d %H:%M}"


class CalendarFeed(TimeStampedModel):
    """A technician's secret iCalendar subscription URL for their visits (issue 5).

    Phones subscribe without a session, so the URL itself is the credential: only a SHA-256
    digest of the token is stored (a database leak does not leak live URLs), regenerating
    replaces it (the old URL stops working at once) and deleting the row revokes it.
    """

    technician = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_digest = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.technician)
