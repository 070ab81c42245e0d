"""Writes of the API app: tokens made, revoked and touched; integration accounts made.

Keyword-only, each checks its actor again (the pages may be bypassed): a user makes and
revokes its own tokens; a manager makes integration accounts and their tokens.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.accounts.models import User
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import ensure_manager
from supportdesk.common.text import clean_text

from .models import ApiToken, IntegrationAccount

TOKEN_PREFIX = "sdk_"  # noqa: S105 - the marker before a secret, not one
LOOKUP_LENGTH = 12  # characters of the secret kept in the clear to find its row
LAST_USED_PRECISION = timedelta(minutes=1)  # last_used_at is written at most once a minute

TOKEN_NAME_REQUIRED = _("Give the token a name (what will use it).")
TOKEN_SCOPES_REQUIRED = _("Choose at least one scope: read, write or billing.")
TOKEN_SCOPE_UNKNOWN = _("Unknown scope: choose among read, write and billing.")
TOKEN_EXPIRY_PAST = _("The expiry must be in the future.")
TOKEN_NOT_YOURS = _("You can manage only your own tokens and, as a manager, those of "
                    "integration accounts.")
TOKEN_USER_INACTIVE = _("This account is deactivated: it cannot get a token.")
TOKEN_ALREADY_REVOKED = _("This token was already revoked.")
INTEGRATION_NAME_INVALID = _("The account name may use letters, digits and . - _ only "
                             "(3 to 60 characters).")
INTEGRATION_NAME_TAKEN = _("There is already a user with this name.")
INTEGRATION_CUSTOMER_INACTIVE = _("This customer is not active.")


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _may_manage(*, owner: User, by: User) -> bool:
    if not by.is_active:
        return False
    if owner.pk == by.pk:
        return True
    return by.is_manager and hasattr(owner, "integration")


def api_token_create(*, user: User, name: str, scopes: list[str],
                     expires_at: datetime | None = None, by: User,
                     now: datetime | None = None) -> tuple[ApiToken, str]:
    """Make a token acting as ``user``; returns the row and the secret, shown once."""
    now = now or timezone.now()
    if not _may_manage(owner=user, by=by):
        raise ApplicationError(TOKEN_NOT_YOURS, code="token_not_yours")
    if not user.is_active:
        raise ApplicationError(TOKEN_USER_INACTIVE, code="user_inactive")
    name = clean_text(name or "").strip()[:100]
    if not name:
        raise ApplicationError(TOKEN_NAME_REQUIRED, code="name_required",
                               extra={"field": "name"})
    scopes = sorted(set(scopes or []))
    if not scopes:
        raise ApplicationError(TOKEN_SCOPES_REQUIRED, code="scopes_required",
                               extra={"field": "scopes"})
    if not set(scopes) <= set(ApiToken.Scope.values):
        raise ApplicationError(TOKEN_SCOPE_UNKNOWN, code="scope_unknown",
                               extra={"field": "scopes"})
    if expires_at is not None and expires_at <= now:
        raise ApplicationError(TOKEN_EXPIRY_PAST, code="expiry_past",
                               extra={"field": "expires_at"})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)  # 256 bits
    token = ApiToken.objects.create(
        user=user, customer_id=user.customer_id, name=name,
        prefix=secret[len(TOKEN_PREFIX):len(TOKEN_PREFIX) + LOOKUP_LENGTH],
        secret_sha256=secret_digest(secret), scopes=scopes, expires_at=expires_at,
        created_by=by)
    return token, secret


def api_token_revoke(*, token: ApiToken, by: User, now: datetime | None = None) -> ApiToken:
    """Revoke ``token``: the next call with it is refused (401)."""
    if not _may_manage(owner=token.user, by=by):
        raise ApplicationError(TOKEN_NOT_YOURS, code="token_not_yours")
    if token.revoked_at is not None:
        raise ApplicationError(TOKEN_ALREADY_REVOKED, code="already_revoked")
    token.revoked_at = now or timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def api_token_touch(*, token: ApiToken, now: datetime | None = None) -> None:
    """Record a use; one UPDATE a minute at most per token (not a write per call)."""
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


@transaction.atomic
def integration_account_create(*, username: str, customer=None, description: str = "",
                               by: User) -> IntegrationAccount:
    """A machine user: for ``customer`` (a customer user of it: sees that company only) or,
    without one, on the vendor's side (a technician: the desk's own integrations)."""
    ensure_manager(by)
    username = (username or "").strip()
    if not (3 <= len(username) <= 60) or not all(
            ch.isalnum() or ch in ".-_" for ch in username):
        raise ApplicationError(INTEGRATION_NAME_INVALID, code="username_invalid",
                               extra={"field": "username"})
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(INTEGRATION_NAME_TAKEN, code="username_taken",
                               extra={"field": "username"})
    if customer is not None and not customer.is_active:
        raise ApplicationError(INTEGRATION_CUSTOMER_INACTIVE, code="customer_inactive",
                               extra={"field": "customer"})
    user = User(username=username, customer=customer,
                role=User.Role.CUSTOMER if customer is not None else User.Role.TECHNICIAN,
                first_name=clean_text(description or "").strip()[:150])
    user.set_unusable_password()  # a machine never logs in to the pages
    user.full_clean(exclude=["password"])
    user.save()
    return IntegrationAccount.objects.create(
        user=user, description=clean_text(description or "").strip()[:200], created_by=by)
