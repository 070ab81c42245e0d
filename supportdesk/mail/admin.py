"""Inbound e-mail in the admin: read-only. The raw message is offered to managers as a file
download (``application/octet-stream``, attachment) and never rendered in a page."""

from collections import Counter

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import is_manager

from .models import InboundMessage
from .services import mail_reprocess


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "status", "reason", "from_address", "subject", "ticket"]
    list_filter = ["status", "reason"]
    search_fields = ["=id", "from_address", "message_id", "subject"]
    list_select_related = ["ticket"]
    date_hierarchy = "created_at"
    fields = ["created_at", "processed_at", "status", "reason", "reason_label", "notes",
              "from_address", "sender", "subject", "message_id", "ticket", "ticket_message",
              "size_bytes", "raw_download"]
    readonly_fields = fields
    actions = ["process_again"]

    @admin.action(description=_("Process the quarantined e-mails again"))
    def process_again(self, request, queryset):
        done: Counter[str] = Counter()
        for row in queryset.filter(status=InboundMessage.Status.QUARANTINED).defer("raw"):
            try:
                done[mail_reprocess(inbound=row, by=request.user).status] += 1
            except ApplicationError as exc:
                self.message_user(request, str(exc), level=messages.ERROR)
                return
        self.message_user(request, _("Processed again: %(summary)s") % {
            "summary": ", ".join(f"{InboundMessage.Status(k).label} {v}"
                                 for k, v in sorted(done.items())) or "0"})

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not is_manager(request.user):
            actions.pop("process_again", None)
        return actions

    def has_view_permission(self, request, obj=None):
        # Managers read the intake; others need the model permission.
        return (is_manager(request.user)
                or super().has_view_permission(request, obj))

    def has_module_permission(self, request):
        return (is_manager(request.user)
                or super().has_module_permission(request))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # never lost (docs/security.md #19)

    @admin.display(description=_("reason"))
    def reason_label(self, obj):
        return obj.reason_label

    @admin.display(description=_("raw message"))
    def raw_download(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        url = reverse("admin:mail_inboundmessage_raw", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download .eml"))

    def get_urls(self):
        extra = [path("<int:pk>/raw/", self.admin_site.admin_view(self.raw_view),
                      name="mail_inboundmessage_raw")]
        return extra + super().get_urls()

    def raw_view(self, request, pk: int):
        if not is_manager(request.user):
            raise PermissionDenied
        row = get_object_or_404(InboundMessage, pk=pk)
        response = HttpResponse(bytes(row.raw), content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="inbound-{row.pk}.eml"'
        response["X-Content-Type-Options"] = "nosniff"
        return response
