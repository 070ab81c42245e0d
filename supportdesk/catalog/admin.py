from django.contrib import admin

from .models import Product, Release


class ReleaseInline(admin.TabularInline):
    model = Release
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code")
    inlines = (ReleaseInline,)


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ("product", "version", "released_on")
    list_filter = ("product",)
    search_fields = ("version", "product__name")
    date_hierarchy = "released_on"
