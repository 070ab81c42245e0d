"""What the staff desk keeps of its own: the dashboard's pre-aggregated monthly figures,
and the technicians' canned replies and macros.

Aggregating a million requests and five million work entries on every visit is what makes
peers' dashboards take seconds. Closed months are summed once by ``dashboard_refresh``
(nightly, and after a bulk import) into these small tables; the current month is summed
live, bounded to one month of rows. Months never refreshed are summed live too, so the
figures are complete even before the first refresh.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from supportdesk.common.choices import Channel, Tier
from supportdesk.tickets.models import Ticket


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


class CannedReply(models.Model):
    """A reply typed once and used all day, in Greek and English; the contact's language
    picks the text. Shared (``owner`` empty, kept by managers) or one technician's own.
    Placeholders such as ``{tier}`` are filled from the request and its contract
    (``supportdesk.desk.placeholders``)."""

    title = models.CharField(_("title"), max_length=120)
    body_el = models.TextField(_("text in Greek"), max_length=10_000)
    body_en = models.TextField(_("text in English"), max_length=10_000, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("personal to"), on_delete=models.CASCADE,
        null=True, blank=True, related_name="canned_replies",
        help_text=_("Empty: shared with every technician."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title

    def body_for(self, language: str) -> str:
        return self.body_en if language == "en" and self.body_en.strip() else self.body_el


class Macro(models.Model):
    """Several steps applied at once, to one request or many: a canned reply sent, a status,
    a §10 classification and an assignment (each optional)."""

    ASSIGN_ME = "me"

    name = models.CharField(_("name"), max_length=120)
    reply = models.ForeignKey(CannedReply, verbose_name=_("reply"), on_delete=models.PROTECT,
                              null=True, blank=True, related_name="macros")
    status = models.CharField(_("status"), max_length=20, blank=True,
                              choices=Ticket.Status.choices)
    category = models.CharField(_("scope (§10)"), max_length=24, blank=True,
                                choices=Ticket.Category.choices)
    assign_to_me = models.BooleanField(_("assign to whoever applies it"), default=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assign to"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("personal to"), on_delete=models.CASCADE,
        null=True, blank=True, related_name="macros",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class SavedView(models.Model):
    """A queue filter kept under a name, personal or shared (managers), shown in the queue's
    sidebar with its count. ``params`` are the queue's query parameters as the filters
    parsed them (never raw input)."""

    name = models.CharField(_("name"), max_length=80)
    params = models.JSONField(_("filters"), default=dict)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("personal to"), on_delete=models.CASCADE,
        null=True, blank=True, related_name="saved_views",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class TicketPresence(models.Model):
    """Who has a request open in the desk now, and who is typing a reply: a row per person
    and request, refreshed by the page every few seconds (``desk/presence.js``), so two
    technicians do not answer the same customer without knowing. Old rows mean nothing
    (only the last seconds count) and are swept."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    seen_at = models.DateTimeField()
    typing_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "user"], name="presence_once"),
        ]
        indexes = [models.Index(fields=["ticket", "seen_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.ticket_id} at {self.seen_at:%H:%M:%S}"
