"""Two-factor pages: enrol an authenticator, verify a code, managers reset a lost one.

Thin: parse, authorise, call one service. The enrolment and verification pages are the
only pages an unverified staff session reaches (``StaffMfaMiddleware``).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import manager_required

from . import mfa, selectors, services
from .forms import CodeForm, ThrottledPasswordChangeForm
from .models import User

VERIFIED = _("Two-factor verification done.")
RECOVERY_USED = _("You used a recovery code; %(left)s remain. Ask a manager for new codes "
                  "when few are left.")
RESET_DONE = _("Two-factor devices of %(name)s were reset (%(count)s removed). They enrol "
               "again at their next login.")
ALREADY_DONE = _("Two-factor authentication is already set up. If you lost your phone, ask "
                 "a manager to reset it.")


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


def _with_next(name: str, request: HttpRequest) -> str:
    return reverse(name) + "?" + urlencode({"next": _next_url(request)})


def _mark_verified(request: HttpRequest, device) -> None:
    otp_login(request, device)
    request.session.cycle_key()  # a new session id once the second factor is in


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not mfa.needs_mfa(user):
        raise PermissionDenied  # customers: not offered yet
    if mfa.has_confirmed_device(user):
        if not user.is_verified():
            return redirect(_with_next("accounts:mfa_verify", request))
        messages.info(request, ALREADY_DONE)
        return redirect("/")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.mfa_enrolment_confirm(
                user=user, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            form.add_error("code", exc.message)
        else:
            _mark_verified(request, device)
            return _no_store(render(request, "accounts/mfa_recovery_codes.html", {
                "codes": codes, "next": _next_url(request)}))
    device = services.mfa_enrolment_start(user=user)
    return _no_store(render(request, "accounts/mfa_setup.html", {
        "form": form, "qr_svg": mfa.qr_svg(device), "secret": mfa.secret_for_humans(device),
        "next": _next_url(request)}))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not mfa.needs_mfa(user):
        raise PermissionDenied
    if not mfa.has_confirmed_device(user):
        return redirect(_with_next("accounts:mfa_setup", request))
    if user.is_verified():
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.mfa_verify(user=user, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            form.add_error("code", exc.message)
        else:
            _mark_verified(request, device)
            if isinstance(device, StaticDevice):
                messages.warning(request, RECOVERY_USED % {"left": device.token_set.count()})
            else:
                messages.success(request, VERIFIED)
            return redirect(_next_url(request))
    return render(request, "accounts/mfa_verify.html", {
        "form": form, "next": _next_url(request)})


@never_cache
@manager_required
@require_http_methods(["GET"])
def mfa_staff(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/mfa_staff.html", {
        "staff": selectors.staff_mfa_list(), "events": selectors.mfa_event_list()})


@manager_required
@require_POST
def mfa_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    target = get_object_or_404(User, pk=user_id)
    try:
        count = services.mfa_devices_reset(user=target, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, RESET_DONE % {
            "name": target.get_full_name() or target.username, "count": count})
    return redirect("accounts:mfa_staff")


class ThrottledPasswordChangeView(PasswordChangeView):
    """The password change of ``accounts/`` and of the admin: a wrong current password
    counts as a failed login (``ThrottledPasswordChangeForm``)."""

    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}
