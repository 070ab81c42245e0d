"""§11 "settlement of outstanding financial obligations": overriding a support hold.

A customer with an overdue statement is on hold (``billing.selectors.customer_hold_state``);
staff may serve them anyway until a date, with a reason that is kept (history + ticket
events are not needed: the override row itself, with its author, is the audit record).
"""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.billing.models import HoldOverride
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import ensure_manager
from supportdesk.common.text import clean_text

HOLD_OVERRIDE_NEEDS_REASON = _("Lifting a support hold needs a reason.")
HOLD_OVERRIDE_BAD_UNTIL = _("The override must last until today or a later day, at most a year.")
HOLD_OVERRIDE_ONLY_MANAGERS = _("Only managers lift a support hold.")
HOLD_OVERRIDE_REVOKED = _("This override was already revoked.")
HOLD_OVERRIDE_SHORTEN_BAD_UNTIL = _("Shorten the override to a day from today up to the day "
                                    "before its current end; it cannot be lengthened here.")
HOLD_OVERRIDE_ENDED = _("This override has already ended.")


def hold_override_create(*, customer, reason: str, by, until: date,
                         today: date | None = None) -> HoldOverride:
    ensure_manager(by, HOLD_OVERRIDE_ONLY_MANAGERS)
    reason = clean_text(reason or "").strip()
    if not reason:
        raise ApplicationError(HOLD_OVERRIDE_NEEDS_REASON, code="reason_required")
    today = today or timezone.localdate()
    if not isinstance(until, date) or until < today or (until - today).days > 366:
        raise ApplicationError(HOLD_OVERRIDE_BAD_UNTIL, code="bad_until")
    with transaction.atomic():
        row = HoldOverride(customer=customer, reason=reason[:2000], until=until, created_by=by)
        row.full_clean()
        row._history_user = by
        row.save()
    return row


def hold_override_revoke(*, override: HoldOverride, by) -> HoldOverride:
    ensure_manager(by, HOLD_OVERRIDE_ONLY_MANAGERS)
    with transaction.atomic():
        row = HoldOverride.objects.select_for_update().get(pk=override.pk)
        if row.revoked_at is not None:
            raise ApplicationError(HOLD_OVERRIDE_REVOKED, code="revoked")
        row.revoked_at = timezone.now()
        row._history_user = by
        row.save(update_fields=["revoked_at"])
    return row


def hold_override_shorten(*, override: HoldOverride, by, until: date,
                          today: date | None = None) -> HoldOverride:
    """End an override earlier (issue 14): never later, never before today (to end it now,
    revoke it). Recorded in the override's history: who, when and the former end."""
    ensure_manager(by, HOLD_OVERRIDE_ONLY_MANAGERS)
    today = today or timezone.localdate()
    with transaction.atomic():
        row = HoldOverride.objects.select_for_update().get(pk=override.pk)
        if row.revoked_at is not None:
            raise ApplicationError(HOLD_OVERRIDE_REVOKED, code="revoked")
        if row.until < today:
            raise ApplicationError(HOLD_OVERRIDE_ENDED, code="ended")
        if not isinstance(until, date) or until < today or until >= row.until:
            raise ApplicationError(HOLD_OVERRIDE_SHORTEN_BAD_UNTIL, code="bad_until")
        former = row.until
        row.until = until
        row._history_user = by
        row._change_reason = f"shortened from {former.isoformat()} to {until.isoformat()}"
        row.save(update_fields=["until"])
    return row
