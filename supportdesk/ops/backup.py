"""Backup and restore drill (docs/security.md #32).

``backup_create`` writes a backup directory:

* ``db.sqlite3`` (SQLite: the online backup API, then ``PRAGMA integrity_check``) or
  ``db.dump`` (PostgreSQL: ``pg_dump -Fc`` of the very snapshot the manifest was read from);
* ``media/``: a copy of the uploaded files (``MEDIA_ROOT``);
* ``manifest.json``: the figures a restore must reproduce: row count and content digest of
  every table, ledger sums per customer / contract, statement totals per customer, the sha256
  of every attachment file, the applied migrations, and how long the backup took.

``restore_check`` restores the backup into a scratch database (``pg_restore`` into a new
PostgreSQL database, or a copy of the SQLite file), recomputes the manifest there (attachment
hashes from the backup's ``media/``) and lists every figure that differs.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.files.storage import default_storage
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Count, Sum
from django.db.utils import ConnectionDoesNotExist, load_backend
from django.utils import timezone

from supportdesk.billing.models import Statement
from supportdesk.common.exceptions import ApplicationError
from supportdesk.entitlements.models import AllowanceLedgerEntry, BankLedgerEntry
from supportdesk.tickets.models import Attachment

MANIFEST = "manifest.json"
SQLITE_FILE = "db.sqlite3"
PG_DUMP_FILE = "db.dump"
MEDIA_DIR = "media"
MANIFEST_VERSION = 1
SCRATCH_ALIAS = "restore_check"

BACKUP_DIR_NOT_EMPTY = "The backup directory {path} already exists and is not empty."
BACKUP_NOT_FOUND = "No backup manifest at {path}."
BACKUP_INTEGRITY_FAILED = "SQLite integrity check failed on the backup: {detail}"
BACKUP_TOOL_FAILED = "{tool} failed (exit {code}): {detail}"
RESTORE_ENGINE_MISMATCH = "The backup is of a {backup} database; the target is {target}."
RESTORE_TARGET_EXISTS = "The scratch database {name} already exists: choose a new name."
RESTORE_TARGET_IS_SOURCE = "The scratch database must not be the live database."
BACKUP_UNSUPPORTED_ENGINE = "Backups support SQLite and PostgreSQL, not {vendor}."
RESTORE_BAD_TARGET = "Give a postgres:// URL or a SQLite file path as the target: {target}"
MISSING_FILE = "MISSING"


@dataclass
class CheckResult:
    """What ``restore_check`` found: ``differences`` is empty when every figure matches."""

    differences: list[str] = field(default_factory=list)
    restore_seconds: float = 0.0
    manifest: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.differences


# --------------------------------------------------------------------------- manifest

def _table_figures(alias: str) -> dict[str, dict]:
    """Row count and a content digest of every table (rows hashed in primary-key order)."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    figures = {}
    with connection.cursor() as cursor:
        tables = sorted(
            name for name in connection.introspection.table_names(cursor)
            if not name.startswith("sqlite_")
        )
        for table in tables:
            pk = connection.introspection.get_primary_key_column(cursor, table)
            order = f" ORDER BY {quote(pk)}" if pk else ""
            # Table and column names come from the database's own catalogue, quoted.
            cursor.execute(f"SELECT * FROM {quote(table)}{order}")  # noqa: S608  # nosec B608
            digest = hashlib.sha256()
            rows = 0
            lines = []
            while batch := cursor.fetchmany(2000):
                for row in batch:
                    rows += 1
                    line = repr(tuple(bytes(v) if isinstance(v, memoryview) else v
                                      for v in row)).encode()
                    if pk:
                        digest.update(line + b"\n")
                    else:
                        lines.append(line)
            for line in sorted(lines):
                digest.update(line + b"\n")
            figures[table] = {"rows": rows, "sha256": digest.hexdigest()}
    return figures


def _ledger_figures(alias: str) -> dict:
    bank = {
        str(row["customer_id"]): row["minutes"]
        for row in BankLedgerEntry.objects.using(alias).order_by("customer_id")
        .values("customer_id").annotate(minutes=Sum("minutes"))
    }
    allowance = {
        str(row["contract_id"]): row["minutes"]
        for row in AllowanceLedgerEntry.objects.using(alias).order_by("contract_id")
        .values("contract_id").annotate(minutes=Sum("minutes"))
    }
    statements = {
        str(row["customer_id"]): {
            "count": row["count"], "net": str(row["net"]), "vat": str(row["vat"]),
            "total": str(row["total"]),
        }
        for row in Statement.objects.using(alias).order_by("customer_id")
        .values("customer_id").annotate(count=Count("id"), net=Sum("net_total"),
                                        vat=Sum("vat_total"), total=Sum("total"))
    }
    return {"bank_minutes_per_customer": bank, "allowance_minutes_per_contract": allowance,
            "statements_per_customer": statements}


def _file_sha256(path: Path) -> str:
    if not path.is_file():
        return MISSING_FILE
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _attachment_figures(alias: str, media_root: Path) -> dict[str, str]:
    """sha256 of every attachment's file, keyed by the attachment's uuid."""
    return {
        str(uuid): _file_sha256(media_root / name)
        for uuid, name in Attachment.objects.using(alias).order_by("uuid")
        .values_list("uuid", "file")
    }


def _migrations(alias: str) -> list[str]:
    recorder = MigrationRecorder(connections[alias])
    if not recorder.has_table():
        return []
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def manifest_compute(*, alias: str = "default", media_root: Path) -> dict:
    """Every figure a restore must reproduce, read from the database ``alias``."""
    return {
        "tables": _table_figures(alias),
        "ledgers": _ledger_figures(alias),
        "attachments": _attachment_figures(alias, media_root),
        "migrations": _migrations(alias),
    }


COMPARED = ("tables", "ledgers", "attachments", "migrations")


def manifest_diff(expected: dict, actual: dict) -> list[str]:
    """One line per figure that differs between two manifests ("" paths are top level)."""
    differences: list[str] = []

    def walk(path: str, want, got) -> None:
        if isinstance(want, dict) and isinstance(got, dict):
            for key in sorted(set(want) | set(got)):
                if key not in got:
                    differences.append(f"{path}.{key}: in the backup, missing after restore")
                elif key not in want:
                    differences.append(f"{path}.{key}: not in the backup, present after restore")
                else:
                    walk(f"{path}.{key}", want[key], got[key])
        elif want != got:
            differences.append(f"{path}: backup {want!r} != restored {got!r}")

    for section in COMPARED:
        walk(section, expected.get(section), actual.get(section))
    return differences


# --------------------------------------------------------------------------- helpers

def _media_root() -> Path:
    return Path(getattr(default_storage, "location", "")).resolve()


def _copy_media(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, symlinks=False)
    else:
        target.mkdir(parents=True)


def _run(args: list[str], *, tool: str, env: dict | None = None) -> None:
    # Fixed executables from PATH with an argument list: no shell, no interpolation.
    process = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    if process.returncode != 0:
        raise ApplicationError(BACKUP_TOOL_FAILED.format(
            tool=tool, code=process.returncode, detail=process.stderr.strip()[-2000:]))


def _pg_env(db: dict) -> dict:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_args(db: dict, dbname: str) -> list[str]:
    args = ["--dbname", dbname]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return [*args, "--no-password"]


def _sqlite_integrity(path: Path) -> None:
    target = sqlite3.connect(path)
    try:
        result = [row[0] for row in target.execute("PRAGMA integrity_check")]
    finally:
        target.close()
    if result != ["ok"]:
        raise ApplicationError(BACKUP_INTEGRITY_FAILED.format(detail="; ".join(result[:20])))


def _with_alias(settings: dict) -> None:
    """Open a second connection (the backup file, the scratch copy) under ``SCRATCH_ALIAS``.

    It is attached to the handler for ``.using()`` but kept out of ``DATABASES``: it exists
    only for the drill and is closed and dropped by ``_drop_alias``.
    """
    backend = load_backend(settings["ENGINE"])
    connections[SCRATCH_ALIAS] = backend.DatabaseWrapper(settings, SCRATCH_ALIAS)


def _drop_alias() -> None:
    try:
        wrapper = connections[SCRATCH_ALIAS]
    except ConnectionDoesNotExist:
        return
    try:
        wrapper.close()
    finally:
        del connections[SCRATCH_ALIAS]


# --------------------------------------------------------------------------- backup

def backup_create(*, output: Path) -> dict:
    """Write a consistent backup of the database and the uploads to ``output``."""
    output = Path(output)
    if output.exists() and any(output.iterdir()):
        raise ApplicationError(BACKUP_DIR_NOT_EMPTY.format(path=output))
    # Owner-only from the start (docs/security.md #54): nobody else can enter the
    # directory while it is written, and every file and folder is tightened at the end.
    output.mkdir(mode=0o700, parents=True, exist_ok=True)
    output.chmod(0o700)
    started = time.monotonic()
    connection = connections["default"]
    media_root = _media_root()
    if connection.vendor == "sqlite":
        target_path = output / SQLITE_FILE
        connection.ensure_connection()
        target = sqlite3.connect(target_path)
        try:
            connection.connection.backup(target)
            # One self-contained file (the live database runs in WAL mode).
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
        _sqlite_integrity(target_path)
        # The manifest is read from the backup file itself: the one consistent snapshot.
        _with_alias({**copy.deepcopy(connection.settings_dict), "NAME": str(target_path),
                     "OPTIONS": {}})
        try:
            manifest = manifest_compute(alias=SCRATCH_ALIAS, media_root=media_root)
        finally:
            _drop_alias()
        engine = "sqlite"
    elif connection.vendor == "postgresql":
        manifest = _pg_backup(connection, output / PG_DUMP_FILE, media_root)
        engine = "postgresql"
    else:
        raise ApplicationError(BACKUP_UNSUPPORTED_ENGINE.format(vendor=connection.vendor))
    _copy_media(media_root, output / MEDIA_DIR)
    manifest.update({
        "version": MANIFEST_VERSION,
        "engine": engine,
        "created_at": timezone.now().isoformat(),
        "backup_seconds": round(time.monotonic() - started, 3),
    })
    (output / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True,
                                              ensure_ascii=False), encoding="utf-8")
    _owner_only(output)
    return manifest


def _owner_only(root: Path) -> None:
    """Directories 0700 and files 0600 under ``root`` (a backup holds every secret row)."""
    root.chmod(0o700)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            Path(folder, name).chmod(0o700)
        for name in files:
            path = Path(folder, name)
            if not path.is_symlink():
                path.chmod(0o600)


def _pg_backup(connection, dump_path: Path, media_root: Path) -> dict:
    """pg_dump the exact snapshot the manifest is read from (an exported snapshot).

    A connection of its own holds a REPEATABLE READ transaction open: ``pg_dump
    --snapshot`` dumps what that transaction sees, and the manifest is read inside it, so a
    write landing meanwhile is in neither or in both.
    """
    db = connection.settings_dict
    _with_alias(copy.deepcopy(db))
    scratch = connections[SCRATCH_ALIAS]
    try:
        with scratch.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                _run(["pg_dump", "-Fc", "--no-owner", "--snapshot", snapshot,
                      "--file", str(dump_path), *_pg_args(db, db["NAME"])],
                     tool="pg_dump", env=_pg_env(db))
                manifest = manifest_compute(alias=SCRATCH_ALIAS, media_root=media_root)
            finally:
                cursor.execute("ROLLBACK")
    finally:
        _drop_alias()
    return manifest


# --------------------------------------------------------------------------- restore

def _load_manifest(backup: Path) -> dict:
    path = Path(backup) / MANIFEST
    if not path.is_file():
        raise ApplicationError(BACKUP_NOT_FOUND.format(path=path))
    return json.loads(path.read_text(encoding="utf-8"))


def restore_check(*, backup: Path, into: str) -> CheckResult:
    """Restore ``backup`` into the scratch target ``into`` and compare every figure."""
    backup = Path(backup)
    expected = _load_manifest(backup)
    live = connections["default"].settings_dict
    is_pg_target = into.startswith(("postgres://", "postgresql://", "pgsql://"))
    target_engine = "postgresql" if is_pg_target else "sqlite"
    if expected.get("engine") != target_engine:
        raise ApplicationError(RESTORE_ENGINE_MISMATCH.format(
            backup=expected.get("engine"), target=target_engine))
    started = time.monotonic()
    if is_pg_target:
        settings = _pg_restore(backup, into, live)
    else:
        settings = _sqlite_restore(backup, Path(into), live)
    restore_seconds = time.monotonic() - started
    _with_alias(settings)
    try:
        actual = manifest_compute(alias=SCRATCH_ALIAS,
                                  media_root=(backup / MEDIA_DIR).resolve())
    finally:
        _drop_alias()
    return CheckResult(differences=manifest_diff(expected, actual),
                       restore_seconds=round(restore_seconds, 3), manifest=actual)


def _sqlite_restore(backup: Path, target: Path, live: dict) -> dict:
    source = backup / SQLITE_FILE
    target = target.resolve()
    if live.get("ENGINE", "").endswith("sqlite3") and Path(str(live["NAME"])).resolve() == target:
        raise ApplicationError(RESTORE_TARGET_IS_SOURCE)
    if target.exists():
        raise ApplicationError(RESTORE_TARGET_EXISTS.format(name=target))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    _sqlite_integrity(target)
    settings = copy.deepcopy(connections["default"].settings_dict)
    settings.update({"ENGINE": "django.db.backends.sqlite3", "NAME": str(target),
                     "OPTIONS": {}, "HOST": "", "PORT": "", "USER": "", "PASSWORD": ""})
    return settings


def _pg_restore(backup: Path, url: str, live: dict) -> dict:
    parsed = environ.Env.db_url_config(url)
    name = parsed.get("NAME") or ""
    if not name or "/" in name or not urlsplit(url).path.strip("/"):
        raise ApplicationError(RESTORE_BAD_TARGET.format(target=url))
    if (live.get("ENGINE", "").endswith("postgresql") and name == live.get("NAME")
            and str(parsed.get("HOST") or "") == str(live.get("HOST") or "")
            and str(parsed.get("PORT") or "") == str(live.get("PORT") or "")):
        raise ApplicationError(RESTORE_TARGET_IS_SOURCE)
    settings = copy.deepcopy(connections["default"].settings_dict)
    settings.update({key: parsed[key] for key in ("HOST", "PORT", "USER", "PASSWORD")
                     if key in parsed})
    settings["ENGINE"] = "django.db.backends.postgresql"
    env = _pg_env(settings)
    # createdb fails when the database exists: a restore never lands on top of data.
    # A fixed tool from PATH with an argument list: no shell, no interpolation.
    process = subprocess.run(["createdb", *_pg_args(settings, "postgres")[2:], name],
                             capture_output=True, text=True, env=env, check=False)
    if process.returncode != 0:
        if "already exists" in process.stderr:
            raise ApplicationError(RESTORE_TARGET_EXISTS.format(name=name))
        raise ApplicationError(BACKUP_TOOL_FAILED.format(
            tool="createdb", code=process.returncode, detail=process.stderr.strip()))
    _run(["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction",
          *_pg_args(settings, name), str(backup / PG_DUMP_FILE)],
         tool="pg_restore", env=env)
    settings["NAME"] = name
    return settings
