"""What a problem's field is called for the manager ("why, field by field").

A field is an element path of the document ("counterpart.vatNumber",
"invoiceDetails[2].vatCategory", "AccountingCustomerParty.Party.EndpointID"); the label is
looked up without the line index and gets the line number back ("Line 2: VAT category").
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FIELD_LABELS = {
    "schema": gettext_lazy("Official schema files"),
    "issuer": gettext_lazy("Our company"),
    "issuer.vatNumber": gettext_lazy("Our tax number (ΑΦΜ)"),
    "issuer.country": gettext_lazy("Our country"),
    "issuer.branch": gettext_lazy("Our branch"),
    "counterpart": gettext_lazy("Customer"),
    "counterpart.vatNumber": gettext_lazy("Customer's tax number (ΑΦΜ)"),
    "counterpart.country": gettext_lazy("Customer's country"),
    "counterpart.branch": gettext_lazy("Customer's branch"),
    "counterpart.address": gettext_lazy("Customer's address"),
    "counterpart.address.postalCode": gettext_lazy("Customer's postal code"),
    "counterpart.address.city": gettext_lazy("Customer's city"),
    "invoiceHeader.series": gettext_lazy("Series"),
    "invoiceHeader.aa": gettext_lazy("Number"),
    "invoiceHeader.issueDate": gettext_lazy("Issue date"),
    "invoiceHeader.invoiceType": gettext_lazy("Type of document"),
    "invoiceHeader.correlatedInvoices": gettext_lazy("ΜΑΡΚ of the original invoice"),
    "paymentMethods.paymentMethodDetails.type": gettext_lazy("Payment method"),
    "paymentMethods.paymentMethodDetails.amount": gettext_lazy("Amount to pay"),
    "invoiceDetails.netValue": gettext_lazy("Net value"),
    "invoiceDetails.vatCategory": gettext_lazy("VAT category"),
    "invoiceDetails.vatAmount": gettext_lazy("VAT"),
    "invoiceDetails.vatExemptionCategory": gettext_lazy("VAT exemption reason"),
    "invoiceDetails.incomeClassification": gettext_lazy("Income classification"),
    "invoiceSummary": gettext_lazy("Totals"),
    "ID": gettext_lazy("Document number"),
    "IssueDate": gettext_lazy("Issue date"),
    "AdditionalDocumentReference": gettext_lazy("ΜΑΡΚ"),
    "BillingReference": gettext_lazy("Original invoice"),
    "AccountingSupplierParty.Party": gettext_lazy("Our company"),
    "AccountingSupplierParty.Party.EndpointID": gettext_lazy("Our tax number (ΑΦΜ)"),
    "AccountingSupplierParty.Party.PartyTaxScheme.CompanyID": gettext_lazy(
        "Our tax number (ΑΦΜ)"),
    "AccountingCustomerParty.Party": gettext_lazy("Customer"),
    "AccountingCustomerParty.Party.EndpointID": gettext_lazy("Customer's tax number (ΑΦΜ)"),
    "AccountingCustomerParty.Party.PartyTaxScheme.CompanyID": gettext_lazy(
        "Customer's tax number (ΑΦΜ)"),
    "TaxTotal": gettext_lazy("VAT totals"),
    "LegalMonetaryTotal": gettext_lazy("Totals"),
    "InvoiceLine": gettext_lazy("Line"),
    "CreditNoteLine": gettext_lazy("Line"),
    "InvoiceLine.vatCategory": gettext_lazy("VAT category"),
    "CreditNoteLine.vatCategory": gettext_lazy("VAT category"),
    "InvoiceLine.Item.ClassifiedTaxCategory": gettext_lazy("VAT category"),
    "CreditNoteLine.Item.ClassifiedTaxCategory": gettext_lazy("VAT category"),
    "InvoiceLine.Item.ClassifiedTaxCategory.ID": gettext_lazy("VAT category"),
    "CreditNoteLine.Item.ClassifiedTaxCategory.ID": gettext_lazy("VAT category"),
    "InvoiceLine.vatExemptionCategory": gettext_lazy("VAT exemption reason"),
    "CreditNoteLine.vatExemptionCategory": gettext_lazy("VAT exemption reason"),
}

_INDEX = re.compile(r"\[(\d+)\]")
_LINES = ("invoiceDetails", "InvoiceLine", "CreditNoteLine")


def field_label(field: str) -> str:
    """The field's name in the active language; the longest known prefix names an unknown
    deeper field, and a line's number is put in front ("Line 2: VAT category")."""
    line = _INDEX.search(field or "")
    generic = _INDEX.sub("", field or "")
    parts = generic.split(".")
    label = ""
    for end in range(len(parts), 0, -1):
        known = FIELD_LABELS.get(".".join(parts[:end]))
        if known is not None:
            label = str(known)
            break
    label = label or generic
    if line and parts[0] in _LINES:
        return _("Line %(number)s: %(field)s") % {"number": line.group(1), "field": label}
    return label
