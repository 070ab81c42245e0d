"""Reads for accounts (two-factor state of staff, its audit trail)."""

from __future__ import annotations

from django.core.cache import cache
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


#: The shared-cache key of the assignable staff (see ``assignable_staff``).
ASSIGNABLE_STAFF_KEY = "accounts:assignable-staff"


def assignable_staff_queryset() -> QuerySet[User]:
    """Who a request can be assigned to: active technicians and managers, by name."""
    return User.objects.filter(
        is_active=True, role__in=[User.Role.TECHNICIAN, User.Role.MANAGER]
    ).order_by("first_name", "last_name", "username")


def assignable_staff() -> list[tuple[int, str]]:
    """``(pk, display name)`` of the assignable staff, kept in the shared cache until a user
    changes (``accounts.apps`` drops it on every save or delete of a user): the ticket page
    lists all of them in its assignment menu, and reading 200 users on every page view was
    a tenth of its time (issue 13)."""
    rows = cache.get(ASSIGNABLE_STAFF_KEY)
    if rows is None:
        rows = [(u.pk, u.get_full_name() or u.username) for u in
                assignable_staff_queryset().only("pk", "first_name", "last_name", "username")]
        cache.set(ASSIGNABLE_STAFF_KEY, rows, 3600)
    return rows


def assignable_staff_forget(**_kwargs) -> None:
    cache.delete(ASSIGNABLE_STAFF_KEY)
