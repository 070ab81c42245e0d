from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from supportdesk.common.text import fold

from .models import Customer, Licence
from .services import customer_search_text


class LicenceInline(admin.TabularInline):
    model = Licence
    extra = 0
    autocomplete_fields = ("product",)


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    # §9: in town or out of town, with the one-way distance the entry service prices the
    # round trip from.
    list_display = ("name", "tax_number", "city", "is_out_of_town", "distance_km", "is_active")
    list_filter = ("is_out_of_town", "is_active", "city")
    search_fields = ("name", "tax_number", "city", "email")
    inlines = (LicenceInline,)

    def get_search_results(self, request, queryset, search_term):
        # Greek-aware: "κοσμηματα" finds "ΚΟΣΜΗΜΑΤΑ" and "Κοσμήματα" on both databases.
        if not search_term:
            return queryset, False
        return queryset.filter(search_text__contains=fold(search_term)), False

    def save_model(self, request, obj, form, change):
        obj.search_text = customer_search_text(obj)
        super().save_model(request, obj, form, change)


@admin.register(Licence)
class LicenceAdmin(SimpleHistoryAdmin):
    list_display = ("customer", "product", "value", "seats", "licensed_on", "is_active")
    list_filter = ("product", "is_active")
    search_fields = ("customer__name", "product__name")
    autocomplete_fields = ("customer", "product")
