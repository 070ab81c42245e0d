"""Webhooks in the admin: a read-only list that leads to the managers' pages (/webhooks/),
where subscriptions are created and changed through the services (the secret is shown once
there and never here)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "customer", "is_active", "consecutive_failures", "page"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    list_select_related = ["customer"]
    fields = ["name", "url", "events", "customer", "is_active", "consecutive_failures",
              "disabled_at", "disabled_reason", "page"]
    readonly_fields = fields

    @admin.display(description=_("Webhooks"))
    def page(self, obj: WebhookSubscription) -> str:
        return format_html('<a href="{}">{}</a>', reverse("webhooks:detail", args=[obj.pk]),
                           _("Open the subscription's page"))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
