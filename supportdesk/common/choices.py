"""Choices that mirror the rules engine's enums, so the database stores the same keys.

``tests/test_choices.py`` keeps them equal to ``supportdesk.domain.tariff``'s enums.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    FREE = "free", _("Free")
    BASIC = "basic", _("Basic")
    BUSINESS = "business", _("Business")


class Priority(models.TextChoices):
    """How urgent a request is (docs/rules.md "Resolution targets"), in display order."""

    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


class Channel(models.TextChoices):
    """The four channels of §1."""

    PHONE = "phone", _("Phone")
    REMOTE = "remote", _("Remote")
    OFFICE = "office", _("At our offices")
    ONSITE = "onsite", _("At customer premises")


class WorkKind(models.TextChoices):
    """§3: support and training are both paid work."""

    SUPPORT = "support", _("Support")
    TRAINING = "training", _("Training")
