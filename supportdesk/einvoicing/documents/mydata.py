"""The draft as myDATA ``InvoicesDoc`` XML (AADE schema v1.0.12, docs/einvoicing.md).

Elements come in the schema's order; an empty value is left out rather than sent empty, so a
missing ΑΦΜ is the schema's "missing element" and not an empty string myDATA would refuse
later. For a Greek party myDATA takes no name (it knows it from the ΑΦΜ) and, for the issuer,
no address either; the counterpart's address is sent when its postal code and city are known.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from lxml import etree

NS = "http://www.aade.gr/myDATA/invoice/v1.0"
ICLS = "https://www.aade.gr/myDATA/incomeClassificaton/v1.0"
ECLS = "https://www.aade.gr/myDATA/expensesClassificaton/v1.0"
NSMAP = {None: NS, "icls": ICLS, "ecls": ECLS}


def _amount(value) -> str:
    return f"{Decimal(value):.2f}"


def _el(parent, tag: str, text=None, ns: str = NS):
    node = etree.SubElement(parent, f"{{{ns}}}{tag}")
    if text is not None:
        node.text = str(text)
    return node


def _opt(parent, tag: str, text) -> None:
    if text not in (None, ""):
        _el(parent, tag, text)


def _party(parent, tag: str, *, vat_number, country, branch, name="", street="",
           postal_code="", city="", with_address: bool) -> None:
    party = _el(parent, tag)
    _opt(party, "vatNumber", vat_number)
    _opt(party, "country", country)
    _el(party, "branch", branch)
    if country != "GR":
        _opt(party, "name", name)
    if with_address and (postal_code or city):
        address = _el(party, "address")
        _opt(address, "street", street)
        _opt(address, "postalCode", postal_code)
        _opt(address, "city", city)


def _classification(parent, e3_type: str, category: str, amount) -> None:
    node = _el(parent, "incomeClassification")
    if e3_type:
        _el(node, "classificationType", e3_type, ns=ICLS)
    _el(node, "classificationCategory", category, ns=ICLS)
    _el(node, "amount", _amount(amount), ns=ICLS)


def render_mydata(draft) -> bytes:
    lines = list(draft.lines.all())
    root = etree.Element(f"{{{NS}}}InvoicesDoc", nsmap=NSMAP)
    invoice = _el(root, "invoice")
    _party(invoice, "issuer", vat_number=draft.issuer_vat_number,
           country=draft.issuer_country, branch=draft.issuer_branch, name=draft.issuer_name,
           with_address=draft.issuer_country != "GR", street=draft.issuer_street,
           postal_code=draft.issuer_postal_code, city=draft.issuer_city)
    _party(invoice, "counterpart", vat_number=draft.counterpart_vat_number,
           country=draft.counterpart_country, branch=draft.counterpart_branch,
           name=draft.counterpart_name, with_address=True, street=draft.counterpart_street,
           postal_code=draft.counterpart_postal_code, city=draft.counterpart_city)
    header = _el(invoice, "invoiceHeader")
    _el(header, "series", draft.series)
    _el(header, "aa", draft.number)
    _el(header, "issueDate", draft.issue_date.isoformat())
    _el(header, "invoiceType", draft.invoice_type)
    _el(header, "currency", draft.currency)
    if draft.is_credit_note and draft.correlated_mark:
        _el(header, "correlatedInvoices", draft.correlated_mark)
    payments = _el(invoice, "paymentMethods")
    detail = _el(payments, "paymentMethodDetails")
    _el(detail, "type", draft.payment_method)
    _el(detail, "amount", _amount(draft.total))
    by_class: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for line in lines:
        row = _el(invoice, "invoiceDetails")
        _el(row, "lineNumber", line.line_number)
        _el(row, "netValue", _amount(line.net_value))
        _el(row, "vatCategory", line.vat_category)
        _el(row, "vatAmount", _amount(line.vat_amount))
        if line.vat_exemption_category:
            _el(row, "vatExemptionCategory", line.vat_exemption_category)
        _classification(row, line.classification_type, line.classification_category,
                        line.net_value)
        by_class[(line.classification_type, line.classification_category)] += line.net_value
    summary = _el(invoice, "invoiceSummary")
    _el(summary, "totalNetValue", _amount(draft.net_total))
    _el(summary, "totalVatAmount", _amount(draft.vat_total))
    for tag in ("totalWithheldAmount", "totalFeesAmount", "totalStampDutyAmount",
                "totalOtherTaxesAmount", "totalDeductionsAmount"):
        _el(summary, tag, "0.00")
    _el(summary, "totalGrossValue", _amount(draft.total))
    for (e3_type, category), amount in by_class.items():
        _classification(summary, e3_type, category, amount)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
