"""``manage.py poll_mailboxes [--mailbox NAME ...]``: poll the support mailboxes once.

The same service the periodic job ``mail-poll`` runs every minute. Without ``--mailbox``
every active mailbox is polled; a named one is polled even when inactive (to test it).
Exits 1 when a mailbox failed (its error is also stored on it), else 0.
"""

import sys

from django.core.management.base import BaseCommand

from supportdesk.mail.polling import mailboxes_poll


class Command(BaseCommand):
    help = "Poll the support mailboxes (IMAP) once and file their new messages."

    def add_arguments(self, parser):
        parser.add_argument("--mailbox", action="append", dest="names", default=[],
                            help="the name of a mailbox (repeatable); default: all active")

    def handle(self, *args, names=(), **options):
        results = mailboxes_poll(names=list(names) or None)
        if not results:
            self.stdout.write("poll_mailboxes: no mailbox to poll")
        for result in results:
            (self.stderr if result.error else self.stdout).write(f"poll_mailboxes: {result}")
        if any(r.error for r in results):
            sys.exit(1)
