"""The knowledge base for staff (desk/kb/): list and search, write and revise articles,
their files and history, requests they solved, and the search the reply box uses.
Thin views: the decorators authorise, selectors read, one service writes."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from supportdesk.common.downloads import private_file_response
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import staff_required
from supportdesk.tickets.selectors import ticket_get_for_user

from .forms import ArticleFileForm, ArticleForm, LinkTicketForm
from .models import Article
from .selectors import (
    article_figures,
    article_file_get_for_user,
    article_get_for_user,
    article_search,
    article_ticket_links,
    articles_for_user,
)
from .services import article_create, article_file_add, article_link_ticket, article_update
from .text import render_markdown, reply_text

LIST_SIZE = 50


def staff_file_url(article: Article):
    files = {f.uuid.hex: f for f in article.files.all()}

    def url(uuid_hex: str) -> str | None:
        row = files.get(uuid_hex)
        return reverse("knowledge:file", args=[row.uuid]) if row else None

    return url


def inline_file_response(row) -> HttpResponse:
    """An article's image inline (re-encoded on upload, served with its own type only,
    nosniff, sandboxed); anything else as a download (docs/security.md #10)."""
    if not row.is_image:
        return private_file_response(row.file, filename=row.original_name)
    response = HttpResponse(row.file.open("rb").read(), content_type=row.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, max-age=300"
    return response


@staff_required
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    visibility = request.GET.get("visibility", "")
    qs = articles_for_user(user=request.user)
    if visibility in Article.Visibility.values:
        qs = qs.filter(visibility=visibility)
    hits = article_search(qs=qs, query=query, limit=LIST_SIZE) if query.strip() else None
    rows = None if hits is not None else list(
        qs.select_related("product").order_by("-updated_at", "-id")[:LIST_SIZE])
    return render(request, "knowledge/desk/list.html", {
        "query": query, "visibility": visibility, "hits": hits, "rows": rows,
        "visibilities": Article.Visibility.choices,
    })


def _service_fields(data: dict) -> dict:
    return {name: data[name] for name in (
        "title_el", "body_el", "title_en", "body_en", "visibility", "category", "product",
        "release_from", "release_to", "entitled_only")}


@staff_required
@require_http_methods(["GET", "POST"])
def article_new(request: HttpRequest) -> HttpResponse:
    form = ArticleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            article = article_create(by=request.user, **_service_fields(form.cleaned_data))
        except ApplicationError as exc:
            form.add_error(exc.extra.get("field"), exc.message)
        else:
            messages.success(request, _("The article was saved."))
            return redirect("knowledge:article", article_id=article.pk)
    return render(request, "knowledge/desk/edit.html", {"form": form, "article": None},
                  status=400 if form.is_bound else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    article = article_get_for_user(user=request.user, article_id=article_id)
    form = ArticleForm(request.POST or None, initial=ArticleForm.initial_for(article))
    if request.method == "POST" and form.is_valid():
        try:
            article_update(article=article, by=request.user,
                           expected_revision=form.cleaned_data["revision"],
                           **_service_fields(form.cleaned_data))
        except ApplicationError as exc:
            form.add_error(exc.extra.get("field"), exc.message)
        else:
            messages.success(request, _("The article was saved."))
            return redirect("knowledge:article", article_id=article.pk)
    return render(request, "knowledge/desk/edit.html", {"form": form, "article": article},
                  status=400 if form.is_bound else 200)


@staff_required
@require_GET
def article_detail(request: HttpRequest, article_id: int) -> HttpResponse:
    article = article_get_for_user(user=request.user, article_id=article_id)
    return render(request, "knowledge/desk/article.html", {
        "article": article,
        "body_html": render_markdown(article.body, file_url=staff_file_url(article)),
        "files": list(article.files.all()),
        "links": article_ticket_links(article=article),
        "figures": article_figures(article=article),
        "file_form": ArticleFileForm(), "link_form": LinkTicketForm(),
    })


@staff_required
@require_GET
def article_history(request: HttpRequest, article_id: int) -> HttpResponse:
    article = article_get_for_user(user=request.user, article_id=article_id)
    revisions = list(article.revisions.select_related("author").order_by("-number"))
    return render(request, "knowledge/desk/history.html",
                  {"article": article, "revisions": revisions})


@staff_required
@require_GET
def article_revision(request: HttpRequest, article_id: int, number: int) -> HttpResponse:
    article = article_get_for_user(user=request.user, article_id=article_id)
    revision = article.revisions.select_related("author").filter(number=number).first()
    if revision is None:
        raise Http404
    body = revision.body_en if request.LANGUAGE_CODE == "en" and revision.body_en \
        else revision.body_el
    return render(request, "knowledge/desk/revision.html", {
        "article": article, "revision": revision,
        "body_html": render_markdown(body, file_url=staff_file_url(article)),
    })


@staff_required
@require_POST
def article_file_upload(request: HttpRequest, article_id: int) -> HttpResponse:
    article = article_get_for_user(user=request.user, article_id=article_id)
    form = ArticleFileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to add."))
    else:
        try:
            row = article_file_add(article=article, uploaded_file=form.cleaned_data["file"],
                                   by=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Added. Write %(ref)s in the text to show it.")
                             % {"ref": f"![{row.original_name}](kb:{row.uuid.hex})"})
    return redirect("knowledge:article", article_id=article.pk)


@staff_required
@require_GET
def article_file(request: HttpRequest, file_uuid) -> HttpResponse:
    return inline_file_response(article_file_get_for_user(user=request.user,
                                                          file_uuid=file_uuid))


@staff_required
@require_POST
def article_link(request: HttpRequest, article_id: int) -> HttpResponse:
    """"Solved by article" from the article page, or from the reply box (JSON)."""
    article = article_get_for_user(user=request.user, article_id=article_id)
    form = LinkTicketForm(request.POST)
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    if not form.is_valid():
        if wants_json:
            return JsonResponse({"ok": False, "message": _("Give a request number.")},
                                status=400)
        messages.error(request, _("Give a request number."))
        return redirect("knowledge:article", article_id=article.pk)
    ticket = ticket_get_for_user(user=request.user, ticket_id=form.cleaned_data["ticket"])
    article_link_ticket(article=article, ticket=ticket, by=request.user)
    text = _("%(reference)s is marked as solved by this article.") % {
        "reference": ticket.reference}
    if wants_json:
        return JsonResponse({"ok": True, "message": text})
    messages.success(request, text)
    return redirect("knowledge:article", article_id=article.pk)


@staff_required
@require_GET
def article_search_json(request: HttpRequest) -> JsonResponse:
    """The reply box's search: published articles (for customers or staff only, never
    drafts) with what to insert: the customer's link and the text in the chosen language."""
    language = request.GET.get("lang", "el")
    qs = articles_for_user(user=request.user).exclude(visibility=Article.Visibility.DRAFT)
    results = []
    for hit in article_search(qs=qs, query=request.GET.get("q", "")[:200], limit=10):
        article = hit.article
        title = article.title_en if language == "en" and article.title_en else article.title_el
        body = article.body_en if language == "en" and article.body_en else article.body_el
        results.append({
            "id": article.pk, "title": title, "visibility": article.visibility,
            "visibility_label": article.get_visibility_display(),
            "snippet": hit.body.as_json(),
            # Links that leave in replies are built on the configured address, never on
            # the request's Host (as in e-mails).
            "link": settings.SUPPORTDESK_SITE_URL.rstrip("/")
            + reverse("portal:kb:article", args=[article.pk])
            if article.visibility == Article.Visibility.CUSTOMERS else "",
            "text": f"{title}\n\n{reply_text(body)}",
            "link_url": reverse("knowledge:link", args=[article.pk]),
        })
    return JsonResponse({"results": results})
