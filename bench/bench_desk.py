"""Staff desk benchmark (issue 5): 1,000,000 requests and 5,000,000 work entries on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sd_bench_desk \
        .venv/bin/python bench/bench_desk.py

Fills the database with set-based SQL (``INSERT ... SELECT generate_series``, indexes dropped
during the load and rebuilt after), skipping whatever is already filled, so it can be re-run;
then measures the server time (Django test client, in process: URL routing, middleware,
queries, templates) of the queue, a filtered queue, searches, a ticket page and the dashboard,
``--requests`` times each after a warm-up, and prints p50/p95 and the SQL query count per page.

The "ticket page (50 messages, 200 entries)" is one open request topped up (once, then
reused) to 50 messages and 200 work entries (issue 13: the page where technicians spend the
day; its query count must not grow with them).

Options: --tickets N --entries N --requests N --reset (drop the database and refill it)
--pages WORD (only the pages whose label contains WORD, e.g. ``--pages ticket``).
Targets: p95 < 100 ms per page, < 500 ms for the dashboard.

To compare with an older commit on the same data, in the same session: make a worktree of it
(``git worktree add /work/tp-old <commit>``), copy this script into its ``bench/`` and run it
from there with this venv (the script puts its own checkout first on ``sys.path``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sd_bench_desk")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

STAFF = 200
CUSTOMERS = 5000
PRODUCTS = 6
YEARS = 5
OPEN_SHARE = 0.02  # 2% of requests are open (20,000 at 1M)

SUBJECTS = [
    "Δεν τυπώνει η ταμειακή μηχανή", "Λάθος στο κλείσιμο ημέρας", "ΚΑΦΈ οθόνη στο ταμείο",
    "Πρόβλημα με το barcode", "Η ενημέρωση δεν ολοκληρώθηκε", "Δεν βγαίνει το παραστατικό",
    "Αργεί το πρόγραμμα", "Σφάλμα βάσης δεδομένων", "Εκπαίδευση νέου υπαλλήλου",
    "Λογισμικό αποθήκης: λάθος υπόλοιπα", "Δεν συνδέεται ο εκτυπωτής ετικετών",
    "Αλλαγή ΦΠΑ στα είδη", "Printer error στο POS", "Εξαγωγή στον λογιστή",
]
BODIES = [
    "Ο πελάτης τηλεφώνησε το πρωί, το πρόβλημα εμφανίστηκε μετά την ενημέρωση.",
    "Χρειάζεται απομακρυσμένη σύνδεση για έλεγχο των ρυθμίσεων.",
    "Η ζυγαριά δεν στέλνει βάρος στο πρόγραμμα, δοκιμάστηκε επανεκκίνηση.",
    "Ζητά οδηγίες για την έκδοση πιστωτικού τιμολογίου.",
]


def setup_django():
    import django

    django.setup()


def ensure_database(url: str, *, reset: bool = False) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if reset:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            print(f"dropped database {name}")
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def timed(label):
    class _T:
        def __enter__(self):
            self.t = time.perf_counter()
            return self

        def __exit__(self, *exc):
            print(f"  {label}: {time.perf_counter() - self.t:.1f} s", flush=True)

    return _T()


def _sql_array(values: list[str]) -> str:
    quoted = ",".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"(ARRAY[{quoted}]::text[])"


def drop_indexes(cursor, table: str) -> list[str]:
    """Drop the secondary indexes (and FK checks stay): rebuilding after a bulk load is far
    faster than maintaining them row by row. Returns their definitions."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass "
        "AND contype IN ('p', 'u'))", [table, table])
    rows = cursor.fetchall()
    for name, _ in rows:
        cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    return [definition for _, definition in rows]


def fill(n_tickets: int, n_entries: int) -> None:
    from django.db import connection, transaction
    from django.db.models import Max, Min
    from django.utils import timezone

    from supportdesk.accounts.models import User
    from supportdesk.catalog.models import Product
    from supportdesk.common.text import fold
    from supportdesk.contracts.models import TariffVersion
    from supportdesk.contracts.services import calendar_seed_default, tariff_seed_default
    from supportdesk.customers.models import Customer
    from supportdesk.tickets.models import Ticket
    from supportdesk.worklog.models import WorkEntry

    tariff_seed_default()
    calendar_seed_default()
    tv = TariffVersion.objects.order_by("effective_from").first()
    with connection.cursor() as cursor:
        if User.objects.filter(username__startswith="bench-tech").count() < STAFF:
            with timed("staff"):
                users = [User(username=f"bench-tech{i}", first_name="Τεχνικός",
                              last_name=f"{i:03d}", role=User.Role.TECHNICIAN,
                              email=f"t{i}@example.com") for i in range(STAFF)]
                users.append(User(username="bench-manager", first_name="Διευθύντρια",
                                  role=User.Role.MANAGER, email="m@example.com"))
                for u in users:
                    u.set_unusable_password()
                User.objects.bulk_create(users, ignore_conflicts=True)
        if Product.objects.count() < PRODUCTS:
            Product.objects.bulk_create([
                Product(code=f"bench-p{i}", name=f"Jewelsoft {n}")
                for i, n in enumerate(["POS", "Αποθήκη", "Λογιστική", "Ετικέτες", "e-shop",
                                       "Ζυγαριά"])], ignore_conflicts=True)
        if Customer.objects.count() < CUSTOMERS:
            with timed(f"{CUSTOMERS} customers"):
                prefix = "Κοσμηματοπωλείο"
                cursor.execute(f"""
                    INSERT INTO customers_customer (name, tax_number, tax_office, address,
                        city, postal_code, phone, email, is_out_of_town, distance_km,
                        is_active, notes, search_text, created_at, updated_at)
                    SELECT '{prefix} ' || g, lpad(g::text, 9, '0'), 'Α'' Αθηνών', '', 'Αθήνα',
                        '', '', '', g % 7 = 0, 0, true, '',
                        '{fold(prefix)} ' || g || ' ' || lpad(g::text, 9, '0') || ' αθηνα',
                        now(), now()
                    FROM generate_series(1, {CUSTOMERS}) g
                    ON CONFLICT DO NOTHING""")
        have = Ticket.objects.count()
        if have < n_tickets:
            print(f"filling {n_tickets - have:,} requests ...", flush=True)
            staff = list(User.objects.filter(username__startswith="bench-tech")
                         .values_list("pk", flat=True))
            products = list(Product.objects.values_list("pk", flat=True))
            bounds = Customer.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
            cmin, cmax = bounds["lo"], bounds["hi"]
            subjects = _sql_array(SUBJECTS)
            folded_subjects = _sql_array([fold(s) for s in SUBJECTS])
            bodies = _sql_array(BODIES)
            folded_bodies = _sql_array([fold(b) for b in BODIES])
            # One transaction: a failed load leaves the table and its indexes as they were.
            with transaction.atomic():
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # FK checks per statement
                defs = drop_indexes(cursor, "tickets_ticket")
                t0 = time.perf_counter()
                cursor.execute(f"""
                    INSERT INTO tickets_ticket (customer_id, product_id, contact_name, subject,
                        body, received_via, category, status, emergency, emergency_reason,
                        assignee_id, tier, received_at, first_response_at, resolved_at,
                        closed_at, response_target_minutes, response_target_max_minutes,
                        response_due_at, response_due_max_at, sla_outcome, search_text,
                        priority, resolution_target_minutes, resolution_due_at,
                        resolution_outcome, created_at, updated_at)
                    SELECT c.id, s.product, '', {subjects}[s.si] || ' ' || s.g,
                        {bodies}[s.bi], s.via, s.cat, s.status, 'none', '',
                        s.assignee, s.tier, s.received,
                        CASE WHEN s.open THEN NULL ELSE s.received + s.resp END,
                        CASE WHEN s.open THEN NULL ELSE s.received + interval '3 days' END,
                        CASE WHEN s.open THEN NULL ELSE s.received + interval '4 days' END,
                        s.target, s.target_max, s.received + s.due, s.received + s.due + s.extra,
                        CASE WHEN s.open THEN ''
                             WHEN s.resp <= s.due THEN 'met'
                             WHEN s.resp <= s.due + s.extra THEN 'late' ELSE 'breached' END,
                        {folded_subjects}[s.si] || ' ' || s.g || ' ' || {folded_bodies}[s.bi]
                            || ' ' || c.search_text,
                        s.priority, s.target * 6, s.received + s.due * 6,
                        CASE WHEN s.open THEN '' ELSE 'met' END,
                        s.received, s.received
                    FROM (
                        SELECT g, r, (r < {OPEN_SHARE}) AS open,
                            {cmin} + (hashint4(g) & 2147483647) % ({cmax} - {cmin} + 1) AS cust,
                            (ARRAY{products})[1 + (g % {len(products)})] AS product,
                            1 + (g % {len(SUBJECTS)}) AS si, 1 + (g % {len(BODIES)}) AS bi,
                            (ARRAY['phone','phone','phone','email','portal','remote'])
                                [1 + (g % 6)] AS via,
                            (ARRAY['program_fault','how_to','data','installation','training',
                                   'hardware','os','virus'])[1 + (g % 8)] AS cat,
                            CASE WHEN r < {OPEN_SHARE / 3} THEN 'new'
                                 WHEN r < {2 * OPEN_SHARE / 3} THEN 'open'
                                 WHEN r < {OPEN_SHARE} THEN 'waiting_customer'
                                 ELSE 'closed' END AS status,
                            CASE WHEN g % 10 = 0 THEN NULL
                                 ELSE (ARRAY{staff})[1 + (g % {len(staff)})] END AS assignee,
                            (ARRAY['free','basic','business'])[1 + (g % 3)] AS tier,
                            (ARRAY['normal','normal','normal','normal','high','low',
                                   'normal','urgent'])[1 + (g % 8)] AS priority,
                            CASE WHEN g % 3 = 0 THEN 960 WHEN g % 3 = 1 THEN 960 ELSE 480 END
                                AS target,
                            CASE WHEN g % 3 = 0 THEN 2400 WHEN g % 3 = 1 THEN 960 ELSE 480 END
                                AS target_max,
                            CASE WHEN r < {OPEN_SHARE}
                                 THEN now() - (r / {OPEN_SHARE}) * interval '10 days'
                                 ELSE now() - interval '10 days'
                                      - random() * interval '{YEARS * 365 - 10} days' END
                                AS received,
                            random() * interval '4 days' AS resp,
                            CASE WHEN g % 3 = 2 THEN interval '1 day' ELSE interval '2 days' END
                                + random() * interval '2 days' AS due,
                            CASE WHEN g % 3 = 0 THEN interval '3 days' ELSE interval '0 days' END
                                AS extra
                        FROM (SELECT g, random() AS r
                              FROM generate_series({have + 1}, {n_tickets}) g) base
                    ) s JOIN customers_customer c ON c.id = s.cust
                    ORDER BY s.received  -- rows arrive in time order, as in real use""")
                print(f"  insert requests: {time.perf_counter() - t0:.1f} s", flush=True)
                with timed(f"rebuild {len(defs)} request indexes"):
                    for definition in defs:
                        cursor.execute(definition)
            cursor.execute("ANALYZE tickets_ticket")
        have = WorkEntry.objects.count()
        if have < n_entries:
            print(f"filling {n_entries - have:,} work entries ...", flush=True)
            staff = list(User.objects.filter(username__startswith="bench-tech")
                         .values_list("pk", flat=True))
            tmin = Ticket.objects.order_by("pk").values_list("pk", flat=True).first()
            tmax = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first()
            with transaction.atomic():
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                defs = drop_indexes(cursor, "worklog_workentry")
                t0 = time.perf_counter()
                cursor.execute(f"""
                    INSERT INTO worklog_workentry (ticket_id, technician_id, channel, kind,
                        started_at, ended_at, duration_minutes, out_of_hours_minutes,
                        is_emergency, flat_fee, description, tariff_version_id, billed_minutes,
                        allowance_drawn_minutes, bank_drawn_minutes, net_amount, pricing,
                        locked_at, created_at, updated_at)
                    SELECT {tmin} + (hashint4(g) & 2147483647) % ({tmax} - {tmin} + 1),
                        (ARRAY{staff})[1 + (g % {len(staff)})],
                        (ARRAY['phone','phone','remote','office','onsite'])[1 + (g % 5)],
                        'support', st, st + d * interval '1 minute', d, 0, false, NULL, '',
                        {tv.pk}, d, 0, 0, round(d * 50 / 60.0, 2), '{{}}', NULL, st, st
                    FROM (SELECT g, now() - random() * interval '{YEARS * 365} days' AS st,
                                 5 + (g % 116) AS d
                          FROM generate_series({have + 1}, {n_entries}) g) s
                    ORDER BY st  -- in time order, as technicians log them""")
                print(f"  insert work entries: {time.perf_counter() - t0:.1f} s", flush=True)
                with timed(f"rebuild {len(defs)} work entry indexes"):
                    for definition in defs:
                        cursor.execute(definition)
            cursor.execute("ANALYZE worklog_workentry")
    # A visibility map lets the planner use index-only scans for the aggregates.
    with connection.cursor() as cursor:
        old = connection.autocommit
        connection.set_autocommit(True)
        with timed("vacuum analyze"):
            cursor.execute("VACUUM ANALYZE tickets_ticket")
            cursor.execute("VACUUM ANALYZE worklog_workentry")
        connection.set_autocommit(old)
    print(f"requests: {Ticket.objects.count():,} (open "
          f"{Ticket.objects.filter(status__in=['new', 'open', 'waiting_customer']).count():,})"
          f", work entries: {WorkEntry.objects.count():,}  [{timezone.now():%Y-%m-%d %H:%M}]")


class QueryCounter:
    def __init__(self):
        self.queries: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.queries.append(sql)
        return execute(sql, params, many, context)


BIG_SUBJECT = "Bench: σελίδα αιτήματος με 50 μηνύματα και 200 καταχωρίσεις"
BIG_MESSAGES = 50
BIG_ENTRIES = 200


def big_ticket(tech):
    """An open request with BIG_MESSAGES messages and BIG_ENTRIES work entries (made once)."""
    from django.db import connection

    from supportdesk.contracts.models import TariffVersion
    from supportdesk.tickets.models import Ticket
    from supportdesk.tickets.services import ticket_reply
    from supportdesk.worklog.models import WorkEntry

    ticket = Ticket.objects.filter(subject=BIG_SUBJECT).first()
    if ticket is None:
        ticket = Ticket.objects.filter(status="open").order_by("response_due_at")[1]
        Ticket.objects.filter(pk=ticket.pk).update(subject=BIG_SUBJECT)
        ticket.refresh_from_db()
    for i in range(ticket.messages.count(), BIG_MESSAGES):
        ticket_reply(ticket=ticket, body=f"Μήνυμα {i}: {BODIES[i % len(BODIES)]}", by=tech,
                     is_internal=i % 3 == 1)
        ticket.refresh_from_db()
    have = WorkEntry.objects.filter(ticket=ticket).count()
    if have < BIG_ENTRIES:
        tv = TariffVersion.objects.order_by("effective_from").first()
        with connection.cursor() as cursor:
            cursor.execute(f"""
                INSERT INTO worklog_workentry (ticket_id, technician_id, channel, kind,
                    started_at, ended_at, duration_minutes, out_of_hours_minutes,
                    is_emergency, flat_fee, description, tariff_version_id, billed_minutes,
                    allowance_drawn_minutes, bank_drawn_minutes, net_amount, pricing,
                    locked_at, created_at, updated_at)
                SELECT %s, %s, (ARRAY['phone','phone','remote','office','onsite'])[1 + (g %% 5)],
                    'support', st, st + d * interval '1 minute', d, 0, false, NULL, '',
                    {tv.pk}, d, 0, 0, round(d * 50 / 60.0, 2), '{{}}', NULL, st, st
                FROM (SELECT g, now() - g * interval '3 hours' AS st, 5 + (g %% 116) AS d
                      FROM generate_series(1, %s) g) s""",
                           [ticket.pk, tech.pk, BIG_ENTRIES - have])
    return ticket


def measure(n_requests: int, only: str = "") -> list[tuple[str, float, float, int, bool]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from supportdesk.accounts.models import User
    from supportdesk.desk.services import dashboard_refresh
    from supportdesk.tickets.models import Ticket
    from supportdesk.tickets.services import ticket_reply

    setup_test_environment()
    tech = User.objects.get(username="bench-tech7")
    manager = User.objects.get(username="bench-manager")
    if not only or only in "dashboard":
        with timed("dashboard_refresh (nightly job, 11 closed months)"):
            dashboard_refresh()
    ticket = (Ticket.objects.filter(status="open").order_by("response_due_at").first())
    if not ticket.messages.exists():
        for i in range(6):
            ticket_reply(ticket=ticket, body=f"Μήνυμα {i}", by=tech, is_internal=i % 2 == 1)
    big = big_ticket(tech)
    customer_name = ticket.customer.name.split()[-1]
    staff_client = Client()
    staff_client.force_login(tech)
    manager_client = Client()
    manager_client.force_login(manager)
    pages = [
        ("queue", staff_client, "/desk/", 100),
        ("queue page 3 (keyset)", staff_client, None, 100),
        ("queue filtered (technician+tier)", staff_client,
         f"/desk/?assignee={tech.pk}&tier=business", 100),
        ("queue filtered (status+channel)", staff_client,
         "/desk/?status=waiting_customer&channel=email", 100),
        ("search open (καφε)", staff_client, "/desk/?q=καφε", 100),
        ("search all statuses (customer)", staff_client,
         f"/desk/?q=κοσμηματοπωλειο+{customer_name}&status=all", 100),
        ("search all statuses (rare word)", staff_client, "/desk/?q=ζυγαρια&status=all", 100),
        ("ticket page", staff_client, f"/desk/tickets/{ticket.pk}/", 100),
        ("ticket page (50 messages, 200 entries)", staff_client, f"/desk/tickets/{big.pk}/",
         100),
        ("dashboard", manager_client, "/desk/dashboard/", 500),
    ]
    # Page 3 of the queue through its cursors.
    import re

    url = "/desk/"
    for _ in range(2):
        body = staff_client.get(url).content.decode()
        url = "/desk/" + re.search(r'href="(\?after=[^"]+)" rel="next"', body).group(1
                                                                                   ).replace(
            "&amp;", "&")
    pages[1] = (pages[1][0], staff_client, url, 100)
    results = []
    for label, client, url, target in pages:
        if only and only not in label:
            continue
        for _ in range(5):  # warm-up: caches, connection, plans
            response = client.get(url)
            assert response.status_code == 200, (label, url, response.status_code)
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            client.get(url)
        counted = counter.queries
        times = []
        for _ in range(n_requests):
            t = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        p50 = statistics.median(times)
        p95 = times[max(int(len(times) * 0.95) - 1, 0)]
        results.append((label, p50, p95, len(counted), p95 < target))
        print(f"  {label:40s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  queries {len(counted):3d}"
              f"  {'OK' if p95 < target else 'SLOW'} (< {target} ms)", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=5_000_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--pages", default="", help="only the pages whose label has this")
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("the benchmark runs on PostgreSQL: set DATABASE_URL")
    ensure_database(url, reset=args.reset)
    setup_django()
    from django.core.management import call_command

    with timed("migrate"):
        call_command("migrate", verbosity=0)
    t = time.perf_counter()
    fill(args.tickets, args.entries)
    print(f"data ready in {time.perf_counter() - t:.0f} s")
    print(f"server time over {args.requests} requests per page after 5 warm-up requests:")
    results = measure(args.requests, only=args.pages)
    slow = [r[0] for r in results if not r[4]]
    print("all targets met" if not slow else f"over target: {', '.join(slow)}")


if __name__ == "__main__":
    main()
