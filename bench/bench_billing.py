"""Benchmark: one month's billing run for 5,000 customers and 400,000 work entries.

Run:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sd_bench_billing \
        .venv/bin/python bench/bench_billing.py [--customers 5000] [--entries 400000]

The script creates the database if needed, migrates it, fills it once (customers and
tickets with the ORM's bulk_create, work entries with one INSERT ... SELECT generate_series,
each entry carrying a realistic pricing snapshot), then resets the billing tables, times
``billing_run`` for November 2026 and prints seconds, statements, lines, peak RSS and the
process RSS sampled every 500 customers (flat = memory does not grow with customers).
``--workers N`` bills customers in N threads (default 3; 1 = sequential).

Target (issue 9): at least 4x faster than the per-entry run of commit 1809778, measured on
the same machine and data in the same session, with the same statements. The comparison:

    git worktree add /work/perf-old 1809778
    (cd /work/perf-old && PYTHONPATH=/work/perf-old DATABASE_URL=... \
        /work/main/.venv/bin/python bench/bench_billing.py)      # the old run
    DATABASE_URL=... .venv/bin/python bench/bench_billing.py --dump-only /tmp/old.tsv
    DATABASE_URL=... .venv/bin/python bench/bench_billing.py --dump /tmp/new.tsv
    diff /tmp/old.tsv /tmp/new.tsv                                 # no output: identical

(``--dump-only`` writes the figures of the statements in the database without running:
the old script has no ``--dump``.)
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

MONTH_START = "2026-11-01"
MONTH_END = "2026-11-30"


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def fill(n_customers: int, n_entries: int) -> None:
    from django.db import connection, transaction

    from supportdesk.accounts.models import User
    from supportdesk.common.choices import Tier
    from supportdesk.contracts.models import Contract, TariffVersion
    from supportdesk.contracts.services import calendar_seed_default, tariff_seed_default
    from supportdesk.customers.models import Customer
    from supportdesk.tickets.models import Ticket

    tariff_seed_default()
    calendar_seed_default()
    if Customer.objects.filter(name__startswith="Bench ").count() >= n_customers:
        print("data already present: skipping fill")
        return
    t0 = time.perf_counter()
    version = TariffVersion.objects.order_by("effective_from").first()
    tech, _ = User.objects.get_or_create(username="bench-tech", defaults={
        "role": User.Role.TECHNICIAN, "first_name": "Bench", "last_name": "Tech"})
    with transaction.atomic():
        customers = Customer.objects.bulk_create(
            [Customer(name=f"Bench Κοσμηματοπωλείο {i}", tax_number=f"9{i:08d}",
                      tax_office="Α' Αθηνών", address="Ερμού 1", city="Αθήνα",
                      postal_code="10563", search_text=f"bench κοσμηματοπωλειο {i}")
             for i in range(n_customers)], batch_size=2000)
        tiers = [Tier.BASIC, Tier.BUSINESS, Tier.FREE]
        Contract.objects.bulk_create(
            [Contract(customer=c, tier=tiers[i % 3], starts_on="2026-01-01",
                      ends_on="2026-12-31", annual_fee="600.00", tariff_version=version)
             for i, c in enumerate(customers) if tiers[i % 3] != Tier.FREE], batch_size=2000)
        Ticket.objects.bulk_create(
            [Ticket(customer=c, subject=f"Bench αίτημα {j}", tier=tiers[i % 3],
                    received_at="2026-11-01T09:00:00+02:00")
             for i, c in enumerate(customers) for j in range(2)], batch_size=2000)
    print(f"customers/contracts/tickets: {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    first_ticket = Ticket.objects.filter(customer=customers[0]).order_by("id").first().pk
    n_tickets = n_customers * 2
    # Entries spread over November in local working hours; 5-120 minutes each, priced as
    # a billed line at 45 €/h (the lines' sum is the entry's net amount, as the service
    # stores it). Built in SQL: the ORM would take minutes for 400,000 rows.
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO worklog_workentry (
                created_at, updated_at, ticket_id, technician_id, channel, kind, started_at,
                ended_at, duration_minutes, out_of_hours_minutes, is_emergency, flat_fee,
                description, tariff_version_id, billed_minutes, allowance_drawn_minutes,
                bank_drawn_minutes, net_amount, pricing, locked_at, idempotency_key)
            SELECT now(), now(), %(first)s + (g %% %(tickets)s), %(tech)s, 'onsite', 'support',
                   s, s + make_interval(mins => m), m, 0, false, NULL, '', %(version)s,
                   m, 0, 0, round(m * 45 / 60.0, 2),
                   jsonb_build_object('tier', 'basic', 'lines', jsonb_build_array(
                       jsonb_build_object('kind', 'billed',
                                          'amount', to_char(round(m * 45 / 60.0, 2), 'FM9990.00'),
                                          'vat_rate', '0.24', 'minutes', m,
                                          'drawn_minutes', 0, 'rate_per_hour', '45.00',
                                          'is_out_of_hours', false))),
                   NULL, NULL
            FROM (
                SELECT g,
                       timestamptz '2026-11-02 10:00 Europe/Athens'
                         + make_interval(days => (g / %(tickets)s) %% 28,
                                         mins => (g %% 7) * 60) AS s,
                       5 + (g * 37) %% 116 AS m
                FROM generate_series(0, %(n)s - 1) AS g
            ) AS x
            """,
            {"first": first_ticket, "tickets": n_tickets, "tech": tech.pk,
             "version": version.pk, "n": n_entries},
        )
        cur.execute("ANALYZE")
    print(f"work entries: {time.perf_counter() - t0:.1f} s")


def reset_billing() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("TRUNCATE billing_statementline, billing_historicalstatement, "
                    "billing_statement, billing_statementcounter, billing_billingrun CASCADE")
        cur.execute("UPDATE worklog_workentry SET locked_at = NULL WHERE locked_at IS NOT NULL")
        cur.execute("UPDATE worklog_expense SET locked_at = NULL WHERE locked_at IS NOT NULL")
        cur.execute("VACUUM ANALYZE worklog_workentry")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--entries", type=int, default=400_000)
    parser.add_argument("--workers", type=int, default=3,
                        help="threads billing customers in parallel (1 = sequential)")
    parser.add_argument("--dump", metavar="PATH",
                        help="write each customer's statement figures (net, VAT, total, "
                             "lines) to PATH, to compare two implementations")
    parser.add_argument("--dump-only", metavar="PATH",
                        help="only write the figures of the statements in the database "
                             "(e.g. those another implementation's run left) to PATH")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("set DATABASE_URL=postgres://postgres@127.0.0.1:5432/sd_bench_billing")
    ensure_database(url)

    import django

    django.setup()
    if args.dump_only:
        dump(args.dump_only)
        return
    import logging

    logging.disable(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    fill(args.customers, args.entries)
    reset_billing()

    import datetime as dt

    from supportdesk.billing.models import Statement, StatementLine
    from supportdesk.billing.services import billing_run
    from supportdesk.billing.services import statements as st

    samples: list[tuple[int, float]] = []
    original = st._bill_customers
    seen = {"n": 0}
    lock = threading.Lock()

    def sampled(**kwargs):
        result = original(**kwargs)
        with lock:
            before = seen["n"]
            seen["n"] += len(result)  # a batch of customers
            if seen["n"] // 500 > before // 500:
                samples.append((seen["n"], rss_mb()))
        return result

    st._bill_customers = sampled
    rss_before = rss_mb()
    t0 = time.perf_counter()
    run = billing_run(period_start=dt.date.fromisoformat(MONTH_START),
                      period_end=dt.date.fromisoformat(MONTH_END), by=None,
                      workers=args.workers)
    seconds = time.perf_counter() - t0
    st._bill_customers = original
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    t1 = time.perf_counter()
    again = billing_run(period_start=dt.date.fromisoformat(MONTH_START),
                        period_end=dt.date.fromisoformat(MONTH_END), by=None)
    rerun_seconds = time.perf_counter() - t1

    print(f"billing run ({args.workers} worker thread(s)): {seconds:.1f} s for "
          f"{run.customers_seen} customers, "
          f"{run.statements_issued} statements, "
          f"{StatementLine.objects.count()} lines (target: 4x the per-entry run of 1809778)")
    print(f"rerun (idempotent): {again.statements_issued} statements in {rerun_seconds:.1f} s")
    print(f"total billed: {sum(Statement.objects.values_list('total', flat=True))} €")
    print(f"RSS before run: {rss_before:.0f} MB; peak RSS (process): {peak:.0f} MB")
    print("RSS every 500 customers (MB): "
          + ", ".join(f"{n}:{mb:.0f}" for n, mb in samples))
    if args.dump:
        dump(args.dump)


def dump(path: str) -> None:
    """One line per customer: net, VAT, total and number of lines of its statements."""
    from django.db.models import Count, Sum

    from supportdesk.billing.models import Statement, StatementLine

    lines = dict(StatementLine.objects.values("statement__customer_id")
                 .annotate(n=Count("id")).values_list("statement__customer_id", "n"))
    rows = (Statement.objects.values("customer_id").order_by("customer_id")
            .annotate(net=Sum("net_total"), vat=Sum("vat_total"), total=Sum("total"),
                      n=Count("id")))
    with open(path, "w") as fh:
        for row in rows:
            fh.write(f"{row['customer_id']} {row['n']} {row['net']} {row['vat']} "
                     f"{row['total']} {lines.get(row['customer_id'], 0)}\n")
    print(f"per-customer figures written to {path}")


if __name__ == "__main__":
    main()
