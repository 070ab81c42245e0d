"""PostgreSQL only: a trigram GIN index on the folded search text (docs/security.md #34).

``search_text__contains`` becomes ``LIKE '%term%'``; with ``gin_trgm_ops`` PostgreSQL answers
it from the index instead of reading a million rows. SQLite has no trigram indexes: the
embedded install is small enough to scan.
"""

from django.db import migrations

INDEX = "ticket_search_trgm_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON tickets_ticket "
        "USING gin (search_text gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0002_sla_snapshot_and_queue_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
