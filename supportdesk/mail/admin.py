"""Inbound e-mail in the admin: read-only. The raw message is offered to managers as a file
download (``application/octet-stream``, attachment) and never rendered in a page.

Support mailboxes (IMAP) are configured here by managers; the list is their status page
(last poll, last success, last error and its time). The password is write-only: typed in a
password field, stored encrypted (``supportdesk.mail.crypto``), never shown again."""

from collections import Counter

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import is_manager

from .models import InboundMessage, Mailbox
from .polling import mailbox_poll
from .services import inbound_reprocessable, mail_reprocess


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "status", "reason", "from_address", "subject", "ticket"]
    list_filter = ["status", "reason"]
    search_fields = ["=id", "from_address", "message_id", "subject"]
    list_select_related = ["ticket"]
    date_hierarchy = "created_at"
    fields = ["created_at", "processed_at", "status", "reason", "reason_label", "notes",
              "from_address", "sender", "subject", "message_id", "ticket", "ticket_message",
              "body_trimmed", "body_full", "mailbox", "mailbox_uid", "size_bytes",
              "raw_download"]
    readonly_fields = fields
    actions = ["process_again"]

    @admin.action(description=_("Process the quarantined e-mails again"))
    def process_again(self, request, queryset):
        # Quarantined rows, and duplicates of a Message-ID that no filed message holds.
        done: Counter[str] = Counter()
        reprocessable = inbound_reprocessable().values("pk")
        for row in queryset.filter(pk__in=reprocessable).defer("raw"):
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


class MailboxForm(forms.ModelForm):
    password = forms.CharField(
        label=_("password"), required=False, strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted. Leave empty to keep the current password."))

    class Meta:
        model = Mailbox
        fields = ["name", "is_active", "host", "port", "security", "folder", "username",
                  "password", "processed_action", "processed_folder", "processed_keyword"]

    def clean(self):
        data = super().clean()
        if not self.instance.password_encrypted and not data.get("password"):
            self.add_error("password", _("Enter the mailbox password."))
        return data

    def save(self, commit=True):
        mailbox = super().save(commit=False)
        if self.cleaned_data.get("password"):
            mailbox.set_password(self.cleaned_data["password"])
        if commit:
            mailbox.save()
        return mailbox


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ["name", "is_active", "host", "folder", "last_polled_at", "last_success_at",
                    "status_label", "last_error_at", "last_error_short"]
    list_filter = ["is_active"]
    readonly_fields = ["uidvalidity", "last_uid", "last_polled_at", "last_success_at",
                       "last_error", "last_error_at"]
    actions = ["poll_now"]

    def get_fieldsets(self, request, obj=None):
        return [
            (None, {"fields": ["name", "is_active"]}),
            (_("Server"), {"fields": ["host", "port", "security", "folder", "username",
                                      "password"]}),
            (_("After filing"), {"fields": ["processed_action", "processed_folder",
                                            "processed_keyword"]}),
            (_("Status"), {"fields": self.readonly_fields}),
        ]

    @admin.display(description=_("status"))
    def status_label(self, obj):
        if obj.last_polled_at is None:
            return _("never polled")
        return _("failing") if obj.is_failing else _("OK")

    @admin.display(description=_("last error"))
    def last_error_short(self, obj):
        return (obj.last_error[:120] + "…") if len(obj.last_error) > 120 else obj.last_error

    @admin.action(description=_("Poll the selected mailboxes now"))
    def poll_now(self, request, queryset):
        for mailbox in queryset:
            result = mailbox_poll(mailbox)
            self.message_user(request, str(result),
                              level=messages.ERROR if result.error else messages.INFO)

    def _manager(self, request) -> bool:
        return is_manager(request.user)

    def has_module_permission(self, request):
        return self._manager(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._manager(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return self._manager(request) or super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self._manager(request) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._manager(request) or super().has_delete_permission(request, obj)
