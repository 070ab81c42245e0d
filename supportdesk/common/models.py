from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Every row knows when it was made and last changed (UTC, shown in Europe/Athens)."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


APPEND_ONLY = _("Ledger rows are never changed or deleted; post a reversing entry instead.")


class ImmutableRowError(Exception):
    """Raised by the model guard when code tries to change an append-only row."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRowError(str(APPEND_ONLY))

    def delete(self):
        raise ImmutableRowError(str(APPEND_ONLY))


class AppendOnlyModel(models.Model):
    """Insert-only: ``save()`` of an existing row and ``delete()`` raise (docs/security.md #30)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRowError(str(APPEND_ONLY))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRowError(str(APPEND_ONLY))


class FormToken(models.Model):
    """A claimed one-time form token (see :mod:`supportdesk.common.idempotency`, #41)."""

    key = models.CharField(_("key"), max_length=64, unique=True)
    user_id = models.BigIntegerField(_("user"), db_index=True)
    scope = models.CharField(_("form"), max_length=200)
    reference = models.CharField(_("result"), max_length=300, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("form token")
        verbose_name_plural = _("form tokens")

    def __str__(self) -> str:
        return f"{self.scope} {self.key[:8]}"


class IdempotencyKey(models.Model):
    """An ``Idempotency-Key`` of an API write and the answer it got (docs/security.md #48).

    Claimed in the same transaction as the write (see :mod:`supportdesk.common.api_idempotency`),
    so a row exists only for a write that committed; a repeat with the same key gets the
    stored status and body. Keys are the caller's, so they are unique per user, not globally.
    """

    user_id = models.BigIntegerField(_("user"))
    key = models.CharField(_("key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=300)
    request_hash = models.CharField(_("request hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"))
    content_type = models.CharField(_("content type"), max_length=100, blank=True, default="")
    response_body = models.TextField(_("response body"), blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["user_id", "key"], name="idempotency_key_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.key[:16]}"
