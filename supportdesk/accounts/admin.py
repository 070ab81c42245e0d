from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin

from supportdesk.common.exceptions import ApplicationError

from . import services
from .models import MfaEvent, User

# Device secrets and recovery codes stay off every screen: django-otp's own admin pages
# would show them. Devices are reset through the audited action below instead.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "get_full_name", "email", "role", "customer", "is_active")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("username", "first_name", "last_name", "email", "customer__name")
    autocomplete_fields = ("customer",)
    actions = ("reset_mfa_devices",)
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Support desk"), {"fields": ("role", "customer", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Support desk"), {"fields": ("role", "customer", "email", "first_name", "last_name")}),
    )

    @admin.action(description=_("Reset two-factor devices (lost phone)"))
    def reset_mfa_devices(self, request, queryset):
        for person in queryset:
            try:
                count = services.mfa_devices_reset(user=person, by=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"{person.username}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, _("%(user)s: %(count)s devices removed.") % {
                    "user": person.username, "count": count}, messages.SUCCESS)


@admin.register(MfaEvent)
class MfaEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "actor")
    list_filter = ("kind",)
    search_fields = ("user__username", "actor__username")
    readonly_fields = ("created_at", "user", "kind", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
