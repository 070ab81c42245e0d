from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from supportdesk.notifications.announcements import listen


class WebhooksConfig(AppConfig):
    name = "supportdesk.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        # The one listener of the producers' announcements (notifications.announcements):
        # each announced event becomes a delivery row per matching subscription, in the
        # producer's transaction. The services import models, so only once apps are ready.
        from supportdesk.webhooks.services import deliveries_record, deliveries_record_many

        listen(deliveries_record, many=deliveries_record_many)
