"""The sane date range (:mod:`supportdesk.domain.dates`) as a translated refusal (#43)."""

from datetime import date, datetime

from django.utils.translation import gettext_lazy as _

from supportdesk.common.exceptions import ApplicationError
from supportdesk.domain.dates import EARLIEST, LATEST, in_range

DATE_OUT_OF_RANGE = _("Dates must be between %(earliest)s and %(latest)s.")


def out_of_range_message() -> str:
    return DATE_OUT_OF_RANGE % {"earliest": EARLIEST.strftime("%d/%m/%Y"),
                                "latest": LATEST.strftime("%d/%m/%Y")}


def ensure_dates_in_range(*values: date | datetime | None) -> None:
    """Refuse (``ApplicationError``, code ``date_range``) any given date outside the range."""
    for value in values:
        if value is not None and not in_range(value):
            raise ApplicationError(out_of_range_message(), code="date_range")
