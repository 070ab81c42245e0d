from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "supportdesk.common"
    label = "common"
    verbose_name = _("Common")

    def ready(self) -> None:
        from django.core import checks  # noqa: PLC0415

        from supportdesk.common.brand import check_brand  # noqa: PLC0415

        checks.register(check_brand)
