"""Reads for accounts (two-factor state of staff, its audit trail)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import MfaEvent, User


def staff_mfa_list() -> QuerySet[User]:
    """Active staff with ``mfa_enrolled`` (a confirmed authenticator) for the manager."""
    confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return (User.objects.filter(is_active=True)
            .filter(Q(role__in=[User.Role.TECHNICIAN, User.Role.MANAGER]) | Q(is_staff=True))
            .annotate(mfa_enrolled=Exists(confirmed))
            .order_by("last_name", "first_name", "username"))


def mfa_event_list(*, limit: int = 50) -> QuerySet[MfaEvent]:
    return MfaEvent.objects.select_related("user", "actor")[:limit]
