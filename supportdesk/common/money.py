"""Money input at the service boundary: :func:`supportdesk.domain.money.parse_amount` is the
rule; services call :func:`amount_or_none` to turn a refusal into the use case's message."""

from decimal import Decimal

from supportdesk.domain.money import AMOUNT_MAX_DIGITS, AmountError, parse_amount

from .exceptions import ApplicationError


def amount_or_none(value, message, *, max_digits: int = AMOUNT_MAX_DIGITS) -> Decimal | None:
    """``None`` or ``""`` is "no amount"; anything else must be an amount ``parse_amount``
    accepts, else ``ApplicationError(message, code="bad_amount")``."""
    if value is None or value == "":
        return None
    try:
        return parse_amount(value, max_digits=max_digits)
    except AmountError:
        raise ApplicationError(message, code="bad_amount") from None
