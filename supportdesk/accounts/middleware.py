from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import mfa

API_MFA_REQUIRED = _("Two-factor verification is required: verify your code in the browser.")
ALLOWED_ROUTES = ("login", "logout", "set_language", "accounts:mfa_verify", "accounts:mfa_setup")


class StaffMfaMiddleware:
    """Staff who gave the password but no second factor reach nothing but the allow-list.

    One middleware (after django-otp's OTPMiddleware), not a decorator per view, so that no
    staff page, API call or admin page can forget it (docs/security.md #15). Allow-list only:
    log in, log out, verify, enrol, the language switch and static files. Browsers are sent
    to the verify page (or to enrolment when no authenticator is confirmed yet); the API
    answers 403 in JSON. Off unless ``SUPPORTDESK_STAFF_MFA = "required"``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self._allowed: frozenset[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if mfa.mfa_required():
            user = request.user
            if mfa.needs_mfa(user) and not user.is_verified() and not self._is_allowed(
                    request.path):
                return self._refuse(request, user)
        return self.get_response(request)

    def _is_allowed(self, path: str) -> bool:
        if self._allowed is None:
            self._allowed = frozenset(reverse(name) for name in ALLOWED_ROUTES)
        static = "/" + settings.STATIC_URL.lstrip("/")
        return path in self._allowed or path.startswith(static)

    @staticmethod
    def _refuse(request: HttpRequest, user) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": str(API_MFA_REQUIRED)}, status=403)
        name = "accounts:mfa_verify" if mfa.has_confirmed_device(user) else "accounts:mfa_setup"
        url = reverse(name)
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(url)
