"""An existing database migrates into the entitlements app, and back, losing nothing.

The move (commit 323a2ff) is state-only: ``entitlements.0001_initial`` claims the ledger,
balance and prepaid-purchase tables where they are and moves their content types,
``billing.0002`` and ``contracts.0002`` let go of them. A database of the schema before
(08e1e6a), filled with customers, contracts, work, both ledgers, hour banks, prepaid purchases
with history and statements, and a group given permissions on the moved models, goes through
``manage.py migrate`` and then ``manage.py migrate entitlements zero``.

Each phase runs in its own process (``migration_drill.py``) on a database of its own: a SQLite
file, and a scratch PostgreSQL database created and dropped here (skipped when PostgreSQL
cannot be reached), so neither pytest-django's test database (built without migrations) nor
the settings of this process play a part. The fixtures keep each phase's snapshot; the tests
compare them.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import environ
import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[3]
MOVED = {  # old label -> new label, of every model that moved
    "billing.allowancebalance": "entitlements.allowancebalance",
    "billing.allowanceledgerentry": "entitlements.allowanceledgerentry",
    "billing.bankledgerentry": "entitlements.bankledgerentry",
    "billing.hourbank": "entitlements.hourbank",
    "contracts.prepaidpurchase": "entitlements.prepaidpurchase",
    "contracts.historicalprepaidpurchase": "entitlements.historicalprepaidpurchase",
}
# Moved by a later migration the forward run applies too (the §10 quotes to agreements).
LATER_MOVES = {"billing.quote": "agreements.quote",
               "billing.historicalquote": "agreements.historicalquote"}
MOVED_TABLES = ("billing_allowancebalance", "billing_allowanceledgerentry",
                "billing_bankledgerentry", "billing_hourbank", "contracts_prepaidpurchase",
                "contracts_historicalprepaidpurchase")
MOVE_MIGRATIONS = {"entitlements.0001_initial", "billing.0002_ledgers_to_entitlements",
                   "contracts.0002_prepaid_purchase_to_entitlements"}

pytestmark = pytest.mark.slow  # three migrate runs per database


def _postgres_server() -> dict:
    """Where PostgreSQL is: ``DATABASE_URL`` when it names one (``make test-pg``), else the
    local server of the README."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    config = environ.Env.db_url_config(url)
    return {"host": config["HOST"] or "127.0.0.1", "port": int(config["PORT"] or 5432),
            "user": config["USER"] or "postgres", "password": config["PASSWORD"] or None}


def _admin_connection(server: dict):
    return psycopg.connect(dbname="postgres", connect_timeout=3, autocommit=True,
                           **{key: value for key, value in server.items() if value})


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """An empty database of each engine, for this module only."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('migration') / 'db.sqlite3'}"
        return
    server = _postgres_server()
    try:
        with _admin_connection(server):
            pass
    except Exception as exc:
        pytest.skip(f"PostgreSQL unreachable at {server['host']}:{server['port']}: {exc}")
    name = f"sd_migration_{uuid.uuid4().hex[:10]}"
    with _admin_connection(server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{server['password']}" if server["password"] else ""
    try:
        yield f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"
    finally:
        with _admin_connection(server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _phase(database_url: str, phase: str) -> dict:
    """Run one phase of the drill on the database; return its snapshot."""
    env = {**os.environ, "DATABASE_URL": database_url,
           "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "-m", "supportdesk.entitlements.tests.migration_drill", phase],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False)
    if result.returncode != 0:
        pytest.fail(f"phase {phase!r} failed:\n{result.stderr[-6000:]}", pytrace=False)
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def old(database_url):
    """The database as 08e1e6a left it, full of data."""
    snapshot = _phase(database_url, "old")
    assert not MOVE_MIGRATIONS & set(snapshot["migrations"])
    assert all(snapshot["rows"][table] for table in MOVED_TABLES), snapshot["rows"]
    return snapshot


@pytest.fixture(scope="module")
def forward(database_url, old):
    """After ``manage.py migrate``."""
    return _phase(database_url, "forward")


@pytest.fixture(scope="module")
def back(database_url, forward):
    """After ``manage.py migrate entitlements zero``."""
    return _phase(database_url, "back")


def test_the_move_is_applied(old, forward):
    assert set(forward["migrations"]) - set(old["migrations"]) >= MOVE_MIGRATIONS


def test_every_table_keeps_every_row(old, forward):
    # django_content_type and auth_permission included: no content type was made anew
    assert forward["rows"] == old["rows"]


def test_ledgers_keep_their_minutes_and_still_explain_the_balances(old, forward):
    for figure in ("bank_minutes_per_customer", "hour_banks", "allowance_minutes",
                   "allowance_balances"):
        assert forward[figure] == old[figure], figure
    assert forward["bank_minutes_per_customer"] == forward["hour_banks"]
    assert forward["allowance_minutes"] == forward["allowance_balances"]


def test_statements_keep_their_totals(old, forward):
    assert forward["statements_per_customer"] == old["statements_per_customer"]
    for net, vat, total, lines_net in forward["statements_per_customer"].values():
        assert lines_net == net
        assert float(net) + float(vat) == pytest.approx(float(total))


def test_the_rows_read_through_the_new_models(forward):
    new = forward["new_models"]
    assert "error" not in new, new.get("error")
    assert new["rows"] == {table: forward["rows"][table] for table in MOVED_TABLES}
    for figure in ("bank_minutes_per_customer", "hour_banks", "allowance_minutes",
                   "allowance_balances"):
        assert new[figure] == forward[figure], figure
    # each purchase put its hours in the bank once and kept its history
    assert [[hours, minutes, history] for _, hours, minutes, history in new["purchases"]] == [
        [5, 300, ["+"]], [2, 120, ["+"]], [3, 180, ["+", "~"]]]


def test_content_types_move_with_their_models(old, forward):
    ids = {label: pk for pk, label in old["content_types"].items()}
    same_rows = {MOVED[label]: ids[label] for label in MOVED}
    # the same rows (ids), relabelled; the new models find exactly those
    relabel = {**MOVED, **LATER_MOVES}
    assert forward["content_types"] == {
        pk: relabel.get(label, label) for pk, label in old["content_types"].items()}
    assert forward["new_models"].get("content_types") == same_rows


def test_the_group_keeps_its_permissions(old, forward):
    assert old["group_permissions"] == [
        "billing.view_bankledgerentry", "billing.view_hourbank", "billing.view_statement",
        "contracts.view_prepaidpurchase"]
    assert forward["group_permissions"] == [
        "billing.view_statement", "entitlements.view_bankledgerentry",
        "entitlements.view_hourbank", "entitlements.view_prepaidpurchase"]
    # and Django grants them: a member of the group may view the new models
    assert forward["new_models"].get("clerk_may") == forward["group_permissions"]


def test_ledgers_stay_append_only_on_postgresql(forward):
    if forward["vendor"] != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    assert forward["ledger_triggers"] == ["billing_allowanceledgerentry",
                                          "billing_bankledgerentry"]


def test_migrating_back_restores_the_old_schema_with_every_row(old, back):
    # the applied migrations, content types, group permissions, rows and figures of before
    assert back == old
