"""Fixtures of the rules-engine tests: plain pytest, no Django, no database."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings

from supportdesk.domain.calendar import BusinessCalendar, jewelsoft_calendar
from supportdesk.domain.tariff import Tariff, default_tariff

ATHENS = ZoneInfo("Europe/Athens")

# Property tests must keep the whole domain run well under a minute.
settings.register_profile("domain", deadline=None, max_examples=100,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("domain")


def at(text: str) -> datetime:
    """An aware Athens datetime from 'YYYY-MM-DD HH:MM' (the offset comes from the zone)."""
    return datetime.fromisoformat(text).replace(tzinfo=ATHENS)


@pytest.fixture(scope="session")
def calendar() -> BusinessCalendar:
    return jewelsoft_calendar()


@pytest.fixture(scope="session")
def tariff() -> Tariff:
    return default_tariff()
