"""``{% load supportdesk_format %}``: how every page and document shows money and time.

``{{ amount|eur }}``: ``1.234,56 €`` in Greek, ``€1,234.56`` in English (the rules engine's
``format_eur``). ``{{ minutes|hours }}``: whole minutes as hours:minutes, ``95`` → ``1:35``.
Both are plain functions too, for Python-built output (PDF, SVG charts).
"""

from decimal import Decimal

from django import template
from django.utils.translation import get_language

from supportdesk.domain.money import format_eur

register = template.Library()


@register.filter
def eur(amount, lang: str | None = None) -> str:
    """An amount in euros (a Decimal, int or decimal string such as a JSON-stored rate) in
    the active language's format; ``None``/``""`` is shown as nothing. Anything else is an
    error, never a silent blank (it would hide a wrong amount)."""
    if amount is None or amount == "":
        return ""
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    return format_eur(value, lang or get_language() or "el")


@register.filter
def hours(minutes) -> str:
    """Whole minutes as ``h:mm`` (``-0:05`` for a negative balance); ``""`` for no value."""
    try:
        total = int(minutes)
    except (TypeError, ValueError):
        return ""
    sign = "-" if total < 0 else ""
    h, m = divmod(abs(total), 60)
    return f"{sign}{h}:{m:02d}"
