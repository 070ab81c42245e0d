"""``supportdesk_format``: the one ``eur`` and ``hours`` of every page and document."""

from decimal import Decimal

import pytest
from django.template import Context, Template, engines
from django.utils import translation

from supportdesk.common.templatetags.supportdesk_format import eur, hours


def _render(text: str, **context) -> str:
    return Template("{% load supportdesk_format %}" + text).render(Context(context))


@pytest.mark.parametrize(
    ("amount", "el", "en"),
    [(Decimal("1234.5"), "1.234,50 €", "€1,234.50"), (Decimal("0.5"), "0,50 €", "€0.50"),
     ("45.00", "45,00 €", "€45.00"),  # a rate kept as text in a statement line's data
     (7, "7,00 €", "€7.00"), (Decimal("-1234567.891"), "-1.234.567,89 €", "-€1,234,567.89"),
     (None, "", ""), ("", "", "")],
)
def test_eur_in_greek_and_in_english(amount, el, en):
    with translation.override("el"):
        assert _render("{{ a|eur }}", a=amount) == el
    with translation.override("en"):
        assert _render("{{ a|eur }}", a=amount) == en
    assert eur(amount, "el") == el


def test_eur_refuses_what_is_not_an_amount():
    with pytest.raises(ArithmeticError):
        eur("abc")


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(0, "0:00"), (5, "0:05"), (60, "1:00"), (90, "1:30"), (95, "1:35"), (750, "12:30"),
     (6000, "100:00"), (-5, "-0:05"), (-65, "-1:05"), ("90", "1:30"), (None, ""), ("", ""),
     ("x", "")],
)
def test_hours_are_hours_and_minutes(minutes, text):
    assert _render("{{ m|hours }}", m=minutes) == text
    assert hours(minutes) == text


def test_no_other_library_defines_eur_or_hours():
    libraries = engines["django"].engine.template_libraries
    owners = {name for name, lib in libraries.items()
              if {"eur", "hours", "hours_minutes"} & set(lib.filters)}
    assert owners == {"supportdesk_format"}
