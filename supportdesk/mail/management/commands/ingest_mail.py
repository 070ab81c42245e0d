"""``manage.py ingest_mail``: feed e-mail into the desk.

* from an MTA pipe or fetchmail's ``mda``: one message on stdin
  (``| manage.py ingest_mail``);
* ``--dir PATH``: every file of a Maildir (``new/`` and ``cur/``) or of a plain folder.

Idempotent on Message-ID: feeding the same message again records an ``ignored`` duplicate.
When the database cannot be reached the command exits with 75 (EX_TEMPFAIL) so the MTA keeps
the message and retries; otherwise it exits 0, whatever the mail's fate (a bounce to an
auto-reply would start a loop).
"""

import sys
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from supportdesk.mail.services import mail_ingest

EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Ingest e-mail from stdin (one message) or from a Maildir/folder (--dir)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", dest="directory", help="a Maildir or a folder of .eml files")

    def _files(self, directory: Path) -> list[Path]:
        if not directory.is_dir():
            raise CommandError(f"Not a folder: {directory}")
        folders = [directory / "new", directory / "cur"]
        if not any(f.is_dir() for f in folders):
            folders = [directory]
        return sorted(p for f in folders if f.is_dir() for p in f.iterdir()
                      if p.is_file() and not p.name.startswith("."))

    def handle(self, *args, directory=None, **options):
        if directory:
            sources = [(str(p), p.read_bytes) for p in self._files(Path(directory))]
        else:
            sources = [("stdin", sys.stdin.buffer.read)]
        counts: Counter[str] = Counter()
        for name, read in sources:
            raw = read()
            try:
                row = mail_ingest(raw)
            except DatabaseError as exc:
                self.stderr.write(f"{name}: database unavailable: {exc}")
                sys.exit(EX_TEMPFAIL)
            counts[row.status] += 1
            if options.get("verbosity", 1) >= 2:
                self.stdout.write(f"{name}: {row.status} {row.reason}".rstrip())
        summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing"
        self.stdout.write(f"ingest_mail: {summary}")
