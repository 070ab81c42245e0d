from django.contrib import admin

from supportdesk.common.admin import ReadOnlyAdminMixin

from .models import IncomeClassificationRule, InvoiceDraft, InvoiceDraftLine


@admin.register(IncomeClassificationRule)
class IncomeClassificationRuleAdmin(admin.ModelAdmin):
    """The accountant's classification per kind of line (docs/einvoicing.md "Documents")."""

    list_display = ("line_kind", "classification_category", "classification_type")


class InvoiceDraftLineInline(admin.TabularInline):
    model = InvoiceDraftLine
    extra = 0
    can_delete = False
    readonly_fields = ("line_number", "line_kind", "description", "net_value", "vat_rate",
                       "vat_category", "vat_amount", "classification_category",
                       "classification_type")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(InvoiceDraft)
class InvoiceDraftAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Drafts are built from statements (``draft_for_statement``), never edited by hand."""

    list_display = ("display_number", "document_kind", "issue_date", "counterpart_name",
                    "total", "frozen_at")
    list_filter = ("document_kind",)
    search_fields = ("series", "number", "counterpart_name", "counterpart_vat_number")
    inlines = [InvoiceDraftLineInline]
