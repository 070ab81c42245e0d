from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running the installation: the embedded server and scheduler, demo data, backups.

    The top layer: it may import every app, and no app imports it.
    """

    name = "supportdesk.ops"
    label = "ops"
    verbose_name = _("Operations")
