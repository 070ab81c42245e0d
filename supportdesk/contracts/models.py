"""Contracts and the business configuration they are priced and scheduled by.

Tariffs and calendars are data (edited by managers, effective-dated), never settings:
``to_domain()`` turns a row into the rules engine's value object.
"""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from supportdesk.common.choices import Tier
from supportdesk.common.models import TimeStampedModel
from supportdesk.domain.tariff import load_tariff


class TariffVersion(TimeStampedModel):
    """One effective-dated version of the tariff (§4, §5, §7, §9), kept as its TOML source.

    A ticket or work entry is always priced by the version in force at its own time; a
    version in use is never edited, a new one is added with a later ``effective_from``.
    """

    version = models.CharField(_("version"), max_length=40, unique=True)
    effective_from = models.DateField(_("in force from"), unique=True)
    source_toml = models.TextField(_("tariff (TOML)"))
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tariff version")
        verbose_name_plural = _("tariff versions")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.version} ({self.effective_from:%d/%m/%Y})"

    def to_domain(self):
        return load_tariff(self.source_toml)


class WorkingCalendar(TimeStampedModel):
    """The vendor's support hours (§6): weekly hours, Greek holidays, closures, moved days."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Athens")
    includes_greek_holidays = models.BooleanField(_("Greek public holidays"), default=True)
    is_default = models.BooleanField(_("default calendar"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True),
                name="calendar_single_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class WeeklyHours(models.Model):
    """One opening interval on a weekday (0 = Monday); several make split shifts."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    calendar = models.ForeignKey(
        WorkingCalendar, on_delete=models.CASCADE, related_name="weekly_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))

    class Meta:
        verbose_name = _("weekly hours")
        verbose_name_plural = _("weekly hours")
        ordering = ["weekday", "opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="weekly_hours_close_after_open",
                violation_error_message=_("Closing time must be after opening time."),
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="weekly_hours_weekday_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}-{self.closes_at:%H:%M}"


class Closure(models.Model):
    """A period the office is closed, e.g. the summer closure of §6 (5-25 August)."""

    calendar = models.ForeignKey(WorkingCalendar, on_delete=models.CASCADE, related_name="closures")
    starts_on = models.DateField(_("first closed day"))
    ends_on = models.DateField(_("last closed day"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="closure_end_not_before_start",
                violation_error_message=_("A closure cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on:%d/%m/%Y}-{self.ends_on:%d/%m/%Y} {self.reason}".strip()


class CalendarDay(models.Model):
    """A single day a manager opens or closes against the rule (e.g. 1 May moved)."""

    calendar = models.ForeignKey(WorkingCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    is_working = models.BooleanField(_("working day"))
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendar_day_unique"),
            models.CheckConstraint(
                condition=Q(is_working=False)
                | Q(opens_at__isnull=False, closes_at__isnull=False, closes_at__gt=F("opens_at")),
                name="calendar_day_hours_when_working",
                violation_error_message=_("A working day needs opening and closing times."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.reason}".strip()


class Contract(TimeStampedModel):
    """A customer's annual support contract (§3, §4) at one tier for one period."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
        related_name="contracts",
    )
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), help_text=_("Last day covered."))
    # Euros excl. VAT, computed by the tariff's fee rule from the licensed value (§4);
    # stored because it is what was agreed, even if licences change later.
    annual_fee = models.DecimalField(
        _("annual fee (€)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    tariff_version = models.ForeignKey(
        TariffVersion, verbose_name=_("tariff version"), on_delete=models.PROTECT,
        related_name="contracts",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    renews_contract = models.OneToOneField(
        "self", verbose_name=_("renewal of"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="renewed_by",
    )
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-starts_on"]
        indexes = [models.Index(fields=["customer", "starts_on", "ends_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")), name="contract_end_after_start",
                violation_error_message=_("A contract must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(annual_fee__gte=0), name="contract_fee_not_negative",
                violation_error_message=_("The annual fee cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.get_tier_display()} · {self.starts_on:%d/%m/%Y}"
