"""Writes of the knowledge base: articles with their revisions, files, links to requests, and
the intake's suggestions and deflections (docs/knowledge.md)."""

from __future__ import annotations

import io
import os
import re
from datetime import datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from supportdesk.catalog.models import Product, Release
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import ensure_staff
from supportdesk.common.text import clean_text, fold
from supportdesk.contracts.selectors import (
    calendar_get_default,
    contract_in_force,
    tariff_to_domain,
    tariff_version_for,
)
from supportdesk.domain.pricing import WorkItem, price_work
from supportdesk.domain.tariff import Channel
from supportdesk.domain.tariff import Tier as DomainTier
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services.attachments import attachment_check

from .models import (
    IMAGE_TYPES,
    Article,
    ArticleFile,
    ArticleRevision,
    ArticleTicketLink,
    Deflection,
    Suggestion,
)
from .selectors import article_get_for_customer, minutes_estimate_for

ARTICLE_NEEDS_TITLE = _("An article needs a Greek title.")
ARTICLE_NEEDS_TEXT = _("An article needs a Greek text.")
ARTICLE_BAD_VISIBILITY = _("Choose who may read the article.")
ARTICLE_BAD_CATEGORY = _("Choose a kind of problem from the list.")
ARTICLE_ENTITLED_NEEDS_PRODUCT = _(
    "Only an article about a product can be limited to customers entitled to its updates.")
ARTICLE_RELEASE_OTHER_PRODUCT = _("The releases must be versions of the article's product.")
ARTICLE_RELEASE_ORDER = _("The first release must not be later than the last one.")
ARTICLE_CHANGED_MEANWHILE = _(
    "Someone saved this article after you opened it; reload it and make your change again.")
TOKEN_INVALID = _("This page has expired; reload it and try again.")
LINK_CUSTOMER_ONLY = _("Only our staff link articles to requests.")

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,40}$")
TITLE_MAX = 200
BODY_MAX = 100_000


def _checked(*, title_el, body_el, title_en, body_en, visibility, category, product,
             release_from, release_to, entitled_only) -> dict:
    title_el = clean_text(title_el or "").strip()[:TITLE_MAX]
    title_en = clean_text(title_en or "").strip()[:TITLE_MAX]
    body_el = clean_text(body_el or "").strip()[:BODY_MAX]
    body_en = clean_text(body_en or "").strip()[:BODY_MAX]
    if not title_el:
        raise ApplicationError(ARTICLE_NEEDS_TITLE, code="title_required",
                               extra={"field": "title_el"})
    if not body_el:
        raise ApplicationError(ARTICLE_NEEDS_TEXT, code="body_required",
                               extra={"field": "body_el"})
    if visibility not in Article.Visibility.values:
        raise ApplicationError(ARTICLE_BAD_VISIBILITY, code="invalid_visibility",
                               extra={"field": "visibility"})
    if category and category not in Ticket.Category.values:
        raise ApplicationError(ARTICLE_BAD_CATEGORY, code="invalid_category",
                               extra={"field": "category"})
    if entitled_only and product is None:
        raise ApplicationError(ARTICLE_ENTITLED_NEEDS_PRODUCT, code="entitled_needs_product",
                               extra={"field": "entitled_only"})
    for release in (release_from, release_to):
        if release is not None and (product is None or release.product_id != product.pk):
            raise ApplicationError(ARTICLE_RELEASE_OTHER_PRODUCT, code="release_product",
                                   extra={"field": "release_from"})
    if release_from and release_to and release_from.released_on > release_to.released_on:
        raise ApplicationError(ARTICLE_RELEASE_ORDER, code="release_order",
                               extra={"field": "release_to"})
    return {"title_el": title_el, "body_el": body_el, "title_en": title_en,
            "body_en": body_en, "visibility": visibility, "category": category or "",
            "product": product, "release_from": release_from, "release_to": release_to,
            "entitled_only": bool(entitled_only)}


def _fold_columns(article: Article) -> None:
    article.search_title = fold(f"{article.title_el} {article.title_en}")
    article.search_body = fold(f"{article.body_el} {article.body_en}")


def _record_revision(article: Article, by) -> ArticleRevision:
    return ArticleRevision.objects.create(
        article=article, number=article.revision, author=by, title_el=article.title_el,
        body_el=article.body_el, title_en=article.title_en, body_en=article.body_en,
        visibility=article.visibility)


@transaction.atomic
def article_create(*, by, title_el: str, body_el: str, title_en: str = "", body_en: str = "",
                   visibility: str = Article.Visibility.DRAFT, category: str = "",
                   product: Product | None = None, release_from: Release | None = None,
                   release_to: Release | None = None, entitled_only: bool = False) -> Article:
    """A new article (staff), with its first revision."""
    ensure_staff(by)
    fields = _checked(title_el=title_el, body_el=body_el, title_en=title_en, body_en=body_en,
                      visibility=visibility, category=category, product=product,
                      release_from=release_from, release_to=release_to,
                      entitled_only=entitled_only)
    article = Article(**fields, revision=1, created_by=by, updated_by=by)
    _fold_columns(article)
    article.full_clean()
    article.save()
    _record_revision(article, by)
    return article


@transaction.atomic
def article_update(*, article: Article, by, expected_revision: int | None = None,
                   **changes) -> Article:
    """Save a new revision of ``article``. ``expected_revision`` (the revision the editor
    was opened on) refuses a save over someone else's newer one instead of losing it."""
    ensure_staff(by)
    locked = Article.objects.select_for_update().get(pk=article.pk)
    if expected_revision is not None and locked.revision != expected_revision:
        raise ApplicationError(ARTICLE_CHANGED_MEANWHILE, code="article_changed")
    current = {name: getattr(locked, name) for name in (
        "title_el", "body_el", "title_en", "body_en", "visibility", "category", "product",
        "release_from", "release_to", "entitled_only")}
    current.update(changes)
    for name, value in _checked(**current).items():
        setattr(locked, name, value)
    locked.revision += 1
    locked.updated_by = by
    _fold_columns(locked)
    locked.full_clean()
    locked.save()
    _record_revision(locked, by)
    return locked


def _reencoded(uploaded, checked) -> ContentFile:
    """A raster image decoded and written again: whatever rode along in it (a script in a
    comment, a polyglot tail) is gone before it is ever shown inline (docs/security.md #10)."""
    uploaded.seek(0)
    try:
        with Image.open(uploaded) as opened:
            opened.load()
            fmt = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF"}[
                checked.content_type]
            image = opened.convert("RGB") if fmt == "JPEG" and opened.mode not in (
                "RGB", "L") else opened
            out = io.BytesIO()
            image.save(out, format=fmt)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ApplicationError(_("The image could not be read; it was not added."),
                               code="attachment_mismatch") from exc
    return ContentFile(out.getvalue())


def article_file_add(*, article: Article, uploaded_file, by) -> ArticleFile:
    """Add an image or a file to ``article`` through the request attachments' checks (size,
    allowlist, content sniffing, sanitised name); images are re-encoded. On any error
    nothing stays on disk or in the database."""
    ensure_staff(by)
    checked = attachment_check(uploaded_file)
    content = _reencoded(uploaded_file, checked) if checked.content_type in IMAGE_TYPES \
        else uploaded_file
    row = ArticleFile(article=article, original_name=checked.name,
                      content_type=checked.content_type, size_bytes=checked.size,
                      sha256=checked.sha256, uploaded_by=by)
    stored = None
    try:
        with transaction.atomic():
            row.file.save(checked.name, content, save=False)
            stored = row.file.name
            try:
                path = row.file.path
            except NotImplementedError:  # a remote storage: permissions are its business
                path = None
            if path:
                os.chmod(path, 0o640)  # never world-readable (docs/security.md #22)
            row.size_bytes = row.file.size
            row.full_clean()
            row.save()
    except BaseException:
        if stored:
            row.file.storage.delete(stored)
        raise
    return row


def article_link_ticket(*, article: Article, ticket: Ticket, by) -> ArticleTicketLink:
    """"Solved by article": link a request to the article (staff; linking twice is one)."""
    ensure_staff(by, LINK_CUSTOMER_ONLY)
    link, _created = ArticleTicketLink.objects.get_or_create(
        article=article, ticket=ticket, defaults={"created_by": by})
    return link


def _token(token: str) -> str:
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise ApplicationError(TOKEN_INVALID, code="invalid_token")
    return token


def suggestions_record(*, user, token: str, articles: list[Article]) -> None:
    """Count the articles shown on one intake, each once however often they reappear."""
    token = _token(token)
    known = set(Suggestion.objects.filter(user=user, token=token, article__in=articles)
                .values_list("article_id", flat=True))
    rows = [Suggestion(user=user, token=token, article=a) for a in articles if a.pk not in known]
    Suggestion.objects.bulk_create(rows, ignore_conflicts=True)


def suggestion_opened(*, user, token: str, article: Article,
                      now: datetime | None = None) -> None:
    """The customer opened a suggested article (only a suggestion of its own intake)."""
    try:
        token = _token(token)
    except ApplicationError:
        return
    Suggestion.objects.filter(user=user, token=token, article=article,
                              opened_at__isnull=True).update(opened_at=now or timezone.now())


def deflection_value(*, customer_id: int, minutes: int, day) -> Decimal:
    """What a phone call of ``minutes`` would cost the customer on its tariff of ``day``
    (priced by the rules engine as a work entry with nothing left to draw on: 0.00 where
    the tier includes phone support)."""
    if minutes <= 0:
        return Decimal("0.00")
    contract = contract_in_force(customer_id=customer_id, day=day)
    tier = contract.tier if contract is not None else DomainTier.FREE
    try:
        tariff = tariff_to_domain(tariff_version_for(contract=contract, day=day))
        calendar = calendar_get_default()
    except ApplicationError:  # no tariff or calendar configured yet
        return Decimal("0.00")
    moment = calendar.next_working_moment(timezone.now())
    priced = price_work(WorkItem(channel=Channel.PHONE, started_at=moment, minutes=minutes),
                        tariff=tariff, tier=DomainTier(tier), calendar=calendar)
    return priced.net_amount


def deflection_record(*, user, token: str, article_id: int, product_id: int | None = None,
                      category: str = "") -> tuple[Deflection, bool]:
    """The customer's "this solved it": one deflection per intake however often it is
    clicked (``created`` False for a repeat). The article must be one the customer may
    read (404 otherwise, like every customer path)."""
    token = _token(token)
    article = article_get_for_customer(user=user, article_id=article_id)
    existing = Deflection.objects.filter(user=user, token=token).first()
    if existing is not None:
        return existing, False
    category = category if category in Ticket.Category.values else article.category
    product_id = product_id if product_id == article.product_id else article.product_id
    minutes = minutes_estimate_for(category)
    value = deflection_value(customer_id=user.customer_id, minutes=minutes,
                             day=timezone.localdate())
    try:
        with transaction.atomic():
            deflection = Deflection.objects.create(
                token=token, user=user, customer_id=user.customer_id, article=article,
                product_id=product_id, category=category, minutes_saved=minutes,
                value_amount=value)
    except IntegrityError:  # the same click, a moment earlier, in another request
        return Deflection.objects.get(user=user, token=token), False
    Suggestion.objects.get_or_create(user=user, token=token, article=article)
    return deflection, True
