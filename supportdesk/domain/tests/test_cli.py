"""The ``supportdesk-rules`` command line: JSON out, exit status 2 on bad arguments."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from supportdesk.domain.cli import main
from supportdesk.domain.tariff import DEFAULT_TARIFF_PATH


def run(capsys, *argv: str) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_due_friday_evening_business(capsys):
    out = run(capsys, "due", "--tier", "business", "--received", "2026-11-27T17:00+02:00")
    assert out["due_at"] == "2026-11-30T17:00:00+02:00"
    assert out["target_minutes"] == 480


def test_due_with_pause_and_max_target(capsys):
    out = run(capsys, "due", "--tier", "free", "--received", "2026-11-27T17:00+02:00",
              "--target", "max", "--pause", "2026-11-30T10:00+02:00/2026-11-30T12:00+02:00")
    assert out == {"due_at": "2026-12-07T11:00:00+02:00", "target_minutes": 2400,
                   "target": "max", "kind": "response", "priority": "normal", "tier": "free"}


def test_due_resolution_by_priority(capsys):
    # Business, normal priority: 3 working days (1 h on Friday, Monday, Tuesday, 7 h Wednesday).
    out = run(capsys, "due", "--tier", "business", "--received", "2026-11-27T17:00+02:00",
              "--kind", "resolution")
    assert out["due_at"] == "2026-12-02T17:00:00+02:00"
    assert (out["target_minutes"], out["kind"], out["target"]) == (1440, "resolution",
                                                                   "resolution")
    urgent = run(capsys, "due", "--tier", "business", "--received", "2026-11-27T17:00+02:00",
                 "--kind", "resolution", "--priority", "urgent")
    assert urgent["due_at"] == "2026-11-30T17:00:00+02:00"


def test_due_rejects_an_unknown_priority(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["due", "--tier", "basic", "--received", "2026-11-27T17:00+02:00",
              "--priority", "critical"])
    assert exc.value.code == 2
    assert "--priority" in capsys.readouterr().err


def test_due_in_summer_has_the_summer_offset(capsys):
    out = run(capsys, "due", "--tier", "basic", "--received", "2026-08-04T09:00Z")
    assert out["due_at"] == "2026-08-27T12:00:00+03:00"


def test_price_basic_remote_with_allowance(capsys):
    out = run(capsys, "price", "--tier", "basic", "--channel", "remote", "--start",
              "2026-11-24T11:00+02:00", "--minutes", "90", "--allowance-left", "60")
    assert [(line["kind"], line["minutes"], line["amount"]) for line in out["lines"]] == [
        ("allowance", 60, "0.00"), ("billed", 30, "25.00")]
    assert out["totals"] == {"net": "25.00", "vat": "6.00", "gross": "31.00",
                             "vat_by_rate": {"0.24": "6.00"}}
    assert out["allowance_drawn_minutes"] == 60


def test_price_emergency_out_of_town(capsys):
    out = run(capsys, "price", "--tier", "basic", "--channel", "onsite", "--start",
              "2026-11-24T19:00+02:00", "--minutes", "120", "--emergency", "--out-of-town")
    assert [line["kind"] for line in out["lines"]] == ["billed", "surcharge", "out_of_base"]
    assert out["totals"]["gross"] == "171.12"


def test_fee(capsys):
    out = run(capsys, "fee", "--tier", "basic", "--licence", "4000.00", "--licence", "1500.00")
    assert out["fee"] == "825.00"
    assert run(capsys, "fee", "--tier", "free", "--hours", "3")["fee"] == "150.00"


def test_fee_per_contract_year(capsys):
    # §4: every contract year pays the fee; a short last year pro rata by days
    out = run(capsys, "fee", "--tier", "basic", "--licence", "4000.00", "--licence", "1500.00",
              "--contract-start", "2026-01-01", "--contract-end", "2027-06-30")
    assert out["contract_fee"] == "825.00"
    assert out["years"] == [
        {"number": 1, "starts_on": "2026-01-01", "ends_on": "2026-12-31", "fee": "825.00"},
        {"number": 2, "starts_on": "2027-01-01", "ends_on": "2027-06-30", "fee": "409.11"},
    ]
    # Free pays no contract fee: its annual cost is the prepaid hours it buys
    free = run(capsys, "fee", "--tier", "free", "--contract-start", "2026-01-01",
               "--contract-end", "2026-12-31")
    assert (free["fee"], free["contract_fee"], free["years"][0]["fee"]) == (
        "50.00", "0.00", "0.00")


def test_allowance_keeps_the_contract_years_tariff(capsys, tmp_path):
    # a version from 1 July 2026 raising Basic's remote hours to 6 waits for the next year
    july = tmp_path / "july.toml"
    july.write_text(DEFAULT_TARIFF_PATH.read_text(encoding="utf-8")
                    .replace('version = "jewelsoft-2026.1"', 'version = "jewelsoft-2026.7"')
                    .replace('effective_from = "2026-01-01"', 'effective_from = "2026-07-01"', 1)
                    .replace("included_minutes_per_year = 240", "included_minutes_per_year = 360"),
                    encoding="utf-8")
    both = ["--tariff", str(DEFAULT_TARIFF_PATH), "--tariff", str(july)]
    august = run(capsys, "allowance", "--tier", "basic", "--contract-start", "2026-01-01",
                 "--contract-end", "2027-12-31", "--on", "2026-08-04", *both)
    assert (august["tariff"], august["included_minutes"]) == ("jewelsoft-2026.1",
                                                              {"remote": 240})
    next_year = run(capsys, "allowance", "--tier", "basic", "--contract-start", "2026-01-01",
                    "--contract-end", "2027-12-31", "--on", "2027-01-04", *both)
    assert next_year["contract_year"] == {"number": 2, "starts_on": "2027-01-01",
                                          "ends_on": "2027-12-31"}
    assert (next_year["tariff"], next_year["included_minutes"]) == ("jewelsoft-2026.7",
                                                                    {"remote": 360})
    # a contract starting after the new version takes it from its first day
    assert run(capsys, "allowance", "--tier", "basic", "--contract-start", "2026-09-01",
               "--on", "2026-09-01", *both)["tariff"] == "jewelsoft-2026.7"
    with pytest.raises(SystemExit) as exit_:
        main(["allowance", "--tier", "basic", "--contract-start", "2026-01-01",
              "--on", "2027-06-01"])
    assert exit_.value.code == 2


def test_price_from_start_and_end_counts_a_started_minute(capsys):
    by_minutes = run(capsys, "price", "--tier", "free", "--channel", "phone",
                     "--start", "2026-11-24T11:00+02:00", "--minutes", "31")
    by_end = run(capsys, "price", "--tier", "free", "--channel", "phone",
                 "--start", "2026-11-24T11:00+02:00", "--end", "2026-11-24T11:30:01+02:00")
    assert by_end == by_minutes  # 30 min 1 s is 31 worked minutes
    assert by_end["totals"]["net"] == "25.83"
    for bad in (["--end", "2026-11-24T10:00+02:00"],
                ["--end", "2026-11-24T12:00+02:00", "--minutes", "60"]):
        with pytest.raises(SystemExit) as exit_:
            main(["price", "--tier", "free", "--channel", "phone",
                  "--start", "2026-11-24T11:00+02:00", *bad])
        assert exit_.value.code == 2


def test_fee_contract_dates_go_together(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["fee", "--tier", "basic", "--contract-start", "2026-01-01"])
    assert exit_.value.code == 2


def test_hold_lifted_by_an_override(capsys):
    out = run(capsys, "hold", "--today", "2026-12-02", "--grace-days", "15",
              "--statement", "2026-10-01:120.00", "--override", "2026-12-31")
    assert out == {
        "today": "2026-12-02", "is_on_hold": False, "since": "2026-10-17",
        "reasons": ["statement_overdue", "override_in_force"],
        "overdue": [{"statement": "2026-10-01:120.00", "due_on": "2026-10-01",
                     "total": "120.00", "credited": "0.00", "owed": "120.00",
                     "overdue_from": "2026-10-17", "reason": "unpaid"}],
        "overdue_total": "120.00", "within_grace": [], "override": {"until": "2026-12-31"},
        "grace_days": 15,
    }


def test_hold_without_override_partly_credited_and_within_grace(capsys):
    out = run(capsys, "hold", "--today", "2026-12-02", "--grace-days", "15",
              "--statement", "2026-10-01:120.00:100.00", "--statement", "2026-11-30:50.00",
              "--statement", "2026-09-01:-30.00:0:credit",
              "--override", "2026-12-31:revoked")
    assert out["is_on_hold"] is True
    assert out["reasons"] == ["statement_overdue"]
    assert [(o["owed"], o["reason"]) for o in out["overdue"]] == [("20.00", "partly_credited")]
    assert out["overdue_total"] == "20.00"
    assert [o["overdue_from"] for o in out["within_grace"]] == ["2026-12-16"]
    assert out["override"] is None


def test_hold_with_nothing_owed(capsys):
    out = run(capsys, "hold", "--today", "2026-12-02", "--grace-days", "0")
    assert (out["is_on_hold"], out["since"], out["reasons"]) == (False, None,
                                                                 ["nothing_overdue"])


def test_contract_year_of_a_29_february_contract(capsys):
    out = run(capsys, "contract-year", "--starts", "2024-02-29", "--ends", "2027-02-27",
              "--day", "2026-03-01")
    assert out == {"number": 3, "starts_on": "2026-02-28", "ends_on": "2027-02-27",
                   "renewal": {"starts_on": "2027-02-28", "ends_on": "2030-02-27"}}


def test_contract_year_the_last_short_year(capsys):
    out = run(capsys, "contract-year", "--starts", "2024-01-01", "--ends", "2026-06-30",
              "--day", "2026-06-30")
    assert (out["number"], out["starts_on"], out["ends_on"]) == (3, "2026-01-01",
                                                                 "2026-06-30")


def test_status_table(capsys):
    out = run(capsys, "status")["statuses"]
    assert list(out) == ["new", "open", "waiting_customer", "resolved", "closed"]
    assert out["new"] == {"next": ["open", "waiting_customer", "resolved", "closed"],
                          "is_open": True, "is_clock_paused": False}
    assert out["waiting_customer"]["is_clock_paused"] is True
    assert [s for s, row in out.items() if row["is_open"]] == ["new", "open",
                                                                "waiting_customer"]
    assert run(capsys, "status", "--from", "closed") == {
        "statuses": {"closed": {"next": ["open"], "is_open": False,
                                "is_clock_paused": False}}}


def test_timer_rounds_up_from_the_started_second(capsys):
    # issue 9: a timer rounds like every entry (was: seconds dropped, nearest minute)
    out = run(capsys, "timer", "--started", "2026-11-24T11:00:40+02:00",
              "--stopped", "2026-11-24T12:30:10+02:00")
    assert out == {"started_at": "2026-11-24T11:00:40+02:00",
                   "ended_at": "2026-11-24T12:30:40+02:00", "minutes": 90}


def test_timer_over_the_autumn_dst_change(capsys):
    # 02:30 summer time to 03:30 winter time on 25 October 2026: two real hours
    out = run(capsys, "timer", "--started", "2026-10-25T02:30+03:00",
              "--stopped", "2026-10-25T03:30+02:00")
    assert out["minutes"] == 120


def test_expense_out_of_base_fee_defaults_to_the_tariffs(capsys):
    out = run(capsys, "expense", "--kind", "out_of_base", "--on", "2026-11-24")
    assert (out["kind"], out["amount"], out["vat_rate"]) == ("out_of_base", "30.00", "0.24")
    assert out["totals"] == {"net": "30.00", "vat": "7.20", "gross": "37.20"}
    assert run(capsys, "expense", "--kind", "out_of_base", "--on", "2026-11-24",
               "--amount", "35")["amount"] == "35.00"
    assert run(capsys, "expense", "--kind", "lodging", "--on", "2026-11-24",
               "--amount", "55.00")["totals"]["gross"] == "68.20"


def test_out_of_town_proposes_the_round_trip(capsys):
    out = run(capsys, "out-of-town", "--distance-km", "120", "--on", "2026-11-24")
    assert out == {"tariff": out["tariff"], "distance_km": "120", "round_trip_km": "240",
                   "travel_rate_per_km": "0.40", "travel": "96.00",
                   "out_of_base_fee": "30.00", "is_lodging_at_cost": True}


def test_custom_tariff_file(capsys, tmp_path, tariff):
    path = tmp_path / "t.toml"
    path.write_text(DEFAULT_TARIFF_PATH.read_text().replace('percent = "0.15"',
                                                             'percent = "0.20"'))
    out = run(capsys, "fee", "--tier", "basic", "--licence", "1000", "--tariff", str(path))
    assert out["fee"] == "200.00"


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["due", "--tier", "gold", "--received", "2026-11-27T17:00+02:00"],
        ["due", "--tier", "business", "--received", "2026-11-27T17:00"],  # naive
        ["due", "--tier", "business", "--received", "yesterday"],
        ["due", "--tier", "business", "--received", "2026-11-27T17:00+02:00",
         "--pause", "2026-11-30T10:00+02:00"],
        ["due", "--tier", "business", "--received", "3000-01-01T10:00+02:00"],
        ["price", "--tier", "basic", "--channel", "fax", "--start", "2026-11-24T11:00+02:00",
         "--minutes", "90"],
        ["price", "--tier", "basic", "--channel", "remote", "--start",
         "2026-11-24T11:00+02:00", "--minutes", "ninety"],
        ["price", "--tier", "basic", "--channel", "remote", "--start",
         "2026-11-24T11:00+02:00", "--minutes", "0"],
        ["fee", "--tier", "basic", "--licence", "lots"],
        ["fee", "--tier", "free", "--hours", "0"],
        ["fee", "--tier", "basic", "--tariff", "/nonexistent.toml"],
        ["hold", "--today", "2026-12-02"],
        ["hold", "--today", "tomorrow", "--grace-days", "15"],
        ["hold", "--today", "2026-12-02", "--grace-days", "-1"],
        ["hold", "--today", "2026-12-02", "--grace-days", "15", "--statement", "2026-10-01"],
        ["hold", "--today", "2026-12-02", "--grace-days", "15", "--statement",
         "2026-10-01:lots"],
        ["hold", "--today", "2026-12-02", "--grace-days", "15", "--statement",
         "2026-10-01:120.00:-5"],
        ["hold", "--today", "2026-12-02", "--grace-days", "15", "--statement",
         "2026-10-01:120.00:0:invoice"],
        ["hold", "--today", "2026-12-02", "--grace-days", "15", "--override",
         "2026-12-31:forever"],
        ["contract-year", "--starts", "2024-02-29", "--ends", "2027-02-27"],
        ["contract-year", "--starts", "2024-02-30", "--ends", "2027-02-27", "--day",
         "2026-03-01"],
        ["contract-year", "--starts", "2027-02-27", "--ends", "2024-02-29", "--day",
         "2026-03-01"],
        ["contract-year", "--starts", "2024-02-29", "--ends", "2027-02-27", "--day",
         "2027-02-28"],
        ["status", "--from", "reopened"],
        ["timer", "--started", "2026-11-24T11:00:40+02:00",
         "--stopped", "2026-11-24T11:01:10+02:00"],  # under a minute
        ["timer", "--started", "2026-11-24T08:00+02:00",
         "--stopped", "2026-11-24T20:01+02:00"],  # a forgotten timer
        ["timer", "--started", "2026-11-24T08:00", "--stopped", "2026-11-24T09:00+02:00"],
        ["expense", "--kind", "parking", "--on", "2026-11-24"],  # at cost: needs its amount
        ["expense", "--kind", "taxi", "--on", "2026-11-24", "--amount", "5"],
        ["expense", "--kind", "lodging", "--on", "2026-11-24", "--amount", "-5"],
        ["expense", "--kind", "lodging", "--on", "2010-01-01", "--amount", "5"],  # no VAT yet
        ["out-of-town", "--distance-km", "far", "--on", "2026-11-24"],
    ],
)
def test_bad_arguments_exit_2_with_a_message(capsys, argv):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "error:" in captured.err


def test_python_dash_m_runs_the_same_command():
    done = subprocess.run(
        [sys.executable, "-m", "supportdesk.domain", "fee", "--tier", "business",
         "--licence", "1000.00"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["fee"] == "300.00"
    bad = subprocess.run([sys.executable, "-m", "supportdesk.domain", "due", "--tier", "x"],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2
    assert "invalid choice" in bad.stderr
