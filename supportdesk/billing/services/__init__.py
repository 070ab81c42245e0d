"""Writes of billing, split by use case (ledgers, statements, quotes, holds).

Documents (PDF/CSV/XLSX) live in ``billing.documents`` so that importing a service never
loads WeasyPrint.
"""

from .holds import hold_override_create, hold_override_revoke
from .ledgers import customer_lock
from .quotes import quote_accept, quote_create, quote_decline
from .statements import (
    bank_credit_purchase,
    billing_run,
    contract_fee_statement_issue,
    statement_credit,
    statement_mark_paid,
    statement_set_mark,
)

__all__ = [
    "bank_credit_purchase", "billing_run", "contract_fee_statement_issue", "customer_lock",
    "hold_override_create", "hold_override_revoke", "quote_accept", "quote_create",
    "quote_decline", "statement_credit", "statement_mark_paid", "statement_set_mark",
]
