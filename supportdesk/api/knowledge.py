"""Knowledge base articles (/api/v1/articles): search and read, through the same selectors
as the pages, so a customer's token reads only what the portal shows it (published for
customers, of its licensed products, entitlement-only ones while entitled to updates, §4);
drafts and staff-only articles answer 404 (docs/knowledge.md)."""

from datetime import datetime
from typing import Annotated

from ninja import Field, Query, Router, Schema

from supportdesk.knowledge.portal_views import portal_file_url
from supportdesk.knowledge.selectors import (
    article_get_for_user,
    article_search,
    articles_for_user,
)
from supportdesk.knowledge.text import render_markdown
from supportdesk.knowledge.views import staff_file_url

from .auth import api_auth
from .schemas import Id, responses

router = Router(tags=["articles"], auth=api_auth())
ARTICLES_MAX = 50


class ArticleRow(Schema):
    id: int
    title: str
    product_id: int | None
    category: str
    visibility: str
    updated_at: datetime
    snippet: str = Field("", description="Plain text around the first match of q.")


class ArticleOut(Schema):
    id: int
    title_el: str
    body_el: str = Field(..., description="Markdown source")
    title_en: str
    body_en: str
    html: str = Field(..., description="The text in the caller's language, rendered and cleaned")
    product_id: int | None
    category: str
    visibility: str
    entitled_only: bool
    revision: int
    updated_at: datetime


class ArticleFilters(Schema):
    q: Annotated[str, Field(max_length=200)] = ""
    product: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    limit: Annotated[int, Field(ge=1, le=ARTICLES_MAX)] = 20


@router.get("/", response=responses({200: list[ArticleRow]}))
def article_list(request, filters: Query[ArticleFilters]):
    """Articles the caller may read, best match of ``q`` first (accents, case and final
    sigma ignored), or the latest without ``q``."""
    qs = articles_for_user(user=request.user)
    if filters.product:
        qs = qs.filter(product_id=filters.product)
    if filters.q.strip():
        return [ArticleRow(id=h.article.pk, title=h.article.title,
                           product_id=h.article.product_id, category=h.article.category,
                           visibility=h.article.visibility, updated_at=h.article.updated_at,
                           snippet="".join(text for text, _hit in h.body.parts))
                for h in article_search(qs=qs, query=filters.q, limit=filters.limit)]
    return [ArticleRow(id=a.pk, title=a.title, product_id=a.product_id, category=a.category,
                       visibility=a.visibility, updated_at=a.updated_at)
            for a in qs.order_by("-updated_at", "-id")[:filters.limit]]


@router.get("/{article_id}", response=responses({200: ArticleOut}))
def article_detail(request, article_id: Id):
    article = article_get_for_user(user=request.user, article_id=article_id)
    file_url = staff_file_url(article) if request.user.is_vendor_staff \
        else portal_file_url(article)
    return ArticleOut(id=article.pk, title_el=article.title_el, body_el=article.body_el,
                      title_en=article.title_en, body_en=article.body_en,
                      html=str(render_markdown(article.body, file_url=file_url)),
                      product_id=article.product_id, category=article.category,
                      visibility=article.visibility, entitled_only=article.entitled_only,
                      revision=article.revision, updated_at=article.updated_at)
