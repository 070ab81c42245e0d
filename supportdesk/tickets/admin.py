"""Admin for support requests: read-mostly. Changes go through the desk (services), so the
SLA clock, events and history stay consistent; the admin is for looking things up."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Attachment, Message, Ticket, TicketEvent, TicketPause


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PauseInline(ReadOnlyInline):
    model = TicketPause
    fields = ["started_at", "ended_at"]


class EventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ["created_at", "kind", "actor", "data", "is_internal"]
    readonly_fields = fields


@admin.register(Ticket)
class TicketAdmin(SimpleHistoryAdmin):
    list_display = ["id", "subject", "customer", "tier", "status", "assignee", "received_at",
                    "response_due_at"]
    list_filter = ["status", "tier", "received_via", "category"]
    search_fields = ["=id", "subject"]
    raw_id_fields = ["customer", "product", "contact", "assignee", "contract"]
    list_select_related = ["customer", "assignee"]
    show_full_result_count = False
    inlines = [PauseInline, EventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "ticket", "author", "is_internal", "created_at"]
    raw_id_fields = ["ticket", "author"]
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["uuid", "ticket", "original_name", "size_bytes", "is_internal", "created_at"]
    raw_id_fields = ["ticket", "message", "uploaded_by"]
    exclude = ["file"]  # downloads go through the permission-checked desk view

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
