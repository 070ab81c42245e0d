from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from supportdesk.domain.tariff import TariffError, load_tariff

from .models import (
    CalendarDay,
    Closure,
    Contract,
    TariffVersion,
    WeeklyHours,
    WorkingCalendar,
)
from .services import config_changed


class TariffVersionForm(forms.ModelForm):
    class Meta:
        model = TariffVersion
        fields = ("version", "effective_from", "source_toml", "notes")
        widgets = {"source_toml": forms.Textarea(attrs={"rows": 40, "class": "monospace"})}

    def clean_source_toml(self):
        # The rules engine is the only judge of a tariff: a malformed or incomplete file is
        # refused here with the engine's message naming the field, and nothing is saved.

        source = self.cleaned_data["source_toml"]
        try:
            load_tariff(source)
        except TariffError as exc:
            raise forms.ValidationError(_("The tariff is not valid: %(error)s"),
                                        params={"error": exc}) from exc
        return source


@admin.register(TariffVersion)
class TariffVersionAdmin(SimpleHistoryAdmin):
    form = TariffVersionForm
    list_display = ("version", "effective_from", "created_at")
    search_fields = ("version", "notes")

    def get_readonly_fields(self, request, obj=None):
        # A version that already prices contracts is history: add a new version instead.
        if obj is not None and obj.contracts.exists():
            return ("version", "effective_from", "source_toml")
        return ()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        config_changed()


class WeeklyHoursInline(admin.TabularInline):
    model = WeeklyHours
    extra = 0


class ClosureInline(admin.TabularInline):
    model = Closure
    extra = 0


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 0


@admin.register(WorkingCalendar)
class WorkingCalendarAdmin(SimpleHistoryAdmin):
    list_display = ("name", "timezone", "includes_greek_holidays", "is_default")
    inlines = (WeeklyHoursInline, ClosureInline, CalendarDayInline)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        config_changed()


@admin.register(Contract)
class ContractAdmin(SimpleHistoryAdmin):
    list_display = ("customer", "tier", "starts_on", "ends_on", "annual_fee", "status")
    list_filter = ("tier", "status", "tariff_version")
    search_fields = ("customer__name", "customer__tax_number")
    autocomplete_fields = ("customer",)
    date_hierarchy = "ends_on"
    raw_id_fields = ("renews_contract",)
