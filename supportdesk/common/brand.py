"""The vendor's brand (issue 14): name, logo and colours from settings, on every page, e-mail
and PDF statement; the product's own name, "supportdesk", stays in the footers.

Settings (environment variables of the same names, config/settings/base.py):

- ``SUPPORTDESK_BRAND_NAME``: shown in the header, the e-mails and the statements.
- ``SUPPORTDESK_BRAND_LOGO``: a static path (``brand/logo.png``, found like any static file)
  or an absolute file path (served at ``/brand/logo``); PNG, JPEG or SVG, at most 2 MB.
- ``SUPPORTDESK_BRAND_COLOR`` / ``SUPPORTDESK_BRAND_ACCENT``: CSS hex colours (``#7a4b0c``).

The colours reach the pages through ``/brand.css`` (a stylesheet of our own origin, so the
CSP's ``style-src 'self'`` holds; no inline style). A bad colour is refused at startup by the
system check ``supportdesk.E001`` and, should it get past, is never written into CSS: the
default is used instead.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core import checks
from django.templatetags.static import static
from django.urls import reverse

PRODUCT_NAME = "supportdesk"
DEFAULT_COLOR = "#7a4b0c"
DEFAULT_ACCENT = "#b07a2a"
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
              ".svg": "image/svg+xml"}
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def is_color(value: object) -> bool:
    """A CSS hex colour, ``#abc`` or ``#aabbcc``, and nothing else (no ``;``, no ``}``)."""
    return isinstance(value, str) and _HEX.fullmatch(value) is not None


@dataclass(frozen=True)
class Brand:
    name: str
    color: str
    accent: str
    logo: str  # as configured: a static path, an absolute file path or ""

    @property
    def is_product(self) -> bool:
        return self.name == PRODUCT_NAME


def brand() -> Brand:
    """The configured brand; a colour that is not a hex colour falls back to the default."""
    color = getattr(settings, "SUPPORTDESK_BRAND_COLOR", "") or DEFAULT_COLOR
    accent = getattr(settings, "SUPPORTDESK_BRAND_ACCENT", "") or DEFAULT_ACCENT
    name = " ".join(str(getattr(settings, "SUPPORTDESK_BRAND_NAME", "") or "").split())
    return Brand(name=name[:100] or PRODUCT_NAME,
                 color=color if is_color(color) else DEFAULT_COLOR,
                 accent=accent if is_color(accent) else DEFAULT_ACCENT,
                 logo=str(getattr(settings, "SUPPORTDESK_BRAND_LOGO", "") or "").strip())


def is_file_path(logo: str) -> bool:
    return Path(logo).is_absolute()


def logo_file(b: Brand) -> Path | None:
    """The logo's file on disk, if it is configured, of a known type and not too large."""
    if not b.logo or Path(b.logo).suffix.lower() not in LOGO_TYPES:
        return None
    if is_file_path(b.logo):
        path: Path | None = Path(b.logo)
    else:
        found = finders.find(b.logo)
        path = Path(found) if isinstance(found, str) else None
        if path is None and settings.STATIC_ROOT:
            candidate = (Path(settings.STATIC_ROOT) / b.logo).resolve()
            if candidate.is_relative_to(Path(settings.STATIC_ROOT).resolve()):
                path = candidate
    try:
        if path is None or not path.is_file() or path.stat().st_size > LOGO_MAX_BYTES:
            return None
    except OSError:
        return None
    return path


def logo_url(b: Brand, *, absolute: bool = False) -> str:
    """Where a page (or, ``absolute``, an e-mail) loads the logo from; "" without one."""
    if logo_file(b) is None:
        return ""
    url = reverse("brand_logo") if is_file_path(b.logo) else static(b.logo)
    if absolute and url.startswith("/"):
        url = settings.SUPPORTDESK_SITE_URL.rstrip("/") + url
    return url


def logo_data_uri(b: Brand) -> str | None:
    """The logo embedded for the PDF renderer, which fetches nothing."""
    path = logo_file(b)
    if path is None:
        return None
    try:
        content = path.read_bytes()
    except OSError:
        return None
    mime = LOGO_TYPES[path.suffix.lower()]
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


def brand_css(b: Brand) -> str:
    # Only validated hex colours are ever written here (is_color), so nothing can escape.
    return (f":root {{ --brand: {b.color}; --brand-2: {b.accent}; }}\n"
            ".brand { gap: .5rem; display: inline-flex; align-items: center; }\n"
            ".brand-logo { height: 28px; width: auto; max-width: 140px; }\n")


def brand_context(*, absolute: bool = False) -> dict:
    b = brand()
    return {"brand": b, "brand_logo_url": logo_url(b, absolute=absolute),
            "product_name": PRODUCT_NAME}


def check_brand(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """System check: the brand's colours are hex colours, its logo a file of a known type."""
    errors: list[checks.CheckMessage] = []
    for setting in ("SUPPORTDESK_BRAND_COLOR", "SUPPORTDESK_BRAND_ACCENT"):
        value = getattr(settings, setting, "")
        if value and not is_color(value):
            errors.append(checks.Error(
                f"{setting} is {str(value)[:40]!r}, not a CSS hex colour such as #7a4b0c.",
                hint="Use #rgb or #rrggbb.", id="supportdesk.E001"))
    logo = str(getattr(settings, "SUPPORTDESK_BRAND_LOGO", "") or "").strip()
    if logo and Path(logo).suffix.lower() not in LOGO_TYPES:
        errors.append(checks.Error(
            f"SUPPORTDESK_BRAND_LOGO {logo[:80]!r} is not a PNG, JPEG or SVG file.",
            id="supportdesk.E002"))
    elif logo and logo_file(brand()) is None:
        errors.append(checks.Warning(
            f"SUPPORTDESK_BRAND_LOGO {logo[:80]!r} was not found (or is over 2 MB); pages "
            "show the brand's name only.", id="supportdesk.W001"))
    return errors
