from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "supportdesk.agreements"
    label = "agreements"
    verbose_name = _("Agreements for out-of-scope work (§10)")
