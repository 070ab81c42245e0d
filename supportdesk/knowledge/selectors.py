"""Reads of the knowledge base. Every customer-facing path (pages, search, the intake's
suggestions, the API) starts from :func:`articles_for_customer`, the one place that says
which articles a customer may read (docs/knowledge.md "Who reads what").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone

from supportdesk.common.permissions import is_vendor_staff
from supportdesk.contracts.selectors import contract_in_force
from supportdesk.customers.models import Licence
from supportdesk.entitlements.selectors import contract_has_updates
from supportdesk.worklog.models import WorkEntry

from .apps import MATCH_VECTOR
from .models import Article, ArticleFile, ArticleTicketLink, Deflection, MinutesEstimate, Suggestion
from .text import Snippet, plain_text, search_terms, snippet

#: Minutes a request of a kind takes when no manager set it and no work shows it.
DEFAULT_MINUTES = 15
#: Words too common to suggest an article by (folded); words under three letters are
#: dropped too.
STOP_WORDS = frozenset({
    "δεν", "και", "την", "τον", "του", "της", "των", "για", "μετα", "στο", "στη", "στην",
    "στον", "απο", "που", "μου", "μας", "πως", "ειναι", "οταν", "ενα", "μια", "θελω",
    "the", "and", "for", "not", "with", "does", "how", "after", "from",
})


# ----------------------------------------------------------------------------- who reads what


def customer_has_updates(*, customer_id: int, day: date) -> bool:
    """§4, as the portal's releases decide it (supportdesk/entitlements)."""
    return contract_has_updates(contract=contract_in_force(customer_id=customer_id, day=day),
                                day=day)


def articles_for_customer(*, user, day: date | None = None) -> QuerySet[Article]:
    """What a customer user may read: published for customers, about no product or a
    product its company holds an active licence for, and, for an entitlement-only article,
    only while its contract entitles it to updates (§4). Drafts and staff-only articles
    never. Anyone else (anonymous, inactive, staff asking as a customer) reads nothing."""
    customer_id = getattr(user, "customer_id", None)
    if (user is None or not getattr(user, "is_authenticated", False) or not user.is_active
            or not getattr(user, "is_customer_user", False) or customer_id is None):
        return Article.objects.none()
    day = day or timezone.localdate()
    licensed = Licence.objects.filter(customer_id=customer_id, is_active=True,
                                      product_id=OuterRef("product_id"))
    qs = (Article.objects.filter(visibility=Article.Visibility.CUSTOMERS)
          .filter(Q(product__isnull=True) | Q(Exists(licensed))))
    if not customer_has_updates(customer_id=customer_id, day=day):
        qs = qs.filter(entitled_only=False)
    return qs


def articles_for_user(*, user, day: date | None = None) -> QuerySet[Article]:
    """Staff read every article (drafts too); customers what :func:`articles_for_customer`
    allows."""
    if is_vendor_staff(user):
        return Article.objects.all()
    return articles_for_customer(user=user, day=day)


def article_get_for_customer(*, user, article_id: int) -> Article:
    article = (articles_for_customer(user=user).select_related("product", "release_from",
                                                               "release_to")
               .filter(pk=article_id).first())
    if article is None:
        raise Http404
    return article


def article_get_for_user(*, user, article_id: int) -> Article:
    article = (articles_for_user(user=user).select_related("product", "release_from",
                                                           "release_to")
               .filter(pk=article_id).first())
    if article is None:
        raise Http404
    return article


def article_file_get_for_user(*, user, file_uuid) -> ArticleFile:
    """An article's file for someone who may read the article (404 otherwise)."""
    row = (ArticleFile.objects.select_related("article")
           .filter(uuid=file_uuid, article__in=articles_for_user(user=user)).first())
    if row is None:
        raise Http404
    return row


# ----------------------------------------------------------------------------- search


@dataclass(frozen=True)
class Hit:
    article: Article
    rank: float
    title: Snippet
    body: Snippet


def _ranked_postgresql(qs: QuerySet[Article], terms: list[str], *, match_all: bool):
    tsquery = (" & " if match_all else " | ").join(f"{t}:*" for t in terms)
    query = "to_tsquery('simple'::regconfig, %s)"
    # Only the folded words (\w+) and fixed SQL reach the text; the query is a parameter.
    matches = RawSQL(f"{MATCH_VECTOR} @@ {query}",  # noqa: S611  # nosec B611
                     [tsquery], output_field=BooleanField())
    rank = RawSQL(f'ts_rank("knowledge_article"."search_rank_vector", {query})',  # noqa: S611  # nosec B611
                  [tsquery], output_field=FloatField())
    return qs.filter(matches).annotate(rank=rank)


def _ranked_like(qs: QuerySet[Article], terms: list[str], *, match_all: bool):
    # SQLite: LIKE over the folded columns (lower() and LIKE fold only ASCII there); a word
    # in the title weighs three times one in the text.
    condition = Q()
    rank = Value(0, output_field=IntegerField())
    for term in terms:
        found = Q(search_title__contains=term) | Q(search_body__contains=term)
        condition = (condition & found) if match_all else (condition | found)
        rank = (rank
                + Case(When(search_title__contains=term, then=Value(3)), default=Value(0))
                + Case(When(search_body__contains=term, then=Value(1)), default=Value(0)))
    return qs.filter(condition).annotate(rank=rank)


def article_search(*, qs: QuerySet[Article], query: str, limit: int = 20,
                   match_all: bool = True) -> list[Hit]:
    """Articles of ``qs`` matching ``query``, best first, with highlighted snippets of the
    title and text. Accent-, case- and final-sigma-insensitive on both databases: ranked
    full text on PostgreSQL (prefixes of words), ranked LIKE on SQLite (parts of words)."""
    terms = search_terms(query)
    if not match_all:
        terms = [t for t in terms if len(t) >= 3 and t not in STOP_WORDS]
    if not terms:
        return []
    ranked = (_ranked_postgresql if connection.vendor == "postgresql" else _ranked_like)(
        qs, terms, match_all=match_all)
    rows = list(ranked.select_related("product").defer("search_title", "search_body")
                .order_by("-rank", "-updated_at", "-id")[:limit])
    return [Hit(article=a, rank=float(a.rank), title=snippet(a.title, terms, width=200),
                body=snippet(plain_text(a.body), terms)) for a in rows]


def article_suggestions(*, user, product_id: int | None, category: str, query: str,
                        limit: int = 5) -> list[Hit]:
    """What the intake suggests while a customer writes: articles it may read, for the
    product chosen (or about no product) and the kind of problem (or for any kind),
    ranked by the words of the subject; without words, those that solved most."""
    qs = articles_for_customer(user=user)
    qs = qs.filter(Q(product_id=product_id) | Q(product__isnull=True)) if product_id else \
        qs.filter(product__isnull=True)
    if category:
        qs = qs.filter(Q(category=category) | Q(category=""))
    hits = article_search(qs=qs, query=query, limit=limit, match_all=False)
    if hits or not (product_id or category):
        return hits
    rows = (qs.select_related("product").annotate(solved=Count("deflections"))
            .order_by("-solved", "-updated_at")[:limit])
    return [Hit(article=a, rank=0.0, title=snippet(a.title, []),
                body=snippet(plain_text(a.body), [])) for a in rows]


# ----------------------------------------------------------------------------- figures


def minutes_estimate_for(category: str, *, now: datetime | None = None) -> int:
    """Minutes a request of ``category`` takes: a manager's figure, else the work logged per
    request of that kind over the last year, else :data:`DEFAULT_MINUTES`."""
    set_by_manager = MinutesEstimate.objects.filter(category=category).values_list(
        "minutes", flat=True).first()
    if set_by_manager is not None:
        return set_by_manager
    since = (now or timezone.now()) - timedelta(days=365)
    work = WorkEntry.objects.filter(started_at__gte=since)
    if category:
        work = work.filter(ticket__category=category)
    figures = work.aggregate(minutes=Sum("duration_minutes"),
                             requests=Count("ticket_id", distinct=True))
    if not figures["requests"]:
        return DEFAULT_MINUTES
    return max(1, round(figures["minutes"] / figures["requests"]))


@dataclass
class ArticleFigures:
    article_id: int
    title: str
    shown: int = 0
    opened: int = 0
    solved: int = 0
    minutes: int = 0
    value: Decimal = Decimal("0.00")


@dataclass
class DeflectionBoard:
    rows: list[ArticleFigures] = field(default_factory=list)
    shown: int = 0
    opened: int = 0
    solved: int = 0
    minutes: int = 0
    value: Decimal = Decimal("0.00")


def deflection_dashboard(*, now: datetime | None = None, days: int = 365,
                         limit: int = 20) -> DeflectionBoard:
    """Suggestions shown, opened and solved per article over the last ``days``, with the
    support minutes saved and their value at each customer's tariff (fixed when recorded)."""
    since = (now or timezone.now()) - timedelta(days=days)
    board = DeflectionBoard()
    by_article: dict[int, ArticleFigures] = {}
    for row in (Suggestion.objects.filter(shown_at__gte=since).values("article_id")
                .annotate(shown=Count("id"), opened=Count("opened_at"))):
        by_article[row["article_id"]] = ArticleFigures(
            article_id=row["article_id"], title="", shown=row["shown"], opened=row["opened"])
    for row in (Deflection.objects.filter(created_at__gte=since).values("article_id")
                .annotate(solved=Count("id"), minutes=Sum("minutes_saved"),
                          value=Sum("value_amount"))):
        figures = by_article.setdefault(row["article_id"],
                                        ArticleFigures(article_id=row["article_id"], title=""))
        figures.solved = row["solved"]
        figures.minutes = row["minutes"] or 0
        figures.value = row["value"] or Decimal("0.00")
    rows = sorted(by_article.values(), key=lambda f: (-f.solved, -f.shown, f.article_id))
    titles = {a.pk: a for a in Article.objects.filter(pk__in=[r.article_id for r in rows[:limit]])
              .only("id", "title_el", "title_en")}
    for figures in by_article.values():
        board.shown += figures.shown
        board.opened += figures.opened
        board.solved += figures.solved
        board.minutes += figures.minutes
        board.value += figures.value
    for figures in rows[:limit]:
        article = titles.get(figures.article_id)
        figures.title = article.title if article else ""
    board.rows = rows[:limit]
    return board


def article_ticket_links(*, article: Article) -> list[ArticleTicketLink]:
    return list(article.ticket_links.select_related("ticket", "ticket__customer")[:100])


def ticket_article_links(*, ticket) -> list[ArticleTicketLink]:
    """"Solved by article", seen from the request (staff)."""
    return list(ArticleTicketLink.objects.filter(ticket=ticket).select_related("article")
                .order_by("created_at")[:20])


def article_figures(*, article: Article) -> ArticleFigures:
    """The intake figures of one article, all time (the staff article page)."""
    suggestions = Suggestion.objects.filter(article=article).aggregate(
        shown=Count("id"), opened=Count("opened_at"))
    deflections = Deflection.objects.filter(article=article).aggregate(
        solved=Count("id"), minutes=Sum("minutes_saved"), value=Sum("value_amount"))
    return ArticleFigures(article_id=article.pk, title=article.title,
                          shown=suggestions["shown"], opened=suggestions["opened"],
                          solved=deflections["solved"], minutes=deflections["minutes"] or 0,
                          value=deflections["value"] or Decimal("0.00"))
