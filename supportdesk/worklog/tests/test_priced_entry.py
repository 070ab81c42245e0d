"""A priced entry carries the rules engine's ``PricedWork`` (its one definition) and reads
its numbers from it; the preview JSON and the stored snapshot keep their shape."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from supportdesk.common.choices import Channel
from supportdesk.domain.pricing import PricedWork
from supportdesk.worklog.services import entries as svc

pytestmark = pytest.mark.django_db

ATHENS = ZoneInfo("Europe/Athens")
NUMBERS = ("minutes", "rounded_minutes", "out_of_hours_minutes", "included_minutes",
           "covered_minutes", "allowance_drawn_minutes", "bank_drawn_minutes",
           "billed_minutes", "net_amount")


def test_priced_entry_reads_the_engines_priced_work(config, basic_contract, ticket_a,
                                                     technician):
    preview = svc.work_entry_preview(
        ticket=ticket_a, channel=Channel.REMOTE,
        started_at=dt.datetime(2026, 11, 24, 11, tzinfo=ATHENS),
        ended_at=dt.datetime(2026, 11, 24, 16, tzinfo=ATHENS))
    assert isinstance(preview.work, PricedWork)
    for name in NUMBERS:
        assert getattr(preview, name) == getattr(preview.work, name), name
    assert preview.lines == tuple(svc._line_dict(line) for line in preview.work.lines)
    assert set(preview.to_dict()) == {
        "tier", "contract_id", "tariff_version", "channel", "kind", *NUMBERS, "is_emergency",
        "flat_fee", "allowance_left_minutes", "allowance_left_after", "bank_left_minutes",
        "bank_left_after", "is_out_of_scope", "lines", "out_of_town", "out_of_town_amount",
        "held_minutes", "agreed_minutes", "agreement_id"}
    assert set(preview.snapshot()) == {
        "tier", "contract_id", "contract_year", "tariff_version", "rounded_minutes",
        "included_minutes", "covered_minutes", "is_out_of_scope", "agreement_id", "flat_fee",
        "lines"}
    entry = svc.work_entry_create(
        ticket=ticket_a, technician=technician, channel=Channel.REMOTE,
        started_at=dt.datetime(2026, 11, 24, 11, tzinfo=ATHENS),
        ended_at=dt.datetime(2026, 11, 24, 16, tzinfo=ATHENS), by=technician)
    assert entry.pricing["lines"] == list(preview.lines)
