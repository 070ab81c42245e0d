"""Checks shared by the ticket services: who may act, and text limits (docs/security.md #35)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import STAFF_ONLY, ensure_staff  # noqa: F401
from supportdesk.common.permissions import is_vendor_staff as is_staff  # re-exported
from supportdesk.common.text import clean_text

NOT_ALLOWED = _("You are not allowed to do this.")
TEXT_TOO_LONG = _("%(field)s is too long: at most %(max)d characters.")
TEXT_REQUIRED = _("%(field)s is required.")

SUBJECT_MAX = 200
BODY_MAX = 50_000


def ensure_can_act(user, ticket) -> None:
    """Staff act on any request; a customer user only on its own company's requests."""
    if is_staff(user):
        return
    if (user is not None and user.is_active and getattr(user, "is_customer_user", False)
            and user.customer_id is not None and user.customer_id == ticket.customer_id):
        return
    raise ApplicationError(NOT_ALLOWED, code="not_allowed")


def clean_field(value: str | None, *, field, max_length: int, required: bool) -> str:
    """NUL and control characters dropped, surrounding space stripped, length checked."""
    text = clean_text(value or "").strip()
    if required and not text:
        raise ApplicationError(TEXT_REQUIRED % {"field": field}, code="required")
    if len(text) > max_length:
        raise ApplicationError(TEXT_TOO_LONG % {"field": field, "max": max_length},
                               code="too_long")
    return text
