"""The draft as an EN 16931 UBL 2.1 invoice or credit note, Peppol BIS Billing 3.0 profile.

A credit note is a UBL ``CreditNote`` (type 381) that refers to the invoice it corrects
(``BillingReference``). The Greek Peppol rules (GR-R-001 to GR-R-010) shape the rest: the
document's ID is "ΑΦΜ|issue date|branch|myDATA type|series|number", the ΜΑΡΚ myDATA gave is
an ``AdditionalDocumentReference`` described ``##M.AR.K##`` (so a UBL document can be valid
only once myDATA registered it) and the provider's link one described ``##INVOICE|URL##``,
and both parties' electronic address is their ΑΦΜ under scheme 9933.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from lxml import etree

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
GREEK_TIN_SCHEME = "9933"
MARK_DESCRIPTION = "##M.AR.K##"
URL_DESCRIPTION = "##INVOICE|URL##"
# myDATA VAT category -> UNCL5305 (EN 16931): 1-6 are standard/reduced rates, 7 exempt.
TAX_CATEGORY = {1: "S", 2: "S", 3: "S", 4: "S", 5: "S", 6: "S", 7: "E", 8: "O"}


def _amount(value) -> str:
    return f"{Decimal(value):.2f}"


def _percent(rate) -> str:
    return f"{(Decimal(rate) * 100).normalize():f}"


def _cbc(parent, tag: str, text=None, **attrs):
    node = etree.SubElement(parent, f"{{{CBC}}}{tag}", **attrs)
    if text is not None:
        node.text = str(text)
    return node


def _cac(parent, tag: str):
    return etree.SubElement(parent, f"{{{CAC}}}{tag}")


def _money(parent, tag: str, value, currency: str) -> None:
    _cbc(parent, tag, _amount(value), currencyID=currency)


def _tax_scheme(parent) -> None:
    _cbc(_cac(parent, "TaxScheme"), "ID", "VAT")


def _party(parent, tag: str, *, vat_number, name, street, city, postal_code, country) -> None:
    party = _cac(_cac(parent, tag), "Party")
    if vat_number:
        _cbc(party, "EndpointID", vat_number, schemeID=GREEK_TIN_SCHEME)
    if name:
        _cbc(_cac(party, "PartyName"), "Name", name)
    address = _cac(party, "PostalAddress")
    if street:
        _cbc(address, "StreetName", street)
    if city:
        _cbc(address, "CityName", city)
    if postal_code:
        _cbc(address, "PostalZone", postal_code)
    _cbc(_cac(address, "Country"), "IdentificationCode", country)
    if vat_number:
        scheme = _cac(party, "PartyTaxScheme")
        prefix = "EL" if country == "GR" else country
        _cbc(scheme, "CompanyID", f"{prefix}{vat_number}")
        _tax_scheme(scheme)
    legal = _cac(party, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", name)


def _category(parent, tag: str, category: int, rate) -> None:
    node = _cac(parent, tag)
    _cbc(node, "ID", TAX_CATEGORY.get(category, str(category)))
    _cbc(node, "Percent", _percent(rate))
    _tax_scheme(node)


def document_id(draft) -> str:
    """GR-R-001: ΑΦΜ|dd/mm/yyyy|branch|myDATA invoice type|series|number."""
    return "|".join((draft.issuer_vat_number, draft.issue_date.strftime("%d/%m/%Y"),
                     str(draft.issuer_branch), draft.invoice_type, draft.series, draft.number))


def render_ubl(draft, *, mark: str = "", url: str = "") -> bytes:
    credit = draft.is_credit_note
    ns = CREDIT_NOTE_NS if credit else INVOICE_NS
    root = etree.Element(f"{{{ns}}}{'CreditNote' if credit else 'Invoice'}",
                         nsmap={None: ns, "cac": CAC, "cbc": CBC})
    currency = draft.currency
    lines = list(draft.lines.all())
    _cbc(root, "CustomizationID", CUSTOMIZATION)
    _cbc(root, "ProfileID", PROFILE)
    _cbc(root, "ID", document_id(draft))
    _cbc(root, "IssueDate", draft.issue_date.isoformat())
    if not credit and draft.due_date:
        _cbc(root, "DueDate", draft.due_date.isoformat())
    _cbc(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode", "381" if credit else "380")
    _cbc(root, "DocumentCurrencyCode", currency)
    _cbc(root, "BuyerReference", draft.display_number)
    if credit and draft.correlated_number:
        reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(reference, "ID", draft.correlated_number)
        if draft.correlated_issue_date:
            _cbc(reference, "IssueDate", draft.correlated_issue_date.isoformat())
    if mark:
        registered = _cac(root, "AdditionalDocumentReference")
        _cbc(registered, "ID", mark)
        _cbc(registered, "DocumentDescription", MARK_DESCRIPTION)
    if mark and url:
        # GR-S-008-1: the provider's link to the registered invoice.
        link = _cac(root, "AdditionalDocumentReference")
        _cbc(link, "ID", f"{mark}-URL")
        _cbc(link, "DocumentDescription", URL_DESCRIPTION)
        _cbc(_cac(_cac(link, "Attachment"), "ExternalReference"), "URI", url)
    _party(root, "AccountingSupplierParty", vat_number=draft.issuer_vat_number,
           name=draft.issuer_name, street=draft.issuer_street, city=draft.issuer_city,
           postal_code=draft.issuer_postal_code, country=draft.issuer_country)
    _party(root, "AccountingCustomerParty", vat_number=draft.counterpart_vat_number,
           name=draft.counterpart_name, street=draft.counterpart_street,
           city=draft.counterpart_city, postal_code=draft.counterpart_postal_code,
           country=draft.counterpart_country)
    if draft.issuer_iban and not credit:
        means = _cac(root, "PaymentMeans")
        _cbc(means, "PaymentMeansCode", "30")  # credit transfer
        _cbc(_cac(means, "PayeeFinancialAccount"), "ID", draft.issuer_iban)
    if draft.due_date and credit:
        _cbc(_cac(root, "PaymentTerms"), "Note", draft.due_date.isoformat())
    groups: dict[tuple[int, Decimal], list] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in lines:
        group = groups[(line.vat_category, Decimal(line.vat_rate))]
        group[0] += line.net_value
        group[1] += line.vat_amount
    tax_total = _cac(root, "TaxTotal")
    _money(tax_total, "TaxAmount", draft.vat_total, currency)
    for (category, rate), (taxable, tax) in groups.items():
        subtotal = _cac(tax_total, "TaxSubtotal")
        _money(subtotal, "TaxableAmount", taxable, currency)
        _money(subtotal, "TaxAmount", tax, currency)
        _category(subtotal, "TaxCategory", category, rate)
    totals = _cac(root, "LegalMonetaryTotal")
    _money(totals, "LineExtensionAmount", draft.net_total, currency)
    _money(totals, "TaxExclusiveAmount", draft.net_total, currency)
    _money(totals, "TaxInclusiveAmount", draft.total, currency)
    _money(totals, "PayableAmount", draft.total, currency)
    for line in lines:
        row = _cac(root, "CreditNoteLine" if credit else "InvoiceLine")
        _cbc(row, "ID", line.line_number)
        _cbc(row, "CreditedQuantity" if credit else "InvoicedQuantity",
             f"{Decimal(line.quantity):f}", unitCode="C62")
        _money(row, "LineExtensionAmount", line.net_value, currency)
        item = _cac(row, "Item")
        _cbc(item, "Name", line.description[:300])
        _category(item, "ClassifiedTaxCategory", line.vat_category, line.vat_rate)
        price = _cac(row, "Price")
        _money(price, "PriceAmount", Decimal(line.net_value) / Decimal(line.quantity or 1),
               currency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
