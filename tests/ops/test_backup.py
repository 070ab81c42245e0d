"""Backup and restore drill (docs/security.md #32): what a backup holds comes back whole.

``manage.py backup`` then ``manage.py restore_check`` on demo-like data made by the real
services (customers, requests with an attachment, work, a prepaid purchase, a billing run):
every figure of the manifest matches; a tampered backup (a row, an attachment byte) fails
with a diff naming it. The PostgreSQL round trip (pg_dump -Fc / pg_restore) runs with ``pg``.
"""

import datetime as dt
import json
import sqlite3
import subprocess
import uuid
from contextlib import closing
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from supportdesk.billing.models import Statement
from supportdesk.billing.services import billing_run, prepaid_purchase_create
from supportdesk.common.choices import Channel, Tier
from supportdesk.common.exceptions import ApplicationError
from supportdesk.contracts.tests.factories import ContractFactory
from supportdesk.entitlements.models import BankLedgerEntry
from supportdesk.ops import backup as backup_mod
from supportdesk.tickets.services import attachment_add, ticket_create
from supportdesk.worklog.services.entries import work_entry_create

ATHENS = ZoneInfo("Europe/Athens")
NOV = {"period_start": dt.date(2026, 11, 1), "period_end": dt.date(2026, 11, 30)}
ATTACHMENT = b"%PDF-1.4 backup drill \xce\xb1\n" * 20

on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite drill")
on_pg = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")


@pytest.fixture
def demo(config, product, org_a, org_b, technician, manager):
    """Demo-like data through the services: two companies, requests, an attachment, work on
    a Basic contract, a prepaid purchase drawn from, and a November billing run."""
    ContractFactory(customer=org_a, tier=Tier.BASIC, starts_on=dt.date(2026, 1, 1),
                    ends_on=dt.date(2026, 12, 31))
    prepaid_purchase_create(customer=org_b, hours=5, on=dt.date(2026, 11, 2), by=manager)
    tickets = {}
    for day, org in ((10, org_a), (11, org_b)):  # a day each: work may not overlap (issue 9)
        tickets[org.pk] = ticket_create(customer=org, subject=f"Βλάβη ταμειακής {org.name}",
                                        body="Δεν τυπώνει", received_via="phone",
                                        by=technician)
        start = dt.datetime(2026, 11, day, 11, tzinfo=ATHENS)
        work_entry_create(ticket=tickets[org.pk], technician=technician,
                          channel=Channel.REMOTE if org == org_a else Channel.ONSITE,
                          started_at=start,
                          ended_at=start + dt.timedelta(minutes=75), by=technician)
    attachment = attachment_add(
        ticket=tickets[org_a.pk], by=technician,
        uploaded_file=SimpleUploadedFile("report.pdf", ATTACHMENT,
                                         content_type="application/pdf"))
    billing_run(**NOV, by=manager, now=dt.datetime(2026, 12, 1, 9, tzinfo=ATHENS))
    assert Statement.objects.exists() and BankLedgerEntry.objects.exists()
    return {"attachment": attachment}


def _restore_check(backup_dir, into):
    """Run the command; return (passed, stdout + stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("restore_check", backup=str(backup_dir), into=str(into), stdout=out,
                     stderr=err)
    except CommandError as exc:
        return False, out.getvalue() + err.getvalue() + str(exc)
    return True, out.getvalue() + err.getvalue()


@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_sqlite_backup_then_restore_check_passes(demo, tmp_path):
    # given demo data, when it is backed up
    out = StringIO()
    call_command("backup", output=str(tmp_path / "bk"), stdout=out)
    assert "Backup written" in out.getvalue()
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    # then the manifest holds the figures the drill compares
    assert manifest["engine"] == "sqlite"
    assert manifest["tables"]["tickets_ticket"]["rows"] == 2
    assert manifest["attachments"] == {
        str(demo["attachment"].uuid): demo["attachment"].sha256}
    assert manifest["ledgers"]["bank_minutes_per_customer"]
    assert manifest["ledgers"]["allowance_minutes_per_contract"]
    assert manifest["ledgers"]["statements_per_customer"]
    assert manifest["migrations"] == backup_mod._migrations("default")
    # and restoring it into a scratch file reproduces every figure
    passed, output = _restore_check(tmp_path / "bk", tmp_path / "restored.sqlite3")
    assert passed, output
    assert "Restore time:" in output
    with closing(sqlite3.connect(tmp_path / "restored.sqlite3")) as restored:
        assert restored.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_a_changed_row_is_detected(demo, tmp_path):
    # given a backup whose database file was edited afterwards (one statement's total)
    backup_mod.backup_create(output=tmp_path / "bk")
    with closing(sqlite3.connect(tmp_path / "bk" / "db.sqlite3")) as db, db:
        db.execute("UPDATE billing_statement SET total = total + 1 WHERE id = "
                   "(SELECT MIN(id) FROM billing_statement)")
    # when the restore is checked, then it fails naming the table and the ledger figure
    passed, output = _restore_check(tmp_path / "bk", tmp_path / "restored.sqlite3")
    assert not passed
    assert "tables.billing_statement.sha256" in output
    assert "ledgers.statements_per_customer." in output
    assert "FAILED" in output


@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_a_changed_attachment_byte_is_detected(demo, tmp_path):
    # given a backup whose copy of the uploaded file lost a byte's worth of truth
    backup_mod.backup_create(output=tmp_path / "bk")
    copy = tmp_path / "bk" / "media" / demo["attachment"].file.name
    data = bytearray(copy.read_bytes())
    data[10] ^= 0x01
    copy.write_bytes(bytes(data))
    # when checked, then the attachment's hash is reported
    result = backup_mod.restore_check(backup=tmp_path / "bk", into=str(tmp_path / "r.db"))
    assert not result.ok
    assert result.differences == [
        f"attachments.{demo['attachment'].uuid}: backup {demo['attachment'].sha256!r} != "
        f"restored {result.manifest['attachments'][str(demo['attachment'].uuid)]!r}"]


@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_a_deleted_row_and_missing_file_are_detected(demo, tmp_path):
    backup_mod.backup_create(output=tmp_path / "bk")
    with closing(sqlite3.connect(tmp_path / "bk" / "db.sqlite3")) as db, db:
        db.execute("PRAGMA foreign_keys=OFF")
        db.execute("DELETE FROM billing_bankledgerentry WHERE id = "
                   "(SELECT MAX(id) FROM billing_bankledgerentry)")
    (tmp_path / "bk" / "media" / demo["attachment"].file.name).unlink()
    result = backup_mod.restore_check(backup=tmp_path / "bk", into=str(tmp_path / "r.db"))
    assert any(line.startswith("tables.billing_bankledgerentry.rows") for line in
               result.differences)
    assert any(line.startswith("ledgers.bank_minutes_per_customer") for line in
               result.differences)
    assert result.manifest["attachments"][str(demo["attachment"].uuid)] == "MISSING"


@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_backup_refuses_a_non_empty_directory_and_restore_an_existing_target(demo, tmp_path):
    (tmp_path / "bk").mkdir()
    (tmp_path / "bk" / "keep.txt").write_text("x")
    with pytest.raises(ApplicationError):
        backup_mod.backup_create(output=tmp_path / "bk")
    assert (tmp_path / "bk" / "keep.txt").read_text() == "x"  # nothing overwritten
    backup_mod.backup_create(output=tmp_path / "ok")
    (tmp_path / "taken.sqlite3").write_bytes(b"data")
    with pytest.raises(ApplicationError):
        backup_mod.restore_check(backup=tmp_path / "ok", into=str(tmp_path / "taken.sqlite3"))
    assert (tmp_path / "taken.sqlite3").read_bytes() == b"data"
    with pytest.raises(ApplicationError):
        backup_mod.restore_check(backup=tmp_path / "nothing", into=str(tmp_path / "n.db"))
    with pytest.raises(ApplicationError):  # a SQLite backup never goes into PostgreSQL
        backup_mod.restore_check(backup=tmp_path / "ok",
                                 into="postgres://postgres@127.0.0.1:5432/sd_restore_x")


def test_manifest_diff_names_every_difference():
    expected = {"tables": {"a": {"rows": 1, "sha256": "x"}}, "ledgers": {}, "attachments":
                {"u": "h"}, "migrations": ["app.0001"]}
    actual = {"tables": {"a": {"rows": 2, "sha256": "x"}, "b": {"rows": 0, "sha256": "y"}},
              "ledgers": {}, "attachments": {}, "migrations": ["app.0001", "app.0002"]}
    assert backup_mod.manifest_diff(expected, expected) == []
    assert backup_mod.manifest_diff(expected, actual) == [
        "tables.a.rows: backup 1 != restored 2",
        "tables.b: not in the backup, present after restore",
        "attachments.u: in the backup, missing after restore",
        "migrations: backup ['app.0001'] != restored ['app.0001', 'app.0002']",
    ]


@on_pg
@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_postgres_dump_and_restore_round_trip(demo, tmp_path):
    # given demo data in PostgreSQL, when pg_dump -Fc backs it up
    manifest = backup_mod.backup_create(output=tmp_path / "bk")
    assert manifest["engine"] == "postgresql"
    assert (tmp_path / "bk" / "db.dump").stat().st_size > 0
    scratch = f"sd_restore_{uuid.uuid4().hex[:10]}"
    settings = connection.settings_dict
    url = (f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
           f"{settings['PORT'] or 5432}/{scratch}")
    try:
        # then pg_restore into a new database reproduces every figure
        passed, output = _restore_check(tmp_path / "bk", url)
        assert passed, output
        # and a second restore onto the same (now existing) database is refused
        with pytest.raises(ApplicationError):
            backup_mod.restore_check(backup=tmp_path / "bk", into=url)
    finally:
        subprocess.run(["dropdb", "--if-exists", "-h", settings["HOST"] or "127.0.0.1",
                        "-p", str(settings["PORT"] or 5432), "-U", settings["USER"],
                        scratch], check=False, capture_output=True)
