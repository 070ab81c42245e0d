from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from supportdesk.common.exceptions import ApplicationError
from supportdesk.ops.backup import backup_create


class Command(BaseCommand):
    help = ("Back up the database (SQLite online backup + integrity check, or pg_dump -Fc) "
            "and the uploaded files, with a manifest of figures to check a restore against.")

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, type=Path,
                            help="A new (or empty) directory to write the backup into.")

    def handle(self, *args, **options):
        try:
            manifest = backup_create(output=options["output"])
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(self.style.SUCCESS(
            f"Backup written to {options['output']}: {manifest['engine']}, "
            f"{len(manifest['tables'])} tables, {rows} rows, "
            f"{len(manifest['attachments'])} attachments, "
            f"{manifest['backup_seconds']:.2f} s."))
