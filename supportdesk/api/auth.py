"""Who calls the API, with what rights, how often.

Two ways in, tried in this order on every operation:

* ``Authorization: Bearer sdk_...``: an :class:`~supportdesk.api.models.ApiToken`, looked
  up by its prefix and compared by SHA-256 digest in constant time, refused (401) when it is
  unknown, revoked or expired, its user deactivated, or a customer user moved to another
  company since it was made (``api_token_for_secret``, checked on every call). The token's
  scopes then decide (403 ``scope_required``): GET needs ``read``, any other method
  ``write``; the billing operations (customers, contracts, statements) also ``billing``.
  A token call needs no CSRF token: it carries no cookie a browser would send by itself.
* the browser's session (with CSRF on writes), for the app's own pages and the docs: a
  logged-in user has every scope its role gives.

Each caller (a token, or a session's user) is rate-limited on the shared cache with
django-ratelimit (a fixed window per token: ``SUPPORTDESK_API_RATE``, default 120/m), so
every web process counts the same calls; over the limit is a 429 with ``Retry-After``.
"""

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import get_usage
from ninja.security import HttpBearer, SessionAuth

from .errors import ApiError
from .models import ApiToken
from .selectors import api_token_for_secret
from .services import api_token_touch

SCOPE_REQUIRED = _("This token lacks the “%(scope)s” scope needed here.")
RATE_GROUP = "supportdesk.api"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def api_rate(_group=None, _request=None) -> str:
    return settings.SUPPORTDESK_API_RATE


def _throttle(request: HttpRequest, caller: str) -> None:
    """Count one call of ``caller`` (once per request, however often auth runs)."""
    if getattr(request, "_sd_api_counted", False):
        return
    request._sd_api_counted = True
    usage = get_usage(request, group=RATE_GROUP, key=lambda _g, _r: caller, rate=api_rate,
                      increment=True)
    if usage and usage["should_limit"]:
        retry_after = max(1, int(usage["time_left"]))
        raise ApiError(429, "rate_limited", headers={"Retry-After": str(retry_after)})


def required_scopes(method: str, *, billing: bool) -> tuple[str, ...]:
    scopes = (ApiToken.Scope.READ,) if method in _SAFE_METHODS else (ApiToken.Scope.WRITE,)
    return (*scopes, ApiToken.Scope.BILLING) if billing else scopes


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``; ``billing=True`` on the billing routers."""

    openapi_bearerFormat = "sdk_<43 characters>"
    openapi_description = (
        "An API token made under your account at /accounts/api-tokens/ (managers: for "
        "integration accounts). Scopes: read for GET, write for POST, billing in addition "
        "for customers, contracts and statements. Revoked, expired or a deactivated or "
        "moved user: 401.")

    def __init__(self, *, billing: bool = False):
        super().__init__()
        self.billing = billing

    def authenticate(self, request: HttpRequest, token: str):
        found = getattr(request, "_sd_api_token", None)
        if found is None:
            found = api_token_for_secret(token.strip())
            if found is None:
                return None
            request._sd_api_token = found
            # The rest of the request (selectors, services, the Idempotency-Key layer)
            # acts as the token's user, exactly as for a session.
            request.user = found.user
            request.api_token = found
            api_token_touch(token=found)
        _throttle(request, f"token:{found.prefix}")
        for scope in required_scopes(request.method, billing=self.billing):
            if scope not in found.scopes:
                raise ApiError(403, "scope_required", SCOPE_REQUIRED % {"scope": scope})
        return found


class SessionUserAuth(SessionAuth):
    """The logged-in browser session (CSRF checked on writes by django-ninja)."""

    openapi_description = ("The app's own pages: the session cookie, with the X-CSRFToken "
                           "header on writes.")

    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        if user is None or not user.is_active:
            return None
        _throttle(request, f"user:{user.pk}")
        return user


def api_auth(*, billing: bool = False) -> list:
    return [TokenAuth(billing=billing), SessionUserAuth()]
