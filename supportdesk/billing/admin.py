from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from supportdesk.common.admin import ReadOnlyAdminMixin

from .models import (
    BillingRun,
    BillingSettings,
    HoldOverride,
    Statement,
    StatementLine,
    VendorProfile,
)


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Issued documents and billing runs change only through services."""


class StatementLineInline(admin.TabularInline):
    model = StatementLine
    fk_name = "statement"
    extra = 0
    can_delete = False
    readonly_fields = ("position", "kind", "ticket", "work_entry", "expense", "description",
                       "channel", "minutes", "net_amount", "vat_rate", "credited_at")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("display_number", "kind", "customer_name", "status", "issued_at", "due_on",
                    "total", "mark")
    list_filter = ("status", "kind", "year")
    search_fields = ("customer_name", "customer_tax_number", "mark")
    inlines = [StatementLineInline]


@admin.register(BillingRun)
class BillingRunAdmin(ReadOnlyAdmin):
    list_display = ("period_start", "period_end", "started_at", "finished_at",
                    "statements_issued", "customers_seen", "started_by")


@admin.register(HoldOverride)
class HoldOverrideAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("customer", "until", "created_by", "created_at", "revoked_at", "reason")


@admin.register(BillingSettings)
class BillingSettingsAdmin(admin.ModelAdmin):
    list_display = ("grace_days", "payment_terms_days", "statement_series", "credit_series")

    def has_add_permission(self, request):
        return not BillingSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VendorProfile)
class VendorProfileAdmin(admin.ModelAdmin):
    list_display = ("name", "tax_number", "tax_office", "iban")

    def has_add_permission(self, request):
        return not VendorProfile.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = 1  # the single row (CHECK pk = 1)
        super().save_model(request, obj, form, change)
