"""Managers set the minutes a request of a kind takes (docs/knowledge.md "Minutes saved");
articles are written on the desk (/desk/kb/), where every save keeps a revision, so the
admin only lists them and what the intake counted."""

from django import forms
from django.contrib import admin

from supportdesk.common.admin import ReadOnlyAdminMixin
from supportdesk.tickets.models import Ticket

from .models import Article, Deflection, MinutesEstimate


class MinutesEstimateForm(forms.ModelForm):
    category = forms.ChoiceField(choices=Ticket.Category.choices)

    class Meta:
        model = MinutesEstimate
        fields = ("category", "minutes")


@admin.register(MinutesEstimate)
class MinutesEstimateAdmin(admin.ModelAdmin):
    form = MinutesEstimateForm
    list_display = ("category", "minutes")


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin):
    list_display = ("title_el", "product", "visibility", "entitled_only", "revision",
                    "updated_at")
    list_filter = ("visibility", "product")
    search_fields = ("search_title",)


@admin.register(Deflection)
class DeflectionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "customer", "article", "category", "minutes_saved",
                    "value_amount")
    list_filter = ("category",)
    date_hierarchy = "created_at"
