"""One rating per request (docs/satisfaction.md): good or poor, an optional comment, who
gave it and how (the e-mail's link or the portal).

The UNIQUE constraint on the request is the "once per request" rule: a second click, a
double submit or two browsers at once find the first rating and change nothing.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

COMMENT_MAX = 2000


class Rating(models.Model):
    class Score(models.TextChoices):
        GOOD = "good", _("Good")
        POOR = "poor", _("Poor")

    class Via(models.TextChoices):
        MAIL = "mail", _("The link in the e-mail")
        PORTAL = "portal", _("The customer portal")

    ticket = models.OneToOneField("tickets.Ticket", verbose_name=_("request"),
                                  on_delete=models.CASCADE, related_name="rating")
    score = models.CharField(_("rating"), max_length=8, choices=Score.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=COMMENT_MAX)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("rated by"),
                                 on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    via = models.CharField(_("given through"), max_length=8, choices=Via.choices)
    rated_at = models.DateTimeField(_("rated at"))
    commented_at = models.DateTimeField(_("commented at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-rated_at", "-pk"]
        indexes = [models.Index(fields=["rated_at"], name="rating_rated_at_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(score__in=["good", "poor"]),
                                   name="rating_score_good_or_poor"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.score}"
