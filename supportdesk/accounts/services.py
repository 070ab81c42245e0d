"""Writes for accounts: enrolling and verifying a second factor, resetting a lost one.

A wrong code must count even though the use case is refused: django-otp records the
failure (throttling) on the device, so the refusal is raised only after the transaction
that saved the failure has committed.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import ensure_manager

from . import mfa
from .models import MfaEvent, User

CODE_WRONG = _("That code is not valid. Check the time on your phone and try the newest code.")
CODE_THROTTLED = _("Too many wrong codes. Wait a little and try again.")
ALREADY_ENROLLED = _("Two-factor authentication is already set up for this account.")
NOT_STAFF_TARGET = _("Only staff accounts have two-factor devices to reset.")
NOT_YOURSELF = _("Another manager must reset your own devices.")
RESET_MANAGERS_ONLY = _("Only a manager can reset two-factor devices.")


def _throttled(devices: list[Device]) -> bool:
    return bool(devices) and all(not d.verify_is_allowed()[0] for d in devices)


def mfa_enrolment_start(*, user: User) -> TOTPDevice:
    """The pending (unconfirmed) authenticator of ``user``: reused, so a reload shows the
    same QR code the phone may already have scanned."""
    if mfa.has_confirmed_device(user):
        raise ApplicationError(ALREADY_ENROLLED, code="already_enrolled")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice(user=user, name=mfa.TOTP_DEVICE_NAME, confirmed=False)
        device.full_clean()
        device.save()
    return device


def mfa_enrolment_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending authenticator with a code from the app; on success issue ten
    recovery codes, returned once (the caller shows them, nothing shows them again)."""
    code = mfa.normalise_code(code)
    verified = throttled = False
    recovery: list[str] = []
    with transaction.atomic():
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise ApplicationError(ALREADY_ENROLLED, code="already_enrolled")
        device = (TOTPDevice.objects.select_for_update()
                  .filter(user=user, confirmed=False).order_by("pk").first())
        if device is None:
            raise ApplicationError(CODE_WRONG, code="no_pending_device")
        throttled = _throttled([device])
        if not throttled and mfa.looks_like_totp(code):
            verified = device.verify_token(code)  # saves last_t or the failure count
        elif not throttled:
            device.throttle_increment(commit=True)
        if verified:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            StaticDevice.objects.filter(user=user).delete()
            static = StaticDevice.objects.create(user=user, name=mfa.STATIC_DEVICE_NAME,
                                                 confirmed=True)
            recovery = [StaticToken.random_token() for _ in range(mfa.RECOVERY_CODE_COUNT)]
            StaticToken.objects.bulk_create(
                StaticToken(device=static, token=token) for token in recovery)
            MfaEvent.objects.create(user=user, actor=user, kind=MfaEvent.Kind.ENROLLED)
    if not verified:
        raise ApplicationError(CODE_THROTTLED if throttled else CODE_WRONG,
                               code="throttled" if throttled else "wrong_code")
    return device, recovery


def mfa_verify(*, user: User, code: str) -> Device:
    """The device that accepts ``code`` (TOTP code or recovery code), or ApplicationError.

    A TOTP code is accepted once per time step (django-otp keeps ``last_t``); a recovery
    code is deleted when used. Each wrong code lengthens the device's lock (1, 2, 4... s).
    """
    code = mfa.normalise_code(code)
    matched: Device | None = None
    throttled = False
    with transaction.atomic():
        if mfa.looks_like_recovery_code(code):
            candidates = list(StaticDevice.objects.select_for_update()
                              .filter(user=user, confirmed=True))
        else:
            candidates = list(TOTPDevice.objects.select_for_update()
                              .filter(user=user, confirmed=True))
        throttled = _throttled(candidates)
        for device in candidates:
            if not mfa.looks_like_totp(code) and isinstance(device, TOTPDevice):
                device.throttle_increment(commit=True)  # garbage counts as a wrong code
                continue
            if device.verify_token(code):
                matched = device
                break
        if matched is not None and isinstance(matched, StaticDevice):
            MfaEvent.objects.create(user=user, actor=user, kind=MfaEvent.Kind.RECOVERY_USED)
    if matched is None:
        raise ApplicationError(CODE_THROTTLED if throttled else CODE_WRONG,
                               code="throttled" if throttled else "wrong_code")
    return matched


def mfa_devices_reset(*, user: User, by: User) -> int:
    """A manager removes every second-factor device of a staff member (lost phone); the
    person enrols again at the next login. Audited with the manager as actor."""
    ensure_manager(by, RESET_MANAGERS_ONLY)
    if user.role == User.Role.CUSTOMER and not (user.is_staff or user.is_superuser):
        raise ApplicationError(NOT_STAFF_TARGET, code="not_staff")
    if user.pk == by.pk:
        raise ApplicationError(NOT_YOURSELF, code="self_reset")
    with transaction.atomic():
        removed = 0
        for device in list(devices_for_user(user, confirmed=None)):
            device.delete()
            removed += 1
        MfaEvent.objects.create(user=user, actor=by, kind=MfaEvent.Kind.RESET)
    return removed
