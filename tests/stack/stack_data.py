"""The whole-stack test's data and its checks, run as a process of the stack itself (the
stack's settings and database, never the test run's): ``python tests/stack/stack_data.py
setup`` or ``check``; prints one JSON object.

``setup`` (after ``migrate`` and ``seed_config``): a manager and a technician, a customer
with a Business contract and a user (the intake), and ``--customers`` customers with a
Basic contract for 2026, one request each and ``--entries`` work entries in each of October
and November 2026 (set-based SQL, priced as billed lines like bench/bench_billing.py); the
last ``--with-users`` of them have a user, so their statements are notified.
``check``: what the test asserts on (statements, lines per work entry, notifications, jobs).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
PASSWORD = "stack-pass-2026!"
MONTHS = {"october": ("2026-10-01", "2026-10-31"), "november": ("2026-11-01", "2026-11-30")}


def setup(customers: int, entries: int, with_users: int) -> dict:
    from django.db import connection, transaction

    from supportdesk.accounts.models import User
    from supportdesk.common.choices import Tier
    from supportdesk.contracts.models import Contract, TariffVersion
    from supportdesk.customers.models import Customer
    from supportdesk.tickets.models import Ticket

    version = TariffVersion.objects.order_by("effective_from").first()
    manager = User.objects.create_user("stack-manager", "manager@stack.example", PASSWORD,
                                       role=User.Role.MANAGER, first_name="Ελένη",
                                       is_staff=True)
    tech = User.objects.create_user("stack-tech", "tech@stack.example", PASSWORD,
                                    role=User.Role.TECHNICIAN, first_name="Νίκος")
    with transaction.atomic():
        shop = Customer.objects.create(name="Stack Κοσμήματα", tax_number="099999999",
                                       tax_office="Α' Αθηνών", address="Ερμού 2",
                                       city="Αθήνα", postal_code="10563")
        Contract.objects.create(customer=shop, tier=Tier.BUSINESS, starts_on="2026-01-01",
                                ends_on="2026-12-31", annual_fee="900.00",
                                tariff_version=version)
        shop_user = User.objects.create_user("stack-shop", "shop@stack.example", PASSWORD,
                                             role=User.Role.CUSTOMER, customer=shop)
        billed = Customer.objects.bulk_create(
            [Customer(name=f"Stack Πελάτης {i:04d}", tax_number=f"8{i:08d}",
                      tax_office="Α' Αθηνών", address="Ερμού 1", city="Αθήνα",
                      postal_code="10563") for i in range(customers)])
        Contract.objects.bulk_create(
            [Contract(customer=c, tier=Tier.BASIC, starts_on="2026-01-01",
                      ends_on="2026-12-31", annual_fee="600.00", tariff_version=version)
             for c in billed])
        tickets = Ticket.objects.bulk_create(
            [Ticket(customer=c, subject=f"Stack αίτημα {i}", tier=Tier.BASIC,
                    received_at="2026-10-01T09:00:00+03:00")
             for i, c in enumerate(billed)])
        User.objects.bulk_create(
            [User(username=f"stack-c{i:04d}", email=f"c{i:04d}@stack.example",
                  role=User.Role.CUSTOMER, customer=c, password="!")
             for i, c in enumerate(billed) if i >= customers - with_users])
    with connection.cursor() as cur:
        for month, (first, _) in MONTHS.items():
            cur.execute(
                """
                INSERT INTO worklog_workentry (
                    created_at, updated_at, ticket_id, technician_id, channel, kind,
                    started_at, ended_at, duration_minutes, out_of_hours_minutes,
                    is_emergency, flat_fee, description, tariff_version_id, billed_minutes,
                    allowance_drawn_minutes, bank_drawn_minutes, net_amount, pricing,
                    locked_at, idempotency_key)
                SELECT now(), now(), t.id, %(tech)s, 'onsite', 'support', s,
                       s + make_interval(mins => m), m, 0, false, NULL, %(month)s,
                       %(version)s, m, 0, 0, round(m * 45 / 60.0, 2),
                       jsonb_build_object('tier', 'basic', 'lines', jsonb_build_array(
                           jsonb_build_object(
                               'kind', 'billed',
                               'amount', to_char(round(m * 45 / 60.0, 2), 'FM9990.00'),
                               'vat_rate', '0.24', 'minutes', m, 'drawn_minutes', 0,
                               'rate_per_hour', '45.00', 'is_out_of_hours', false))),
                       NULL, NULL
                FROM unnest(%(tickets)s::bigint[]) AS t(id),
                     LATERAL (SELECT (%(first)s::date + time '10:00' + make_interval(
                                         days => g * 3)) AT TIME ZONE 'Europe/Athens' AS s,
                                     15 + (g * 37) %% 90 AS m
                              FROM generate_series(0, %(n)s - 1) AS g) AS x
                """,
                {"tech": tech.pk, "month": month, "version": version.pk, "first": first,
                 "tickets": [t.pk for t in tickets], "n": entries})
        cur.execute("ANALYZE")
    return {"manager": manager.pk, "tech": tech.pk, "shop": shop.pk, "shop_user": shop_user.pk,
            "customers": customers, "entries_per_month": customers * entries}


def check() -> dict:
    from django.db.models import Count

    from supportdesk.billing.models import BillingRun, Statement, StatementLine
    from supportdesk.notifications.models import Notification
    from supportdesk.ops.models import JobRun
    from supportdesk.tickets.models import Ticket
    from supportdesk.worklog.models import WorkEntry

    lines = (StatementLine.objects.filter(work_entry__isnull=False)
             .values("work_entry_id").annotate(n=Count("id")))
    per_entry: dict[int, int] = {row["work_entry_id"]: row["n"] for row in lines}
    months = {}
    for month in MONTHS:
        ids = list(WorkEntry.objects.filter(description=month).values_list("pk", flat=True))
        months[month] = {
            "entries": len(ids),
            "locked": WorkEntry.objects.filter(description=month,
                                               locked_at__isnull=False).count(),
            "billed_once": sum(1 for pk in ids if per_entry.get(pk) == 1),
            "billed_more": sum(1 for pk in ids if per_entry.get(pk, 0) > 1),
        }
    return {
        "months": months,
        "statements": [[s.kind, s.series, s.year, s.number, str(s.period_start), s.status]
                       for s in Statement.objects.order_by("series", "year", "number")],
        "runs": [[str(r.period_start), r.finished_at is not None, r.statements_issued]
                 for r in BillingRun.objects.order_by("pk")],
        "notifications": [[n.pk, n.event, n.user.email, n.subject, n.status, n.attempts]
                          for n in Notification.objects.select_related("user").order_by("pk")],
        "tickets": {t.subject: {"id": t.pk, "reference": t.reference,
                                "warning_sent": t.sla_warning_sent_at is not None,
                                "due": t.response_due_at.isoformat() if t.response_due_at
                                else None}
                    for t in Ticket.objects.exclude(subject__startswith="Stack αίτημα")},
        "jobs": {j.name: [j.runs, j.last_outcome] for j in JobRun.objects.all()},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["setup", "check"])
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--entries", type=int, default=4)
    parser.add_argument("--with-users", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.stack.settings")
    import django

    django.setup()
    result = (setup(args.customers, args.entries, args.with_users) if args.command == "setup"
              else check())
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
