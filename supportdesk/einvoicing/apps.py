"""Statements become e-invoices: drafts, myDATA and EN 16931 exports, the provider hand-off."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from supportdesk.notifications.announcements import listen


class EinvoicingConfig(AppConfig):
    name = "supportdesk.einvoicing"
    label = "einvoicing"
    verbose_name = _("E-invoicing")

    def ready(self) -> None:
        # A listener of the producers' announcements beside webhooks' (announcements keeps
        # a list): an issued statement is handed to the provider when one is configured.
        # The services import models, so only once apps are ready.
        from supportdesk.einvoicing.services import (  # noqa: PLC0415
            statement_issued_heard,
            statements_issued_heard,
        )

        listen(statement_issued_heard, many=statements_issued_heard)
