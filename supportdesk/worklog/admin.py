"""Admin views of measured work: read-only (§8).

Entries, expenses, visits and remote sessions change only through the worklog services,
which price them and post ledger draws in one transaction; an admin edit would bypass both.
Stuck timers and calendar feeds may be deleted (a delete revokes a feed).
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from supportdesk.common.admin import ReadOnlyAdminMixin

from .models import CalendarFeed, Expense, RemoteSession, Timer, Visit, WorkEntry


@admin.register(WorkEntry)
class WorkEntryAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("id", "ticket", "technician", "channel", "kind", "started_at",
                    "duration_minutes", "net_amount", "locked_at")
    list_filter = ("channel", "kind")
    list_select_related = ("ticket", "technician")
    raw_id_fields = ("ticket", "technician")
    date_hierarchy = "started_at"
    show_full_result_count = False


@admin.register(Expense)
class ExpenseAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("id", "ticket", "kind", "amount", "incurred_on", "locked_at")
    list_filter = ("kind",)
    list_select_related = ("ticket",)
    show_full_result_count = False


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("id", "ticket", "technician", "location", "starts_at", "status",
                    "is_out_of_town")
    list_filter = ("status", "location", "is_out_of_town")
    list_select_related = ("ticket", "technician")
    show_full_result_count = False


@admin.register(RemoteSession)
class RemoteSessionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "ticket", "technician", "tool", "session_id", "started_at",
                    "consent_given_by")
    list_select_related = ("ticket", "technician")
    show_full_result_count = False


@admin.register(Timer)
class TimerAdmin(admin.ModelAdmin):
    list_display = ("id", "technician", "ticket", "channel", "started_at")
    list_select_related = ("ticket", "technician")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ("technician", "created_at", "updated_at")
    exclude = ("token_digest",)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
