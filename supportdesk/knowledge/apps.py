from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# PostgreSQL full-text search over the folded columns (docs/knowledge.md "Search"):
# - finding: a GIN index on the expression MATCH_VECTOR (title and the whole text). Not a
#   stored column: a stored vector makes the match look free to the planner, which then
#   reads every article's vector from TOAST instead of the index (three times slower at
#   20,000 articles, bench/bench_kb.py); the expression's parsing cost sends it to the index.
# - ranking: a stored, small ``search_rank_vector`` (the title, weight A, and the text's
#   opening, weight B), kept in the row (storage MAIN), so ranking thousands of matches never
#   reads each article's whole text.
# Installed after every migrate (also when tests build the schema without migrations),
# idempotently; Django's model does not know them, so SQLite and the migrations stay plain.
RANK_LEAD_CHARS = 400
MATCH_VECTOR = ("to_tsvector('simple'::regconfig, \"knowledge_article\".\"search_title\" "
                "|| ' ' || \"knowledge_article\".\"search_body\")")
SEARCH_VECTOR_SQL = (
    "ALTER TABLE knowledge_article ADD COLUMN IF NOT EXISTS search_rank_vector tsvector "
    "GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, search_title), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, "
    f"left(search_body, {RANK_LEAD_CHARS})), 'B')) STORED",
    "ALTER TABLE knowledge_article ALTER COLUMN search_rank_vector SET STORAGE MAIN",
    "CREATE INDEX IF NOT EXISTS knowledge_article_search_gin "
    f"ON knowledge_article USING gin (({MATCH_VECTOR}))",
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
