from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# PostgreSQL: a stored tsvector over the folded title (weight A) and body (B), with its GIN
# index, for ranked full-text search (docs/knowledge.md "Search"). Added after every migrate
# (also when tests build the schema without migrations), idempotently; Django's model does
# not know the column, so SQLite and the migrations stay plain.
SEARCH_VECTOR_SQL = (
    "ALTER TABLE knowledge_article ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, coalesce(search_title, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(search_body, '')), 'B')) STORED",
    "CREATE INDEX IF NOT EXISTS knowledge_article_search_gin "
    "ON knowledge_article USING gin (search_vector)",
)


def install_search_vector(using: str = "default", **kwargs) -> None:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM information_schema.tables WHERE table_name = %s",
                       ["knowledge_article"])
        if cursor.fetchone() is None:
            return
        for statement in SEARCH_VECTOR_SQL:
            cursor.execute(statement)


class KnowledgeConfig(AppConfig):
    name = "supportdesk.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        post_migrate.connect(install_search_vector, sender=self,
                             dispatch_uid="knowledge_search_vector")
