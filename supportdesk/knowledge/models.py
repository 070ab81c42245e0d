"""The knowledge base: articles, their revisions and files, the requests they solved, and
what the intake's suggestions achieved (docs/knowledge.md).

An article is one row with its Greek text and an optional English one; the folded copies
(``search_title``, ``search_body``) are kept by the services on every save so that both
databases match Greek without accents, case or final sigma (docs/security.md #34). On
PostgreSQL a stored ``tsvector`` column over them, with its GIN index, is added by
``knowledge.apps`` after every migrate (Django does not know that column).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from supportdesk.common.models import AppendOnlyModel, TimeStampedModel


class Article(TimeStampedModel):
    class Visibility(models.TextChoices):
        DRAFT = "draft", _("Draft")
        STAFF = "staff", _("Staff only")
        CUSTOMERS = "customers", _("Customers")

    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="articles",
        help_text=_("Empty: about the desk itself, for every customer."))
    release_from = models.ForeignKey(
        "catalog.Release", verbose_name=_("from release"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+")
    release_to = models.ForeignKey(
        "catalog.Release", verbose_name=_("up to release"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+")
    # A kind of problem (Ticket.Category) it answers; empty: any kind.
    category = models.CharField(_("kind of problem"), max_length=24, blank=True, default="")
    title_el = models.CharField(_("title (Greek)"), max_length=200)
    body_el = models.TextField(_("text (Greek, Markdown)"))
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True, default="")
    body_en = models.TextField(_("text (English, Markdown)"), blank=True, default="")
    visibility = models.CharField(_("visibility"), max_length=12, choices=Visibility.choices,
                                  default=Visibility.DRAFT)
    entitled_only = models.BooleanField(
        _("only customers entitled to updates (§4)"), default=False)
    revision = models.PositiveIntegerField(_("revision"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+")
    search_title = models.TextField(editable=False, default="")
    search_body = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["visibility", "product"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(entitled_only=False) | models.Q(product__isnull=False),
                name="article_entitled_only_needs_a_product"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        """The title in the reader's language (English falls back to Greek)."""
        if translation.get_language() == "en" and self.title_en:
            return self.title_en
        return self.title_el

    @property
    def body(self) -> str:
        if translation.get_language() == "en" and self.body_en:
            return self.body_en
        return self.body_el


class ArticleRevision(AppendOnlyModel):
    """Each save of an article as it was: never changed, so the history is the record."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               related_name="+")
    title_el = models.CharField(max_length=200)
    body_el = models.TextField()
    title_en = models.CharField(max_length=200, blank=True, default="")
    body_en = models.TextField(blank=True, default="")
    visibility = models.CharField(max_length=12, choices=Article.Visibility.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("article revision")
        verbose_name_plural = _("article revisions")
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"],
                                               name="article_revision_number_unique")]

    def __str__(self) -> str:
        return f"{self.article_id} r{self.number}"


def article_file_path(instance, filename: str) -> str:
    # A random name: the user's file name is only display text (docs/security.md #21).
    return f"kb/{instance.uuid.hex[:2]}/{instance.uuid.hex}"


class ArticleFile(TimeStampedModel):
    """An image or attachment of an article, checked like a request's attachment."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=article_file_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, related_name="+")

    class Meta:
        verbose_name = _("article file")
        verbose_name_plural = _("article files")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES


#: Raster images shown inside an article (re-encoded on upload); others are downloads.
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif"})


class ArticleTicketLink(models.Model):
    """"Solved by article": a request a technician answered with the article."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="ticket_links")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE,
                               related_name="article_links")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("request solved by an article")
        verbose_name_plural = _("requests solved by articles")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["article", "ticket"],
                                               name="article_ticket_link_unique")]

    def __str__(self) -> str:
        return f"{self.article_id} → {self.ticket_id}"


class Suggestion(models.Model):
    """An article suggested on one portal intake (one new-request page, its ``token``):
    counted once however often the customer types, and marked when opened."""

    token = models.CharField(max_length=40)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="suggestions")
    shown_at = models.DateTimeField(auto_now_add=True, db_index=True)
    opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        constraints = [models.UniqueConstraint(fields=["user", "token", "article"],
                                               name="suggestion_once_per_intake")]

    def __str__(self) -> str:
        return f"{self.token} {self.article_id}"


class Deflection(models.Model):
    """A customer's "this solved it": a request that was not opened (docs/knowledge.md).

    One per intake (``token``) and user, so a double click or a retry counts once. The
    minutes and their value are fixed when it is recorded: the estimate for the kind of
    problem then, priced by the customer's tariff of that day (supportdesk/domain).
    """

    token = models.CharField(max_length=40)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="deflections")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="deflections")
    product = models.ForeignKey("catalog.Product", on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="+")
    category = models.CharField(max_length=24, blank=True, default="")
    minutes_saved = models.PositiveIntegerField(default=0)
    # What a phone call of those minutes costs on the customer's tariff (0.00 where the
    # tier includes phone support), in euros excluding VAT.
    value_amount = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("request avoided by an article")
        verbose_name_plural = _("requests avoided by articles")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "token"],
                                               name="deflection_once_per_intake")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.article_id}"


class MinutesEstimate(models.Model):
    """The support minutes a request of a kind takes, when a manager sets it; without one,
    the average of the work logged on such requests is used (docs/knowledge.md)."""

    category = models.CharField(_("kind of problem"), max_length=24, unique=True)
    minutes = models.PositiveIntegerField(_("minutes"))

    class Meta:
        verbose_name = _("minutes per request")
        verbose_name_plural = _("minutes per request")

    def __str__(self) -> str:
        return f"{self.category}: {self.minutes}"
