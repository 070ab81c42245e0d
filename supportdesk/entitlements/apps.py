from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# PostgreSQL: ledger rows are append-only even for raw SQL (docs/security.md #30). Installed
# after every migrate (also when tests build the schema without migrations); TRUNCATE, used
# by test teardown, is a statement-level operation and does not fire these row triggers.
_LEDGER_TABLES = ("billing_allowanceledgerentry", "billing_bankledgerentry")
_TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION billing_ledger_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are append-only: post a reversing entry instead'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def install_ledger_triggers(using: str = "default", **kwargs) -> None:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(_TRIGGER_SQL)
        for table in _LEDGER_TABLES:
            cursor.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_name = %s", [table])
            if cursor.fetchone() is None:
                continue
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}")
            cursor.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION billing_ledger_immutable()"
            )


class EntitlementsConfig(AppConfig):
    name = "supportdesk.entitlements"
    label = "entitlements"
    verbose_name = _("Included and prepaid hours")

    def ready(self) -> None:
        post_migrate.connect(install_ledger_triggers, sender=self,
                             dispatch_uid="entitlements_ledger_triggers")
