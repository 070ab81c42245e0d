"""Date inputs that work in Greek and dates in a sane range (docs/security.md #43).

``<input type="date">`` only takes ISO values; the server used to fill ``01/11/2026`` in
Greek, so the browser showed an empty field. Every date and datetime-local input renders
ISO now (the common ``DateInput``/``DateTimeInput``), and year 1 or 9999 is a message.
"""

import datetime as dt

import pytest
from django.utils import translation

from supportdesk.billing.forms import (
    BillingRunForm,
    HoldOverrideForm,
    PrepaidSaleForm,
    StatementFilterForm,
    UsageForm,
)
from supportdesk.common.dates import ensure_dates_in_range, out_of_range_message
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.forms import DateField
from supportdesk.common.tests.helpers import at
from supportdesk.domain.dates import EARLIEST, LATEST, in_range
from supportdesk.worklog.forms import WorkEntryForm

DAY = dt.date(2026, 11, 1)


@pytest.mark.parametrize("form_class,name", [
    (BillingRunForm, "period_start"), (StatementFilterForm, "period_end"),
    (UsageForm, "period_start"), (HoldOverrideForm, "until"), (PrepaidSaleForm, "on"),
])
def test_date_inputs_render_iso_values_in_greek(form_class, name):
    with translation.override("el"):
        html = str(form_class(initial={name: DAY})[name])
    assert 'type="date"' in html and 'value="2026-11-01"' in html
    assert "01/11/2026" not in html


def test_datetime_local_inputs_render_iso_values_in_greek():
    with translation.override("el"):
        html = str(WorkEntryForm(initial={"started_at": at(2026, 11, 1, 9, 30)})["started_at"])
    assert 'type="datetime-local"' in html and 'value="2026-11-01T09:30"' in html


def test_a_greek_date_input_is_read_back():
    with translation.override("el"):
        form = PrepaidSaleForm({"hours": "1", "on": "2026-11-01"})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["on"] == DAY


def test_the_sane_range_is_2000_to_2100():
    assert dt.date(2000, 1, 1) == EARLIEST and dt.date(2100, 12, 31) == LATEST
    assert in_range(EARLIEST) and in_range(LATEST) and in_range(at(2100, 12, 31, 23, 59))
    assert not in_range(dt.date(1999, 12, 31)) and not in_range(dt.date(2101, 1, 1))
    ensure_dates_in_range(DAY, None)
    with pytest.raises(ApplicationError) as err:
        ensure_dates_in_range(DAY, dt.date(1, 1, 1))
    assert err.value.code == "date_range"


@pytest.mark.parametrize("typed", ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"])
def test_a_date_out_of_range_gets_a_message_and_the_form_keeps_what_was_typed(typed):
    with translation.override("el"):
        form = PrepaidSaleForm({"hours": "2", "on": typed})
        assert not form.is_valid()
        assert form.errors["on"] == [out_of_range_message()]
        assert f'value="{typed}"' in str(form["on"]) and 'value="2"' in str(form["hours"])
    assert DateField().clean("2100-12-31") == dt.date(2100, 12, 31)


@pytest.mark.parametrize("typed", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_a_datetime_out_of_range_gets_a_message(typed):
    form = WorkEntryForm({"started_at": typed, "ended_at": "2026-11-01T10:00",
                          "channel": "phone", "kind": "support"})
    assert not form.is_valid()
    assert form.errors["started_at"] == [out_of_range_message()]
    assert f'value="{typed}"' in str(form["started_at"])
