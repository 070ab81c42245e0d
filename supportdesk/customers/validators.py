from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.gr import vat

INVALID_TAX_NUMBER = _("%(value)s is not a valid Greek tax number (ΑΦΜ): %(reason)s")


def validate_greek_tax_number(value: str) -> None:
    """ΑΦΜ: nine digits with a check digit (python-stdnum ``gr.vat``)."""
    try:
        vat.validate(value)
    except StdnumError as exc:
        reasons = {
            "InvalidLength": _("it must have 9 digits"),
            "InvalidFormat": _("only digits are allowed"),
            "InvalidChecksum": _("the check digit does not match"),
        }
        reason = reasons.get(type(exc).__name__, _("it is malformed"))
        raise ValidationError(
            INVALID_TAX_NUMBER, code="invalid_tax_number", params={"value": value, "reason": reason}
        ) from exc


def normalise_tax_number(value: str) -> str:
    return vat.compact(value or "")
