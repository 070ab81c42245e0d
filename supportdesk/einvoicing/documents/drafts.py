"""A statement becomes its invoice draft: parties, lines, classification, totals.

The numbers are the statement's: the VAT of each rate is the statement's (``statement_totals``
of the rules engine, rounded once per rate, §5), shared out over that rate's lines by the
largest remainder so that the lines add up to it exactly (myDATA wants a VAT amount per line,
EN 16931 one per rate: both then agree with the statement to the cent).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.billing.models import Statement, StatementLine, VendorProfile
from supportdesk.common.exceptions import ApplicationError
from supportdesk.domain.money import CENT, quantize_money
from supportdesk.domain.pricing import statement_totals
from supportdesk.einvoicing.models import IncomeClassificationRule, InvoiceDraft, InvoiceDraftLine

SERVICE_INVOICE = "2.1"
CREDIT_NOTE = "5.1"
# What migration 0001 ships, also used for a kind that has no row (a kind added later).
DEFAULT_CLASSIFICATION = ("E3_561_001", "category1_3")
# myDATA VAT categories (code list "Κατηγορία ΦΠΑ"): the rate comes from the dated VAT table
# (the tariff) through the statement line; 7 is 0% and needs an exemption reason.
VAT_CATEGORY_OF_RATE = {
    Decimal("0.24"): 1, Decimal("0.13"): 2, Decimal("0.06"): 3, Decimal("0.17"): 4,
    Decimal("0.09"): 5, Decimal("0.04"): 6, Decimal("0"): 7,
}
RATE_OF_VAT_CATEGORY = {category: rate for rate, category in VAT_CATEGORY_OF_RATE.items()}
ON_CREDIT = 5  # myDATA payment method "Επί Πιστώσει": paid later, by the due date
NOT_ISSUED = _("Only an issued statement (with its number) becomes an invoice.")


def vat_category(rate: Decimal) -> int | None:
    return VAT_CATEGORY_OF_RATE.get(Decimal(rate).normalize() if rate else Decimal("0"))


def is_registered(statement: Statement, draft: InvoiceDraft | None) -> bool:
    """myDATA has the document (a ΜΑΡΚ came back): it is never rebuilt nor changed."""
    return bool(statement.mark) or bool(draft is not None and draft.frozen_at)


def allocate_vat(nets: list[Decimal], rates: list[Decimal]) -> list[Decimal]:
    """VAT per line that adds up, per rate, to the rate's VAT of ``statement_totals``."""
    totals = statement_totals(list(zip(nets, rates, strict=True)))
    shares = [quantize_money(net * rate) for net, rate in zip(nets, rates, strict=True)]
    for rate, target in totals.vat_by_rate.items():
        indices = [i for i, r in enumerate(rates) if r == rate]
        gap = target - sum((shares[i] for i in indices), Decimal("0"))
        step = CENT if gap > 0 else -CENT
        # Largest remainder first, then the line order: deterministic.
        order = sorted(indices, key=lambda i: (-abs(nets[i] * rates[i] - shares[i]), i))
        k = 0
        while gap != 0 and order:
            shares[order[k % len(order)]] += step
            gap -= step
            k += 1
    return shares


def _rules() -> dict[str, tuple[str, str]]:
    return {r.line_kind: (r.classification_type, r.classification_category)
            for r in IncomeClassificationRule.objects.all()}


def _line_kind(line: StatementLine) -> str:
    if line.kind == StatementLine.Kind.CREDIT:
        return str((line.data or {}).get("credited_kind") or line.kind)
    return line.kind


def _fill_header(draft: InvoiceDraft, statement: Statement, vendor: VendorProfile | None) -> None:
    credit = statement.kind == Statement.Kind.CREDIT
    draft.document_kind = (InvoiceDraft.DocumentKind.CREDIT_NOTE if credit
                           else InvoiceDraft.DocumentKind.INVOICE)
    draft.invoice_type = CREDIT_NOTE if credit else SERVICE_INVOICE
    draft.series = statement.series
    # The printed number (ΠΛ-2026-000001): series + "2026-000001", unique across years.
    draft.number = f"{statement.year}-{statement.number:06d}"
    draft.issue_date = timezone.localtime(statement.issued_at).date()
    draft.due_date = statement.due_on
    draft.currency = "EUR"
    vendor = vendor or VendorProfile(name="", tax_number="")
    draft.issuer_vat_number = vendor.tax_number or ""
    draft.issuer_name = vendor.name or ""
    draft.issuer_tax_office = vendor.tax_office or ""
    draft.issuer_street = vendor.address or ""
    draft.issuer_city = vendor.city or ""
    draft.issuer_postal_code = vendor.postal_code or ""
    draft.issuer_country = "GR"
    draft.issuer_branch = 0
    draft.issuer_iban = (vendor.iban or "").replace(" ", "")
    customer = statement.customer
    draft.counterpart_vat_number = statement.customer_tax_number or ""
    draft.counterpart_name = statement.customer_name or ""
    draft.counterpart_tax_office = statement.customer_tax_office or ""
    # The statement keeps the address as one printed line; the structured parts are the
    # customer's record at the time the draft is built.
    draft.counterpart_street = customer.address or ""
    draft.counterpart_city = customer.city or ""
    draft.counterpart_postal_code = customer.postal_code or ""
    draft.counterpart_country = "GR"
    draft.counterpart_branch = 0
    draft.payment_method = ON_CREDIT
    original = statement.credits if credit else None
    draft.correlated_mark = (original.mark or "") if original else ""
    draft.correlated_number = original.display_number if original else ""
    draft.correlated_issue_date = (timezone.localtime(original.issued_at).date()
                                   if original and original.issued_at else None)


def _draft_lines(draft: InvoiceDraft, statement: Statement) -> list[InvoiceDraftLine]:
    sign = Decimal("-1") if statement.kind == Statement.Kind.CREDIT else Decimal("1")
    lines = list(statement.lines.order_by("position", "id"))
    nets = [Decimal(x.net_amount) * sign for x in lines]
    rates = [Decimal(x.vat_rate) for x in lines]
    vats = allocate_vat(nets, rates)
    rules = _rules()
    built = []
    for number, (line, net, rate, vat) in enumerate(zip(lines, nets, rates, vats, strict=True),
                                                    start=1):
        kind = _line_kind(line)
        e3_type, category = rules.get(kind, DEFAULT_CLASSIFICATION)
        built.append(InvoiceDraftLine(
            draft=draft, line_number=number, statement_line=line, line_kind=kind,
            description=(line.description or str(line.get_kind_display()))[:300],
            quantity=Decimal("1"), net_value=net, vat_rate=rate,
            vat_category=vat_category(rate) or 0, vat_amount=vat,
            classification_type=e3_type, classification_category=category,
        ))
    return built


def draft_for_statement(statement: Statement) -> InvoiceDraft:
    """Build or refresh the stored draft of an issued statement (idempotent).

    A registered statement's draft is returned as it is: what myDATA holds never changes.
    Refreshing rewrites the header and replaces the lines in one transaction, under the
    statement's row lock, so two builds at once leave one draft.
    """
    with transaction.atomic():
        current = (Statement.objects.select_for_update(of=("self",))
                   .select_related("customer", "credits").get(pk=statement.pk))
        if current.number is None or current.issued_at is None:
            raise ApplicationError(NOT_ISSUED, code="not_issued")
        draft = InvoiceDraft.objects.filter(statement=current).first()
        if draft is not None and is_registered(current, draft):
            return draft
        draft = draft or InvoiceDraft(statement=current)
        _fill_header(draft, current, VendorProfile.objects.filter(pk=1).first())
        lines = _draft_lines(draft, current)
        draft.net_total = sum((x.net_value for x in lines), Decimal("0"))
        draft.vat_total = sum((x.vat_amount for x in lines), Decimal("0"))
        draft.total = draft.net_total + draft.vat_total
        draft.save()
        draft.lines.all().delete()
        for line in lines:
            line.draft = draft
        InvoiceDraftLine.objects.bulk_create(lines)
    return draft
