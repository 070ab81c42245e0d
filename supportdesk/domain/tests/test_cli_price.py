"""``supportdesk-rules price``: §10 out-of-scope agreements and §9 out-of-town costs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from supportdesk.domain.cli import main
from supportdesk.domain.pricing import OUT_OF_SCOPE_HELD

BASIC_PHONE = ["price", "--tier", "basic", "--channel", "phone",
               "--start", "2026-11-24T11:00+02:00", "--minutes", "90"]
# Tuesday 17:00-19:00: the second hour is out of hours.
BASIC_ONSITE_LATE = ["price", "--tier", "basic", "--channel", "onsite",
                     "--start", "2026-11-24T17:00+02:00", "--minutes", "120", "--emergency"]
# Tuesday 19:00-21:00, accepted emergency, out of town (the worked example of test_pricing).
BASIC_ONSITE_EVENING = ["price", "--tier", "basic", "--channel", "onsite",
                        "--start", "2026-11-24T19:00+02:00", "--minutes", "120", "--emergency",
                        "--out-of-town"]


def run(capsys, *argv: str) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def rows(out):
    return [(line["kind"], line["minutes"], line["amount"]) for line in out["lines"]]


# --------------------------------------------------------------------------- §10


@pytest.mark.parametrize("extra", [[], ["--out-of-town"], ["--allowance-left", "600"]])
def test_out_of_scope_without_an_agreement_is_held_exit_2(capsys, extra):
    assert main([*BASIC_PHONE, "--out-of-scope", *extra]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == OUT_OF_SCOPE_HELD


def test_out_of_scope_fixed_amount_on_an_included_channel(capsys):
    # Basic's phone is included, yet out-of-scope work is billed only as agreed.
    out = run(capsys, *BASIC_PHONE, "--out-of-scope", "--quote-amount", "150.00")
    assert rows(out) == [("agreed", 90, "0.00"), ("agreement", 0, "150.00")]
    assert [line["vat_rate"] for line in out["lines"]] == ["0.24", "0.24"]
    assert (out["agreed_minutes"], out["billed_minutes"], out["allowance_drawn_minutes"],
            out["bank_drawn_minutes"]) == (90, 0, 0, 0)
    assert out["totals"] == {"net": "150.00", "vat": "36.00", "gross": "186.00",
                             "vat_by_rate": {"0.24": "36.00"}}


def test_out_of_scope_fixed_amount_is_not_surcharged_and_rounded_to_cents(capsys):
    out = run(capsys, *BASIC_ONSITE_LATE, "--out-of-scope", "--quote-amount", "99.995")
    assert rows(out) == [("agreed", 120, "0.00"), ("agreement", 0, "100.00")]
    assert out["totals"]["gross"] == "124.00"


def test_out_of_scope_hourly_bills_every_minute_at_the_rate_with_the_surcharge(capsys):
    out = run(capsys, *BASIC_ONSITE_LATE, "--out-of-scope", "--quote-rate", "60",
              "--allowance-left", "600", "--bank-left", "600")
    assert [(line["kind"], line["minutes"], line["rate_per_hour"], line["is_out_of_hours"],
             line["amount"]) for line in out["lines"]] == [
        ("billed", 60, "60.00", False, "60.00"),
        ("billed", 60, "60.00", True, "60.00"),
        ("surcharge", 60, None, True, "12.00")]
    assert (out["billed_minutes"], out["allowance_drawn_minutes"],
            out["bank_drawn_minutes"]) == (120, 0, 0)
    assert out["totals"] == {"net": "132.00", "vat": "31.68", "gross": "163.68",
                             "vat_by_rate": {"0.24": "31.68"}}


def test_out_of_scope_hourly_on_an_included_channel(capsys):
    out = run(capsys, *BASIC_PHONE, "--out-of-scope", "--quote-rate", "50.00")
    assert rows(out) == [("billed", 90, "75.00")]
    assert out["totals"]["gross"] == "93.00"


def test_out_of_scope_out_of_town_has_the_fee_once_and_the_agreement(capsys):
    out = run(capsys, *BASIC_ONSITE_EVENING, "--out-of-scope", "--quote-amount", "200",
              "--distance-km", "120")
    assert rows(out) == [("agreed", 120, "0.00"), ("out_of_base", 0, "30.00"),
                         ("agreement", 0, "200.00"), ("travel", 0, "96.00")]
    assert out["totals"]["net"] == "326.00"


# --------------------------------------------------------------------------- §9


def test_out_of_town_with_distance_and_lodging(capsys):
    out = run(capsys, *BASIC_ONSITE_EVENING, "--distance-km", "120", "--lodging", "65.00")
    assert rows(out) == [("billed", 120, "90.00"), ("surcharge", 120, "18.00"),
                         ("out_of_base", 0, "30.00"), ("travel", 0, "96.00"),
                         ("lodging", 0, "65.00")]
    travel = out["lines"][3]
    assert (travel["quantity"], travel["unit_price"]) == ("240", "0.40")  # the round trip
    assert [line["kind"] for line in out["lines"]].count("out_of_base") == 1
    assert out["totals"] == {"net": "299.00", "vat": "71.76", "gross": "370.76",
                             "vat_by_rate": {"0.24": "71.76"}}


def test_out_of_town_with_travel_at_cost(capsys):
    out = run(capsys, *BASIC_ONSITE_EVENING, "--travel-cost", "25.50")
    assert rows(out) == [("billed", 120, "90.00"), ("surcharge", 120, "18.00"),
                         ("out_of_base", 0, "30.00"), ("travel", 0, "25.50")]
    assert (out["lines"][3]["quantity"], out["lines"][3]["unit_price"]) == (None, None)
    assert out["totals"]["net"] == "163.50"


def test_out_of_town_alone_keeps_its_output(capsys):
    out = run(capsys, *BASIC_ONSITE_EVENING)
    assert rows(out) == [("billed", 120, "90.00"), ("surcharge", 120, "18.00"),
                         ("out_of_base", 0, "30.00")]
    assert out["totals"]["gross"] == "171.12"
    assert set(out) == {"tariff", "lines", "minutes", "rounded_minutes", "out_of_hours_minutes",
                        "billed_minutes", "agreed_minutes", "allowance_drawn_minutes",
                        "bank_drawn_minutes", "totals"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([*BASIC_PHONE, "--out-of-scope", "--quote-amount", "10", "--quote-rate", "50"],
         "not allowed with"),
        ([*BASIC_PHONE, "--quote-amount", "10"], "--quote-amount: only with --out-of-scope"),
        ([*BASIC_PHONE, "--quote-rate", "50"], "--quote-rate: only with --out-of-scope"),
        ([*BASIC_PHONE, "--out-of-scope", "--quote-rate", "0"], "must be positive"),
        ([*BASIC_PHONE, "--out-of-scope", "--quote-amount", "-5"], "non-negative"),
        ([*BASIC_PHONE, "--out-of-scope", "--quote-amount", "1,5"], "not a decimal"),
        ([*BASIC_ONSITE_EVENING, "--distance-km", "120", "--travel-cost", "20"],
         "not allowed with"),
        ([*BASIC_ONSITE_LATE, "--distance-km", "120"], "--distance-km: only with --out-of-town"),
        ([*BASIC_ONSITE_LATE, "--lodging", "65"], "--lodging: only with --out-of-town"),
        ([*BASIC_ONSITE_LATE, "--travel-cost", "20"], "--travel-cost: only with --out-of-town"),
        ([*BASIC_PHONE, "--out-of-town", "--distance-km", "120"], "on-site visit"),
        ([*BASIC_ONSITE_EVENING, "--distance-km", "far"], "not a decimal"),
    ],
)
def test_bad_price_options_exit_2_with_a_message(capsys, argv, message):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "error:" in captured.err
    assert message in captured.err


def test_the_command_itself_exits_2_on_held_work():
    done = subprocess.run([sys.executable, "-m", "supportdesk.domain", *BASIC_PHONE,
                           "--out-of-scope"], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout) == (2, "")
    assert OUT_OF_SCOPE_HELD in done.stderr
