from django.contrib import admin

from .models import ChannelMonth, SlaMonth


@admin.register(SlaMonth)
class SlaMonthAdmin(admin.ModelAdmin):
    list_display = ["month", "tier", "received", "met", "late", "breached", "refreshed_at"]
    list_filter = ["tier"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(ChannelMonth)
class ChannelMonthAdmin(admin.ModelAdmin):
    list_display = ["month", "channel", "minutes", "entries", "refreshed_at"]
    list_filter = ["channel"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
