"""The satisfaction survey: one rating per resolved request, and its report."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from supportdesk.notifications.announcements import listen


class SatisfactionConfig(AppConfig):
    name = "supportdesk.satisfaction"
    label = "satisfaction"
    verbose_name = _("Satisfaction")

    def ready(self) -> None:
        # A listener of the producers' announcements (notifications.announcements), beside
        # the webhooks': a status change to resolved writes the survey's notification row
        # in its transaction. The services import models, so only once apps are ready.
        from supportdesk.satisfaction.services import survey_on_announcement  # noqa: PLC0415

        listen(survey_on_announcement)
