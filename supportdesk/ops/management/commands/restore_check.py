from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from supportdesk.common.exceptions import ApplicationError
from supportdesk.ops.backup import restore_check


class Command(BaseCommand):
    help = ("Restore a backup into a scratch database (a new PostgreSQL database or a new "
            "SQLite file), recompute its manifest and compare every figure with the backup's.")

    def add_arguments(self, parser):
        parser.add_argument("--backup", required=True, type=Path,
                            help="The directory `manage.py backup` wrote.")
        parser.add_argument("--into", required=True,
                            help="postgres://…/<new database name> or a new SQLite file path.")

    def handle(self, *args, **options):
        try:
            result = restore_check(backup=options["backup"], into=options["into"])
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"Restore time: {result.restore_seconds:.2f} s.")
        if not result.ok:
            for line in result.differences:
                self.stderr.write(f"  DIFF {line}")
            raise CommandError(
                f"Restore check FAILED: {len(result.differences)} figure(s) differ.")
        manifest = result.manifest
        self.stdout.write(self.style.SUCCESS(
            f"Restore check passed: {len(manifest['tables'])} tables, "
            f"{len(manifest['attachments'])} attachment hashes, ledgers, statement totals "
            f"and {len(manifest['migrations'])} migrations all match."))
