"""Writes of billing, split by use case (statements and the billing run, sales, quotes,
holds).

Documents (PDF/CSV/XLSX) live in ``billing.documents`` so that importing a service never
loads WeasyPrint.
"""

from .holds import hold_override_create, hold_override_revoke, hold_override_shorten
from .sales import (
    contract_fee_statement_issue,
    contract_fees_issue_due,
    contract_renew,
    prepaid_purchase_create,
    prepaid_purchase_price,
)
from .statements import (
    billing_run,
    einvoice_provider_configured,
    statement_credit,
    statement_einvoice_status_set,
    statement_mark_paid,
    statement_record_registration,
    statement_set_mark,
)

__all__ = [
    "billing_run",
    "contract_fee_statement_issue",
    "contract_fees_issue_due",
    "contract_renew",
    "einvoice_provider_configured",
    "hold_override_create",
    "hold_override_revoke",
    "hold_override_shorten",
    "prepaid_purchase_create",
    "prepaid_purchase_price",
    "statement_credit",
    "statement_einvoice_status_set",
    "statement_mark_paid",
    "statement_record_registration",
    "statement_set_mark",
]
