"""The knowledge base as customers see it (portal/kb/), and the intake's suggestions.

Every read starts from ``articles_for_customer`` (drafts and staff-only articles never,
entitlement-only ones only while the contract entitles the company to updates), so a page,
a search, a suggestion and a file all answer 404 alike for what the customer may not read.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import customer_required

from .models import Article
from .selectors import (
    article_file_get_for_user,
    article_get_for_customer,
    article_search,
    article_suggestions,
    articles_for_customer,
)
from .services import deflection_record, suggestion_opened, suggestions_record
from .text import render_markdown
from .views import inline_file_response

LIST_SIZE = 20


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def portal_file_url(article: Article):
    files = {f.uuid.hex: f for f in article.files.all()}

    def url(uuid_hex: str) -> str | None:
        row = files.get(uuid_hex)
        return reverse("portal:kb:file", args=[row.uuid]) if row else None

    return url


@customer_required
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    qs = articles_for_customer(user=request.user)
    hits = article_search(qs=qs, query=query, limit=LIST_SIZE) if query.strip() else None
    rows = None if hits is not None else list(
        qs.select_related("product").order_by("product__name", "title_el")[:200])
    return render(request, "knowledge/portal/list.html",
                  {"query": query, "hits": hits, "rows": rows})


@customer_required
@require_GET
def article_detail(request: HttpRequest, article_id: int) -> HttpResponse:
    article = article_get_for_customer(user=request.user, article_id=article_id)
    token = request.GET.get("intake", "")
    if token:
        suggestion_opened(user=request.user, token=token, article=article)
    return render(request, "knowledge/portal/article.html", {
        "article": article, "intake": token,
        "body_html": render_markdown(article.body, file_url=portal_file_url(article)),
        "files": [f for f in article.files.all() if not f.is_image],
    })


@customer_required
@require_GET
def article_file(request: HttpRequest, file_uuid) -> HttpResponse:
    row = article_file_get_for_user(user=request.user, file_uuid=file_uuid)
    return inline_file_response(row)


@customer_required
@require_GET
def suggest(request: HttpRequest) -> JsonResponse:
    """Suggestions for the new-request form, as JSON built only of text (the page's script
    writes it with textContent: nothing here is ever parsed as HTML)."""
    token = request.GET.get("token", "")
    hits = article_suggestions(user=request.user, product_id=_int(request.GET.get("product")),
                               category=request.GET.get("category", "")[:24],
                               query=request.GET.get("q", "")[:200])
    try:
        suggestions_record(user=request.user, token=token, articles=[h.article for h in hits])
    except ApplicationError:
        return JsonResponse({"results": []}, status=400)
    return JsonResponse({"results": [{
        "id": hit.article.pk, "title": hit.title.as_json(),
        "snippet": hit.body.as_json(),
        "url": reverse("portal:kb:article", args=[hit.article.pk]) + f"?intake={token}",
    } for hit in hits]})


@customer_required
@require_POST
def solved(request: HttpRequest) -> HttpResponse:
    """"This solved it": no request is opened; the deflection is counted once per intake."""
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    try:
        _deflection, created = deflection_record(
            user=request.user, token=request.POST.get("token", ""),
            article_id=_int(request.POST.get("article")) or 0,
            product_id=_int(request.POST.get("product")),
            category=request.POST.get("category", "")[:24])
    except ApplicationError as exc:
        if wants_json:
            return JsonResponse({"ok": False, "message": str(exc.message)}, status=400)
        messages.error(request, exc.message)
        return redirect("portal:ticket_new")
    if created:
        messages.success(request, _("We are glad the article helped. No request was opened."))
    home = reverse("portal:home")
    if wants_json:
        return JsonResponse({"ok": True, "redirect": home})
    return redirect(home)
