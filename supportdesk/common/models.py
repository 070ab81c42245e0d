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
