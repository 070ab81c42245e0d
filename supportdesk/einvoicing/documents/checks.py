"""Our own checks on a draft, before the official validators see its XML.

They catch what the schemas cannot: an ΑΦΜ whose check digit is wrong (python-stdnum, as
the customer form checks it), a VAT category that is not the line's rate, a 0% line without
an exemption reason, a credit note whose original invoice has no ΜΑΡΚ yet.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from supportdesk.customers.validators import validate_greek_tax_number

from .drafts import RATE_OF_VAT_CATEGORY
from .validation import Problem


def _tax_number(field: str, value: str) -> list[Problem]:
    if not value:
        return []  # the schema reports the missing element in its own words
    try:
        validate_greek_tax_number(value)
    except ValidationError as exc:
        return [Problem(field=field, message=" ".join(str(m) for m in exc.messages))]
    return []


def draft_checks(draft, fmt: str) -> list[Problem]:
    ubl = fmt == "ubl"
    found = _tax_number("AccountingSupplierParty.Party.EndpointID" if ubl
                        else "issuer.vatNumber", draft.issuer_vat_number)
    found += _tax_number("AccountingCustomerParty.Party.EndpointID" if ubl
                         else "counterpart.vatNumber", draft.counterpart_vat_number)
    for line in draft.lines.all():
        prefix = (f"{'CreditNoteLine' if draft.is_credit_note else 'InvoiceLine'}"
                  f"[{line.line_number}]" if ubl else f"invoiceDetails[{line.line_number}]")
        expected = RATE_OF_VAT_CATEGORY.get(line.vat_category)
        if expected is not None and expected != line.vat_rate:
            found.append(Problem(
                field=f"{prefix}.vatCategory",
                message=_("VAT category %(category)s means %(expected)s%%, the line has "
                          "%(rate)s%%.") % {
                    "category": line.vat_category, "expected": f"{expected * 100:.0f}",
                    "rate": f"{line.vat_rate * 100:.0f}"}))
        if line.vat_category == 7 and not line.vat_exemption_category:
            found.append(Problem(field=f"{prefix}.vatExemptionCategory",
                                 message=_("A line without VAT needs the exemption reason.")))
    if draft.is_credit_note and not draft.correlated_mark:
        found.append(Problem(
            field="invoiceHeader.correlatedInvoices",
            message=_("The original invoice %(number)s has no ΜΑΡΚ yet: a credit note can be "
                      "sent only after it.") % {"number": draft.correlated_number or "?"}))
    return found
