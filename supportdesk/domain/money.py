"""Money: Decimal euros, rounded half-up to cents in exactly one place (SPEC "Time and money").

Every amount the rules engine produces goes through :func:`quantize_money`; nothing is ever a
float. Rates are per hour; durations are whole minutes (§8: the vendor measures them).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ROUNDING = ROUND_HALF_UP
_SIXTY = Decimal(60)


def quantize_money(amount: Decimal) -> Decimal:
    """Round ``amount`` to cents, half-up (the one rounding rule of the package)."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be a Decimal, got {type(amount).__name__}")
    return amount.quantize(CENT, rounding=ROUNDING)


def amount_for_minutes(minutes: int, rate_per_hour: Decimal) -> Decimal:
    """The charge for ``minutes`` whole minutes at ``rate_per_hour``, rounded to cents."""
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise TypeError("minutes must be an int")
    return quantize_money(Decimal(minutes) * rate_per_hour / _SIXTY)


def format_eur(amount: Decimal, lang: str = "el") -> str:
    """Display helper: ``1.234,56 €`` in Greek (default), ``€1,234.56`` in English."""
    q = quantize_money(amount)
    sign = "-" if q < 0 else ""
    text = f"{abs(q):,.2f}"  # 1,234.56
    if lang.lower().startswith("el"):
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
        return f"{sign}{text} €"
    return f"{sign}€{text}"
