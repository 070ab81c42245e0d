"""The migration drill behind ``test_migration.py``, run in a process of its own::

    DATABASE_URL=... python -m supportdesk.entitlements.tests.migration_drill old|forward|back

Each phase prints one JSON snapshot of the database, read with plain SQL so that it means the
same on either side of the move: row counts of every table, ledger sums and balances,
statement totals, content types, group permissions, applied migrations.

``old``
    An empty database is migrated to the schema before the entitlements app (commit 08e1e6a:
    billing and contracts at 0001_initial, no entitlements, every other app at its latest
    migration) the way ``migrate`` built it then (post_migrate too: content types and
    permissions of the old models), and filled through the historical models.
``forward``
    ``manage.py migrate``: the latest schema. The snapshot also holds the same figures read
    through the new models (``supportdesk.entitlements.models``) and their permissions.
``back``
    ``manage.py migrate entitlements zero``: the old schema again.

A process per phase, as a deploy runs it: pytest-django's test database (built without
migrations) and content types cached by an earlier phase stay out of it.
"""

import datetime as dt
import json
import os
import sys
from decimal import Decimal
from zoneinfo import ZoneInfo

MOVE = ("entitlements", "0001_initial")
GROUP = "Billing clerks"
GROUP_PERMISSIONS = (  # (app_label, codename) as they were before the move
    ("billing", "view_hourbank"),
    ("billing", "view_bankledgerentry"),
    ("contracts", "view_prepaidpurchase"),
    ("billing", "view_statement"),  # stays in billing
)
ATHENS = ZoneInfo("Europe/Athens")


def setup_django() -> None:
    """Test settings on the database of ``DATABASE_URL`` (also a SQLite file: the test
    settings would otherwise put SQLite in a temporary directory of their own)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django
    import environ
    from django.conf import settings

    url = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database["NAME"] = url["NAME"]
        database.pop("TEST", None)
    django.setup()


# --- the schema before the move ----------------------------------------------------------


def old_targets(loader) -> list[tuple[str, str | None]]:
    """Every app at its latest migration that does not build on the move."""
    after_move = set(loader.graph.backwards_plan(MOVE))  # the move and all built on it
    targets = []
    for app_label, leaf in sorted(loader.graph.leaf_nodes()):
        before = [node for node in loader.graph.forwards_plan((app_label, leaf))
                  if node[0] == app_label and node not in after_move]
        targets.append((app_label, before[-1][1] if before else None))
    return targets


def build_old_database() -> None:
    from django.core.management.sql import emit_post_migrate_signal
    from django.db import connection, transaction
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    targets = old_targets(executor.loader)
    plan = executor.migration_plan(targets)
    executor.migrate(targets, plan=plan)
    # the models of then (the state executor.migrate returns has been re-rendered meanwhile)
    old_apps = executor.loader.project_state([t for t in targets if t[1] is not None]).apps
    # as migrate did then: content types and permissions of the old models (billing.hourbank
    # ...) and, on PostgreSQL, the append-only ledger triggers
    emit_post_migrate_signal(0, False, connection.alias, apps=old_apps, plan=plan)
    with transaction.atomic():
        fill(old_apps)


def fill(apps) -> None:
    """Demo data through the historical models of the old schema."""

    def at(day: int, hour: int = 10) -> dt.datetime:
        return dt.datetime(2026, 11, day, hour, tzinfo=ATHENS)

    model = apps.get_model
    user = model("accounts", "User")
    manager = user.objects.create(username="manager", role="manager", is_staff=True,
                                  password="!")
    technician = user.objects.create(username="tech", role="technician", is_staff=True,
                                     password="!")
    clerk = user.objects.create(username="clerk", role="manager", is_staff=True, password="!")
    group = model("auth", "Group").objects.create(name=GROUP)
    permission = model("auth", "Permission")
    for app_label, codename in GROUP_PERMISSIONS:
        group.permissions.add(permission.objects.get(content_type__app_label=app_label,
                                                     codename=codename))
    clerk.groups.add(group)

    tariff = model("contracts", "TariffVersion").objects.create(
        version="2026.1", effective_from=dt.date(2026, 1, 1), source_toml="# drill\n")
    customer = model("customers", "Customer")
    basic = customer.objects.create(name="Ταμειακές Α.Ε.", tax_number="094014201")
    free = customer.objects.create(name="Φούρνος Β", tax_number="094019245")
    other = customer.objects.create(name="Κάβα Γ", tax_number="998765431")

    contract = model("contracts", "Contract")
    basic_contract = contract.objects.create(
        customer=basic, tier="basic", starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31), annual_fee=Decimal("600.00"), tariff_version=tariff)
    business_contract = contract.objects.create(
        customer=other, tier="business", starts_on=dt.date(2025, 7, 1),
        ends_on=dt.date(2027, 6, 30), annual_fee=Decimal("1200.00"), tariff_version=tariff)

    ticket = model("tickets", "Ticket")
    work_entry = model("worklog", "WorkEntry")
    entries = {}
    for number, (who, item_contract, tier, channel, minutes) in enumerate([
        (basic, basic_contract, "basic", "remote", 75),
        (basic, basic_contract, "basic", "onsite", 30),
        (basic, basic_contract, "basic", "onsite", 45),
        (free, None, "free", "remote", 90),
        (other, business_contract, "business", "phone", 20),
        (other, None, "business", "remote", 60),
    ], start=1):
        request = ticket.objects.create(customer=who, contract=item_contract, tier=tier,
                                        subject=f"Βλάβη {number}", received_at=at(number, 9))
        entries[number] = work_entry.objects.create(
            ticket=request, technician=technician, tariff_version=tariff, channel=channel,
            started_at=at(number), ended_at=at(number) + dt.timedelta(minutes=minutes),
            duration_minutes=minutes)

    balance = model("billing", "AllowanceBalance")
    allowance = model("billing", "AllowanceLedgerEntry")
    for item_contract, year, starts, channel, grant, draws in [
        (basic_contract, 1, dt.date(2026, 1, 1), "remote", 600, [(-75, 1)]),
        (basic_contract, 1, dt.date(2026, 1, 1), "onsite", 240, [(-30, 2), (30, 2), (-45, 3)]),
        (business_contract, 1, dt.date(2025, 7, 1), "phone", 1200, []),
        (business_contract, 2, dt.date(2026, 7, 1), "phone", 1200, [(-20, 5)]),
    ]:
        allowance.objects.create(contract=item_contract, contract_year=year, channel=channel,
                                 minutes=grant, reason="grant", actor=manager)
        for minutes, entry in draws:
            allowance.objects.create(contract=item_contract, contract_year=year,
                                     channel=channel, minutes=minutes,
                                     reason="draw" if minutes < 0 else "reversal",
                                     work_entry=entries[entry], actor=technician)
        balance.objects.create(
            contract=item_contract, contract_year=year, year_starts_on=starts,
            year_ends_on=starts.replace(year=starts.year + 1) - dt.timedelta(days=1),
            channel=channel, granted_minutes=grant,
            balance_minutes=grant + sum(minutes for minutes, _ in draws))

    purchase = model("contracts", "PrepaidPurchase")
    purchase_history = model("contracts", "HistoricalPrepaidPurchase")
    bank = model("billing", "BankLedgerEntry")
    hour_bank = model("billing", "HourBank")
    for who, purchases, draws in [(free, [5], [(-90, 4)]), (other, [2, 3], [(-60, 6)])]:
        for day, hours in enumerate(purchases, start=1):
            bought = purchase.objects.create(customer=who, hours=hours, tariff_version=tariff,
                                             price=Decimal(hours * 60), purchased_on=at(day))
            purchase_history.objects.create(
                id=bought.id, created_at=bought.created_at, updated_at=bought.updated_at,
                hours=hours, price=bought.price, purchased_on=bought.purchased_on,
                customer_id=who.id, tariff_version_id=tariff.id, history_type="+",
                history_date=bought.created_at, history_user=manager)
            bank.objects.create(customer=who, minutes=hours * 60, reason="purchase",
                                purchase=bought, actor=manager)
        for minutes, entry in draws:
            bank.objects.create(customer=who, minutes=minutes, reason="draw",
                                work_entry=entries[entry], actor=technician)
        hour_bank.objects.create(
            customer=who,
            balance_minutes=sum(purchases) * 60 + sum(minutes for minutes, _ in draws))
    changed = purchase.objects.get(customer=other, hours=3)  # one purchase edited later
    purchase_history.objects.create(
        id=changed.id, created_at=changed.created_at, updated_at=changed.updated_at,
        hours=3, price=Decimal("170.00"), purchased_on=changed.purchased_on,
        customer_id=other.id, tariff_version_id=tariff.id, history_type="~",
        history_date=changed.updated_at, history_user=manager,
        history_change_reason="discount")

    statement = model("billing", "Statement")
    line = model("billing", "StatementLine")
    counter = model("billing", "StatementCounter")
    vat = Decimal("0.2400")
    number = 0
    for who, item_contract, kind, lines in [
        (basic, basic_contract, "contract_fee", [("contract_fee", Decimal("600.00"), None)]),
        (basic, basic_contract, "period", [("work", Decimal("62.50"), 1),
                                           ("work", Decimal("12.50"), 3)]),
        (free, None, "prepaid", [("prepaid", Decimal("300.00"), None)]),
        (other, business_contract, "period", [("work", Decimal("50.00"), 6)]),
        (other, None, "prepaid", [("prepaid", Decimal("120.00"), None),
                                  ("prepaid", Decimal("170.00"), None)]),
    ]:
        number += 1
        net = sum(amount for _, amount, _ in lines)
        issued = statement.objects.create(
            customer=who, contract=item_contract, kind=kind, series="ΠΛ", year=2026,
            number=number, status="issued", issued_at=at(30), customer_name=who.name,
            customer_tax_number=who.tax_number, net_total=net, vat_total=net * vat,
            total=net + net * vat, created_by=manager)
        for position, (line_kind, amount, entry) in enumerate(lines):
            line.objects.create(statement=issued, position=position, kind=line_kind,
                                description=f"{line_kind} {position}", net_amount=amount,
                                vat_rate=vat, work_entry=entries.get(entry))
    counter.objects.create(series="ΠΛ", year=2026, last_number=number)


# --- what the database holds -------------------------------------------------------------


def snapshot() -> dict:
    """The figures the test compares, in plain SQL (no model of either side)."""
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    def rows(sql: str) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    def money(value) -> str:
        return f"{Decimal(str(value)):.2f}"

    tables = sorted(name for name in connection.introspection.table_names()
                    if name != MigrationRecorder.Migration._meta.db_table)
    quote = connection.ops.quote_name
    triggers = []
    if connection.vendor == "postgresql":
        triggers = [table for (table,) in rows(
            "SELECT DISTINCT event_object_table FROM information_schema.triggers "
            "WHERE trigger_name LIKE '%%_immutable' ORDER BY 1")]
    return {
        "vendor": connection.vendor,
        "rows": {table: rows(f"SELECT COUNT(*) FROM {quote(table)}")[0][0] for table in tables},
        "bank_minutes_per_customer": {str(customer): minutes for customer, minutes in rows(
            "SELECT customer_id, SUM(minutes) FROM billing_bankledgerentry "
            "GROUP BY customer_id ORDER BY customer_id")},
        "hour_banks": {str(customer): minutes for customer, minutes in rows(
            "SELECT customer_id, balance_minutes FROM billing_hourbank ORDER BY customer_id")},
        "allowance_minutes": {f"{contract}/{year}/{channel}": minutes
                              for contract, year, channel, minutes in rows(
            "SELECT contract_id, contract_year, channel, SUM(minutes) "
            "FROM billing_allowanceledgerentry GROUP BY contract_id, contract_year, channel "
            "ORDER BY 1, 2, 3")},
        "allowance_balances": {f"{contract}/{year}/{channel}": minutes
                               for contract, year, channel, minutes in rows(
            "SELECT contract_id, contract_year, channel, balance_minutes "
            "FROM billing_allowancebalance ORDER BY 1, 2, 3")},
        "statements_per_customer": {
            str(customer): [money(net), money(vat), money(total), money(lines)]
            for customer, net, vat, total, lines in rows(
                "SELECT s.customer_id, SUM(s.net_total), SUM(s.vat_total), SUM(s.total), "
                "(SELECT SUM(l.net_amount) FROM billing_statementline l "
                " JOIN billing_statement t ON t.id = l.statement_id "
                " WHERE t.customer_id = s.customer_id) "
                "FROM billing_statement s GROUP BY s.customer_id ORDER BY 1")},
        "content_types": {str(pk): f"{app_label}.{name}" for pk, app_label, name in rows(
            "SELECT id, app_label, model FROM django_content_type ORDER BY id")},
        "group_permissions": [f"{app_label}.{codename}" for app_label, codename in rows(
            "SELECT ct.app_label, p.codename FROM auth_group g "
            "JOIN auth_group_permissions gp ON gp.group_id = g.id "
            "JOIN auth_permission p ON p.id = gp.permission_id "
            "JOIN django_content_type ct ON ct.id = p.content_type_id "
            f"WHERE g.name = '{GROUP}' ORDER BY 1, 2")],
        "migrations": sorted(f"{app_label}.{name}" for app_label, name in
                             MigrationRecorder(connection).applied_migrations()),
        "ledger_triggers": triggers,
    }


def read_through_new_models() -> dict:
    """The same figures through ``supportdesk.entitlements.models`` after the move."""
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Sum

    from supportdesk.entitlements.models import (
        AllowanceBalance,
        AllowanceLedgerEntry,
        BankLedgerEntry,
        HourBank,
        PrepaidPurchase,
    )

    history = PrepaidPurchase.history.model
    models_ = (AllowanceBalance, AllowanceLedgerEntry, BankLedgerEntry, HourBank,
               PrepaidPurchase, history)
    clerk = get_user_model().objects.get(username="clerk")
    return {
        "rows": {m._meta.db_table: m.objects.count() for m in models_},
        "bank_minutes_per_customer": {
            str(row["customer_id"]): row["minutes"] for row in BankLedgerEntry.objects
            .values("customer_id").annotate(minutes=Sum("minutes")).order_by("customer_id")},
        "hour_banks": {str(bank.customer.pk): bank.balance_minutes
                       for bank in HourBank.objects.select_related("customer")},
        "allowance_minutes": {
            f"{row['contract_id']}/{row['contract_year']}/{row['channel']}": row["minutes"]
            for row in AllowanceLedgerEntry.objects
            .values("contract_id", "contract_year", "channel")
            .annotate(minutes=Sum("minutes")).order_by("contract_id", "contract_year",
                                                       "channel")},
        "allowance_balances": {
            f"{balance.contract.pk}/{balance.contract_year}/{balance.channel}":
            balance.balance_minutes
            for balance in AllowanceBalance.objects.select_related("contract")},
        "purchases": sorted(
            [purchase.customer.tax_number, purchase.hours,
             purchase.bank_ledger.get(reason="purchase").minutes,
             sorted(purchase.history.values_list("history_type", flat=True))]
            for purchase in PrepaidPurchase.objects.select_related("customer")),
        "content_types": {
            m._meta.label_lower: str(ContentType.objects.get_for_model(m).pk) for m in models_},
        "clerk_may": sorted(perm for perm in clerk.get_all_permissions()),
    }


def main(phase: str) -> None:
    setup_django()
    from django.core.management import call_command
    from django.db import DatabaseError

    if phase == "old":
        build_old_database()
        result = snapshot()
    elif phase == "forward":
        call_command("migrate", interactive=False, verbosity=0)
        try:
            new_models = read_through_new_models()
        except DatabaseError as exc:  # reported by the one test that reads them
            new_models = {"error": f"{type(exc).__name__}: {exc}"}
        result = {**snapshot(), "new_models": new_models}
    elif phase == "back":
        call_command("migrate", MOVE[0], "zero", interactive=False, verbosity=0)
        result = snapshot()
    else:
        raise SystemExit(f"unknown phase {phase!r}: old, forward or back")
    sys.stdout.write(json.dumps(result, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
