"""An upgrade as a deployment runs it, on SQLite and on PostgreSQL: the previous release's
code (``PREVIOUS_RELEASE``, taken from git) builds its schema and loads its demo data (a
year of requests, work, statements, ledgers); then this checkout's ``manage.py migrate``
moves that database forward. Every table of the old schema keeps its rows, the money and
time figures are the same to the cent and the minute, nothing is left unapplied, and every
model of the new code reads every row it finds.

The previous release is the last commit before the go-live work (issue 11); move it to the
commit of the release tag once releases are tagged (README "Deploying", upgrade notes).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from io import BytesIO
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from . import processes as p

ROOT = p.ROOT
PREVIOUS_RELEASE = "4dceb1ba895b6a046694310ed6df11a4f8441074"
#: Tables a migration legitimately adds rows to (content types and permissions of new
#: models, the migration records themselves).
GROWING = {"django_content_type", "auth_permission", "django_migrations"}
#: (table, column) sums that must come through the upgrade unchanged.
FIGURES = [
    ("worklog_workentry", "duration_minutes"),
    ("worklog_workentry", "net_amount"),
    ("billing_statementline", "net_amount"),
    ("billing_statement", "total"),
    ("billing_statement", "vat_total"),
    ("billing_statement", "number"),
    ("billing_bankledgerentry", "minutes"),
    ("billing_allowanceledgerentry", "minutes"),
]

READ_EVERYTHING = """
import django, json
django.setup()
from django.apps import apps
from django.db.migrations.executor import MigrationExecutor
from django.db import connection
executor = MigrationExecutor(connection)
plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
read = {}
for model in apps.get_models():
    rows = list(model._base_manager.all()[:200])  # every field of every row read (columns)
    read[model._meta.label] = len(rows)
print(json.dumps({"unapplied": len(plan), "models": read}))
"""


def previous_release(tmp_path: Path) -> Path:
    """The previous release's files, from git (no work tree touched)."""
    if shutil.which("git") is None:
        pytest.skip("no git")
    archive = subprocess.run(["git", "archive", "--format=tar", PREVIOUS_RELEASE], cwd=ROOT,
                             capture_output=True, check=False)
    if archive.returncode:
        pytest.skip(f"commit {PREVIOUS_RELEASE[:7]} not in this clone's history")
    target = tmp_path / "previous"
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return target


def run(code: Path, env: dict, *args: str, timeout: float = 600) -> str:
    result = subprocess.run([sys.executable, *args], cwd=code, env=env, capture_output=True,
                            text=True, timeout=timeout, check=False)
    assert result.returncode == 0, (
        f"{args} in {code}:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
    return result.stdout


def snapshot(url: str) -> dict:
    """Row counts of every table and the sums of FIGURES, in plain SQL."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        cursor = conn.cursor()
    else:
        conn = psycopg.connect(url)
        cursor = conn.cursor()
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = [r[0] for r in cursor.fetchall()]
    try:
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
        sums = {}
        for table, column in FIGURES:
            if table in counts:
                cursor.execute(f'SELECT sum("{column}") FROM "{table}"')
                value = cursor.fetchone()[0]
                sums[f"{table}.{column}"] = None if value is None else str(value)
        return {"counts": counts, "sums": sums}
    finally:
        conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
        return
    if not p.postgres_available():
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    name = f"sd_upgrade_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(p.PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield p.PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(p.PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.skipif(connection.vendor != "sqlite",
                    reason="run once, in the SQLite pass (it makes both databases itself)")
def test_an_upgrade_from_the_previous_release_keeps_every_row(database, tmp_path):
    old_code = previous_release(tmp_path)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "SUPPORTDESK_", "CELERY_", "PYTEST_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_SECRET_KEY": "upgrade-test-" + "not-a-secret-" * 4,
        "DATABASE_URL": database,
        "SUPPORTDESK_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DJANGO_LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": "",
    })
    # The previous release, as `make run` set it up: its schema, configuration and demo.
    for command in (["migrate", "--noinput"], ["seed_config"], ["load_demo"]):
        run(old_code, {**env, "PYTHONPATH": str(old_code)}, "manage.py", *command)
    before = snapshot(database)
    assert before["counts"]["tickets_ticket"] > 100
    assert before["counts"]["billing_statement"] > 10

    # This release: migrate forward.
    run(ROOT, {**env, "PYTHONPATH": str(ROOT)}, "manage.py", "migrate", "--noinput")
    after = snapshot(database)
    lost = {t: (n, after["counts"].get(t)) for t, n in before["counts"].items()
            if t not in GROWING and after["counts"].get(t) != n}
    assert not lost, f"tables whose rows changed in the upgrade: {lost}"
    assert after["sums"] == before["sums"]
    assert set(after["counts"]) >= set(before["counts"])  # no table dropped

    # Every model of the new code reads its rows (columns and types as it expects).
    read = json.loads(run(ROOT, {**env, "PYTHONPATH": str(ROOT)}, "-c",
                          READ_EVERYTHING).strip().splitlines()[-1])
    assert read["unapplied"] == 0
    assert read["models"]["tickets.Ticket"] > 0 and read["models"]["billing.Statement"] > 0
