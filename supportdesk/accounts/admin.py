from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "get_full_name", "email", "role", "customer", "is_active")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("username", "first_name", "last_name", "email", "customer__name")
    autocomplete_fields = ("customer",)
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Support desk"), {"fields": ("role", "customer", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Support desk"), {"fields": ("role", "customer", "email", "first_name", "last_name")}),
    )
