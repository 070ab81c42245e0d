from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from supportdesk.common.admin import ReadOnlyAdminMixin

from .models import (
    AllowanceBalance,
    AllowanceLedgerEntry,
    BankLedgerEntry,
    HourBank,
    PrepaidPurchase,
)


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Ledgers and balances change only through services (entitlements, billing)."""


@admin.register(AllowanceLedgerEntry)
class AllowanceLedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "contract", "contract_year", "channel", "minutes", "reason",
                    "work_entry_id", "actor", "created_at")
    list_filter = ("reason", "channel")
    raw_id_fields = ("contract",)


@admin.register(BankLedgerEntry)
class BankLedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer", "minutes", "reason", "work_entry_id", "purchase", "actor",
                    "created_at")
    list_filter = ("reason",)
    search_fields = ("customer__name",)


@admin.register(AllowanceBalance)
class AllowanceBalanceAdmin(ReadOnlyAdmin):
    list_display = ("contract", "contract_year", "channel", "granted_minutes", "balance_minutes")


@admin.register(HourBank)
class HourBankAdmin(ReadOnlyAdmin):
    list_display = ("customer", "balance_minutes")
    search_fields = ("customer__name",)


@admin.register(PrepaidPurchase)
class PrepaidPurchaseAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("customer", "hours", "price", "purchased_on")
    search_fields = ("customer__name",)
    autocomplete_fields = ("customer",)
    date_hierarchy = "purchased_on"

    # Purchases credit the hour bank and issue a statement, so they are made only through
    # the billing page (billing:prepaid_sale -> prepaid_purchase_create); here they are read.
