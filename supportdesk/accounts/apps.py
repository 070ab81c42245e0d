from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "supportdesk.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from .selectors import assignable_staff_forget

        # A renamed, promoted, deactivated or deleted user changes the assignment menus.
        post_save.connect(assignable_staff_forget, sender=self.get_model("User"),
                          dispatch_uid="assignable-staff-save")
        post_delete.connect(assignable_staff_forget, sender=self.get_model("User"),
                            dispatch_uid="assignable-staff-delete")
