"""Two-factor authentication for staff (docs/security.md #15, ASVS 6.3.2, 6.4.3, 6.5.1).

Built on django-otp: a TOTP device (authenticator app) plus one static device holding ten
single-use recovery codes. django-otp's OTPMiddleware tells whether the session was
verified (``request.user.is_verified()``); :class:`StaffMfaMiddleware` in
``accounts/middleware.py`` keeps unverified staff out of every route but an allow-list.

Customers are not asked for a second factor yet: ``needs_mfa`` is the one place to widen.
"""

from __future__ import annotations

import re
from base64 import b32encode

import segno
from django.conf import settings
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
STATIC_DEVICE_NAME = "Recovery codes"
_SEPARATORS = re.compile(r"[\s\-]+")
_TOTP_SHAPE = re.compile(r"^\d{6}$")
_RECOVERY_SHAPE = re.compile(r"^[a-z2-7]{8}$")


def mfa_required() -> bool:
    """Whether staff must verify a second factor (setting ``SUPPORTDESK_STAFF_MFA``)."""
    return getattr(settings, "SUPPORTDESK_STAFF_MFA", "off") == "required"


def needs_mfa(user) -> bool:
    """Who the requirement covers: vendor staff and anyone who can open the admin site."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_vendor_staff or user.is_staff or user.is_superuser)


def has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def normalise_code(raw: str) -> str:
    """What people type: spaces and dashes dropped, recovery codes case-insensitive."""
    return _SEPARATORS.sub("", raw or "").lower()[:32]


def looks_like_totp(code: str) -> bool:
    return bool(_TOTP_SHAPE.match(code))


def looks_like_recovery_code(code: str) -> bool:
    return bool(_RECOVERY_SHAPE.match(code))


def secret_for_humans(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an app without a camera."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG (no script, no style attribute: CSP-safe)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=4, title="QR", svgclass="mfa-qr", lineclass="mfa-qr-line")


def recovery_device(user) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).first()
