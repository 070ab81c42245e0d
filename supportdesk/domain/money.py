"""Money: Decimal euros, rounded half-up to cents in exactly one place
(docs/rules.md "Time and money").

Every amount the rules engine produces goes through :func:`quantize_money`; nothing is ever a
float. Rates are per hour; durations are whole minutes (§8: the vendor measures them).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ROUNDING = ROUND_HALF_UP
_SIXTY = Decimal(60)
AMOUNT_MAX_DIGITS = 10  # the amount columns: max_digits=10, decimal_places=2


class AmountError(ValueError):
    """Raised by :func:`parse_amount` for input that is not an amount of euros we accept."""


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


def parse_amount(value: Decimal | int | str, *, max_digits: int = AMOUNT_MAX_DIGITS) -> Decimal:
    """The one rule for an amount of euros someone typed (or a caller already parsed).

    Accepted: a ``Decimal``, an ``int`` or text; in text either ``,`` or ``.`` is the decimal
    separator (``"12,50"`` == ``"12.50"``: Greek staff type a comma), surrounding space is
    ignored. The result has at most two decimals, is not negative and has at most
    ``max_digits`` digits in all (so it fits its column); it is returned in cents
    (``Decimal("12.50")``).

    Refused with :class:`AmountError`: floats (binary, never money) and bools; NaN and
    Infinity; negatives; more than two decimals (``"1.234"`` is 1.234 €, not 1234 €, so it
    is refused rather than guessed); any thousands separator (``"1.234,50"``: with both
    separators meaning "decimal point" the input is ambiguous, so it is refused); values
    above the column's maximum; empty text. Callers that allow "no amount" check for
    ``None``/``""`` first.
    """
    if isinstance(value, (bool, float)) or not isinstance(value, (Decimal, int, str)):
        raise AmountError(f"not an amount: {value!r}")
    if isinstance(value, str):
        try:
            amount = Decimal(value.strip().replace(",", "."))
        except InvalidOperation:
            raise AmountError(f"not an amount: {value!r}") from None
    else:
        amount = Decimal(value)
    if not amount.is_finite():
        raise AmountError(f"not a finite amount: {value!r}")
    if amount < 0:
        raise AmountError(f"negative amount: {value!r}")
    # bound before rounding: quantising a huge value would overflow the context
    if amount >= Decimal(10) ** (max_digits - 2):
        raise AmountError(f"amount too large: {value!r}")
    cents = amount.quantize(CENT, rounding=ROUNDING)
    if cents != amount:
        raise AmountError(f"more than two decimals: {value!r}")
    return cents.copy_abs()  # "-0" is 0.00
