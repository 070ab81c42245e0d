"""Support requests ("Αίτημα υποστήριξης"), their conversation and their event log.

SLA deadlines are computed by ``supportdesk.domain.sla`` in services and stored here so
that the queue can be ordered by an index instead of recomputing per row.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from supportdesk.common.choices import Priority, Tier, choice_display
from supportdesk.common.models import TimeStampedModel
from supportdesk.domain.ticket_status import OPEN_STATUSES


class Ticket(TimeStampedModel):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        OPEN = "open", _("Open")
        WAITING_CUSTOMER = "waiting_customer", _("Waiting on customer")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    class ReceivedVia(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        PORTAL = "portal", _("Customer portal")
        REMOTE = "remote", _("Remote session")
        OFFICE = "office", _("At our offices")
        ONSITE = "onsite", _("At customer premises")
        EMERGENCY_MESSAGE = "emergency_message", _("Emergency message (§7)")

    class Category(models.TextChoices):
        # In scope (§10: the proper operation of the vendor's products).
        PROGRAM_FAULT = "program_fault", _("Program fault")
        HOW_TO = "how_to", _("How-to question")
        DATA = "data", _("Data correction")
        INSTALLATION = "installation", _("Installation or update")
        TRAINING = "training", _("Training on our products")
        # Out of scope (§10): need a separately accepted quote before being billed.
        OS = "os", _("Operating system problems")
        GREEK_DISPLAY = "greek_display", _("Greek display or printing")
        NETWORK_STORAGE = "network_storage", _("Network or storage media")
        HARDWARE = "hardware", _("Hardware upgrade or repair")
        UNSUITABLE_EQUIPMENT = "unsuitable_equipment", _("Unsuitable equipment or consumables")
        VIRUS = "virus", _("Virus infection")
        OTHER_TRAINING = "other_training", _("Training on OS, Internet, image editing, Office")

    OUT_OF_SCOPE_CATEGORIES = frozenset({
        Category.OS, Category.GREEK_DISPLAY, Category.NETWORK_STORAGE, Category.HARDWARE,
        Category.UNSUITABLE_EQUIPMENT, Category.VIRUS, Category.OTHER_TRAINING,
    })

    class Emergency(models.TextChoices):
        NONE = "none", _("Not an emergency")
        PENDING = "pending", _("Emergency awaiting assessment")
        ACCEPTED = "accepted", _("Emergency accepted (§7)")
        DECLINED = "declined", _("Emergency declined")

    class SlaOutcome(models.TextChoices):
        MET = "met", _("Responded in time")
        LATE = "late", _("Responded after the expected time")
        BREACHED = "breached", _("Response target breached")

    class ResolutionOutcome(models.TextChoices):
        MET = "met", _("Resolved in time")
        BREACHED = "breached", _("Resolution target breached")

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
        related_name="tickets",
    )
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT,
        related_name="tickets", null=True, blank=True,
    )
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("contact"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="tickets_opened",
    )
    contact_name = models.CharField(_("caller name"), max_length=120, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("description"), blank=True)
    received_via = models.CharField(
        _("received via"), max_length=24, choices=ReceivedVia.choices, default=ReceivedVia.PHONE
    )
    category = models.CharField(
        _("category"), max_length=24, choices=Category.choices, default=Category.PROGRAM_FAULT
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.NEW)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices,
                                default=Priority.NORMAL)
    emergency = models.CharField(
        _("emergency (§7)"), max_length=12, choices=Emergency.choices, default=Emergency.NONE
    )
    emergency_reason = models.TextField(_("assessment note"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("technician"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="tickets_assigned",
    )
    # Snapshot of the tier in force when the request arrived: its SLA target never moves.
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices)
    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("contract"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="tickets",
    )
    received_at = models.DateTimeField(_("received at"))
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Snapshot of the tier's response target in working minutes when the request arrived
    # (§4): expected and latest (equal except Free). Deadlines are recomputed from these.
    response_target_minutes = models.PositiveIntegerField(
        _("response target (working minutes)"), null=True, blank=True, editable=False)
    response_target_max_minutes = models.PositiveIntegerField(
        _("latest response target (working minutes)"), null=True, blank=True, editable=False)
    # Stored deadlines (§4 response target on the §6 calendar), recomputed on pause/resume.
    response_due_at = models.DateTimeField(_("response due"), null=True, blank=True)
    response_due_max_at = models.DateTimeField(_("response due at the latest"), null=True,
                                               blank=True)
    # How the first response kept the promise, judged in working minutes when it was
    # given (met / late: after the expected target of Free / breached: after the latest).
    sla_outcome = models.CharField(
        _("response outcome"), max_length=12, choices=SlaOutcome.choices, blank=True,
        editable=False,
    )
    # Notices are sent once each; these mark that they were.
    sla_warning_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_breach_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The resolution clock (docs/rules.md "Resolution targets"): the tier x priority target
    # snapshot in working minutes, its due moment with the closed pauses skipped, how the
    # resolution kept it, and its notices. Empty on requests received before it existed.
    resolution_target_minutes = models.PositiveIntegerField(
        _("resolution target (working minutes)"), null=True, blank=True, editable=False)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    resolution_outcome = models.CharField(
        _("resolution outcome"), max_length=12, choices=ResolutionOutcome.choices,
        blank=True, editable=False,
    )
    resolution_warning_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_breach_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # §11 prerequisites recorded per request: None = not checked yet.
    has_backups = models.BooleanField(_("reliable backups kept"), null=True, blank=True)
    equipment_ok = models.BooleanField(_("equipment in working order"), null=True, blank=True)
    follows_instructions = models.BooleanField(_("instructions followed"), null=True, blank=True)
    no_third_party = models.BooleanField(_("no third-party interference"), null=True, blank=True)
    # A duplicate merged into another request: closed, pointing at where its conversation,
    # work and reply token went (docs/rules.md "Merging duplicates").
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="merged_from", editable=False,
    )
    # Folded subject + body + customer name for accent-insensitive search.
    search_text = models.TextField(editable=False, default="")
    history = HistoricalRecords(excluded_fields=["search_text", "updated_at"])

    class Meta:
        verbose_name = _("support request")
        verbose_name_plural = _("support requests")
        ordering = ["-received_at"]
        indexes = [
            # The queue: open tickets by due moment (partial index on PostgreSQL and SQLite).
            models.Index(
                fields=["response_due_at", "id"], name="ticket_queue_idx",
                condition=Q(status__in=list(OPEN_STATUSES)),
            ),
            # "My queue" / a technician's queue, in due order.
            models.Index(
                fields=["assignee", "response_due_at", "id"], name="ticket_assignee_queue_idx",
                condition=Q(status__in=list(OPEN_STATUSES)),
            ),
            # Dashboard "open load per technician": answered from the index alone.
            models.Index(
                fields=["assignee", "status", "first_response_at", "response_due_max_at"],
                name="ticket_open_load_idx",
                condition=Q(status__in=list(OPEN_STATUSES)),
            ),
            # The resolution clock's scan and order: open requests by resolution due.
            models.Index(
                fields=["resolution_due_at", "id"], name="ticket_resolution_idx",
                condition=Q(status__in=list(OPEN_STATUSES)),
            ),
            # Closed requests and "all": newest first.
            models.Index(fields=["-received_at", "-id"], name="ticket_received_idx"),
            models.Index(fields=["customer", "-received_at"], name="ticket_customer_idx"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_idx"),
            models.Index(fields=["status", "received_at"], name="ticket_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_response_at__isnull=True)
                | Q(first_response_at__gte=F("received_at")),
                name="ticket_response_after_received",
            ),
            models.CheckConstraint(
                condition=Q(response_due_at__isnull=True) | Q(response_due_max_at__isnull=True)
                | Q(response_due_max_at__gte=F("response_due_at")),
                name="ticket_latest_due_not_before_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        return f"#{self.pk:06d}" if self.pk else "#new"

    @property
    def version(self) -> int:
        """Changes whenever the request does (a reply, a status, an assignment...): a page
        that shows an older one is stale (the desk's collision guard)."""
        return int(self.updated_at.timestamp() * 1_000_000) if self.updated_at else 0

    @property
    def is_out_of_scope(self) -> bool:
        return self.category in self.OUT_OF_SCOPE_CATEGORIES

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketPause(models.Model):
    """A span while the SLA clocks do not run: the request waited on the customer
    (docs/rules.md "Waiting on the customer pauses the clock"), or stood resolved until it
    was reopened (the resolution clock, docs/rules.md "Resolution targets"; the response
    clock has stopped by then)."""

    class Reason(models.TextChoices):
        WAITING = "waiting", _("Waiting on the customer")
        RESOLVED = "resolved", _("Resolved until reopened")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(max_length=12, choices=Reason.choices, default=Reason.WAITING)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="pause_end_not_before_start",
            ),
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(ended_at__isnull=True),
                name="pause_one_open_per_ticket",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.started_at:%Y-%m-%d %H:%M} – {self.ended_at or '…'}"


class TicketEvent(models.Model):
    """Append-only log of what happened to a request, with machine keys (translated on display)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        STATUS_CHANGED = "status_changed", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        REPLIED = "replied", _("Replied")
        NOTE_ADDED = "note_added", _("Internal note added")
        ATTACHMENT_ADDED = "attachment_added", _("Attachment added")
        CATEGORY_CHANGED = "category_changed", _("Scope classification changed")
        PRIORITY_CHANGED = "priority_changed", _("Priority changed")
        MERGED_INTO = "merged_into", _("Merged into another request")
        MERGED_FROM = "merged_from", _("Another request merged into this one")
        LINKED = "linked", _("Linked to another request")
        UNLINKED = "unlinked", _("Link removed")
        EMERGENCY_ACCEPTED = "emergency_accepted", _("Emergency accepted")
        EMERGENCY_DECLINED = "emergency_declined", _("Emergency declined")
        WORK_LOGGED = "work_logged", _("Work logged")
        SLA_WARNING = "sla_warning", _("SLA warning sent")
        SLA_BREACHED = "sla_breached", _("SLA breach notice sent")
        RESOLUTION_WARNING = "resolution_warning", _("Resolution warning sent")
        RESOLUTION_BREACHED = "resolution_breached", _("Resolution breach notice sent")
        HOLD_OVERRIDDEN = "hold_overridden", _("Support hold overridden")
        PREREQUISITES_RECORDED = "prerequisites_recorded", _("Prerequisites recorded (§11)")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=Kind.choices)

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Staff-only events (internal notes, hold overrides) never reach the portal.
    is_internal = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.kind}"

    def get_kind_display(self) -> str:  # once per row of the history (see choice_display)
        return choice_display(TicketEvent.Kind, self.kind)


class TicketLink(models.Model):
    """A relation between two requests, shown on both: related, or one caused by the
    other. Staff only: the portal never shows links."""

    class Kind(models.TextChoices):
        RELATED = "related", _("Related")
        CAUSED_BY = "caused_by", _("Caused by")

    from_ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    to_ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("relation"), max_length=12, choices=Kind.choices,
                            default=Kind.RELATED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_ticket", "to_ticket"],
                                    name="ticket_link_once"),
            models.CheckConstraint(condition=~Q(from_ticket=F("to_ticket")),
                                   name="ticket_link_not_to_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.from_ticket_id} {self.kind} {self.to_ticket_id}"


class Message(TimeStampedModel):
    """A reply in the conversation, or an internal note that customers never see."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("message"))
    is_internal = models.BooleanField(_("internal note"), default=False)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"])]


def attachment_path(instance: "Attachment", filename: str) -> str:
    # Stored under a random name: the user's file name is only ever display text.
    return f"attachments/{instance.uuid.hex[:2]}/{instance.uuid.hex}"


class Attachment(TimeStampedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    is_internal = models.BooleanField(_("staff only"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at"]
