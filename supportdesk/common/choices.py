"""Choices that mirror the rules engine's enums, so the database stores the same keys.

``tests/test_choices.py`` keeps them equal to ``supportdesk.domain.tariff``'s enums.
"""

from functools import cache

from django.db import models
from django.utils.encoding import force_str
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


@cache
def _labels(choices: type[models.Choices]) -> dict:
    return dict(choices.choices)


def choice_display(choices: type[models.Choices], value) -> str:
    """What Django's ``get_<field>_display()`` returns (the label, translated when shown, or
    the value itself if unknown), without the hashable copy of every choice Django builds on
    each call: a model defines ``get_<field>_display`` with it for fields shown once per row
    of a long list (the ticket page's entries and history)."""
    return force_str(_labels(choices).get(value, value), strings_only=True)
