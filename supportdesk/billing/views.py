"""Staff billing pages: thin adapters (parse, authorise, call one service or selector).

Reading is for staff (``staff_required``); runs, credits, payments, renewals and hold
overrides for managers (``manager_required``). Downloads are attachments, never inline.
Every money form carries a one-time token (``common.idempotency``, docs/security.md #41):
a double click, a retry or parallel posts do one thing and the repeat shows the first result.
"""

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from supportdesk.billing import documents, selectors, services
from supportdesk.billing.forms import (
    BillingRunForm,
    CalendarDayForm,
    ClosureForm,
    CreditForm,
    ExportForm,
    HoldOverrideForm,
    HoldShortenForm,
    MarkForm,
    PrepaidSaleForm,
    StatementFilterForm,
    UsageForm,
)
from supportdesk.billing.models import BillingRun, Statement
from supportdesk.billing.services import contract_renew, prepaid_purchase_create
from supportdesk.billing.services.holds import HOLD_OVERRIDE_SHORTEN_BAD_UNTIL
from supportdesk.common import idempotency
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import manager_required, staff_required
from supportdesk.contracts import selectors as contract_selectors
from supportdesk.contracts import services as contract_services
from supportdesk.contracts import tariff_form
from supportdesk.contracts.models import Contract, TariffVersion
from supportdesk.customers.models import Customer
from supportdesk.domain.pricing import WorkItem, price_work

RUN_DONE = _("Billing run finished: %(issued)s statements issued for %(seen)s customers.")
RUN_WAITING = _("%(count)s requests wait for an accepted quote (§10) and were not billed.")
CREDIT_DONE = _("Credit statement %(number)s issued.")
PAID_DONE = _("Statement marked as paid.")
MARK_DONE = _("ΜΑΡΚ saved.")
RENEW_DONE = _("Contract renewed until %(ends)s; its fee statement was issued.")
HOLD_DONE = _("Support hold lifted until %(until)s. The reason was recorded.")
HOLD_REVOKED = _("The override until %(until)s was revoked: the support hold applies again "
                 "while dues are overdue. The revocation was recorded.")
HOLD_SHORTENED = _("The override now ends on %(until)s. The change was recorded.")
CLOSURE_ADDED = _("Closure from %(first)s to %(last)s added.")
CLOSURE_REMOVED = _("Closure removed.")
DAY_ADDED = _("Special day %(day)s saved.")
DAY_REMOVED = _("Special day removed.")
PREPAID_SOLD = _("%(hours)s prepaid hours credited to %(customer)s; the statement was issued.")


def statement_url(statement: Statement) -> str:
    return reverse("billing:statement", args=[statement.pk])


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    # RFC 6266/5987: the Greek series in the name is sent as filename*=utf-8''...
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@staff_required
def home(request: HttpRequest) -> HttpResponse:
    form = StatementFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(selectors.statement_list(filters=filters), 50).get_page(
        request.GET.get("page"))
    return render(request, "billing/home.html", {
        "filter_form": form, "page": page,
        "run_form": BillingRunForm(initial=BillingRunForm.initial_for()),
        "export_form": ExportForm(request.GET or None),
        "runs": BillingRun.objects.select_related("started_by")[:5],
        "query": request.GET.urlencode(),
    })


@require_POST
@manager_required
def run(request: HttpRequest) -> HttpResponse:
    form = BillingRunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the first and last day of the period."))
        return redirect("billing:home")
    home_url = reverse("billing:home")
    try:
        # The run is many transactions (one per customer): its token is claimed first.
        outcome = idempotency.run_once(
            idempotency.posted(request), user=request.user, scope="billing.run", atomic=False,
            write=lambda: services.billing_run(period_start=form.cleaned_data["period_start"],
                                               period_end=form.cleaned_data["period_end"],
                                               by=request.user),
            reference=lambda _run: home_url)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("billing:home")
    if outcome.replayed:
        return idempotency.replay_response(request, outcome, home_url)
    result = outcome.result
    messages.success(request, RUN_DONE % {"issued": result.statements_issued,
                                          "seen": result.customers_seen})
    waiting = [n for n in result.notes if n.get("key") == "waiting_quote"]
    if waiting:
        messages.warning(request, RUN_WAITING % {"count": len(waiting)})
    return redirect("billing:home")


@require_GET
@staff_required
def export(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.statement_list(filters=filters).exclude(status=Statement.Status.DRAFT)
    if filters.get("format") == "xlsx":
        return _download(documents.statements_xlsx(qs),
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         "statements.xlsx")
    return _download(documents.statements_csv(qs), "text/csv; charset=utf-8", "statements.csv")


@require_GET
@staff_required
def statement_detail(request: HttpRequest, statement_id: int) -> HttpResponse:
    statement = selectors.statement_get_for_user(user=request.user, statement_id=statement_id)
    return render(request, "billing/statement.html", {
        **documents.statement_context(statement),
        "credit_form": CreditForm(statement=statement), "mark_form": MarkForm(
            initial={"mark": statement.mark}),
        # Typed in only without a provider, and never over a registration
        # (docs/einvoicing.md "Hand-off").
        "mark_typed": not services.einvoice_provider_configured()
        and statement.einvoice_status != Statement.EinvoiceStatus.REGISTERED,
        "credit_statements": statement.credit_statements.order_by("number"),
    })


@require_GET
@staff_required
def statement_pdf(request: HttpRequest, statement_id: int) -> HttpResponse:
    statement = selectors.statement_get_for_user(user=request.user, statement_id=statement_id)
    return _download(documents.statement_pdf(statement), "application/pdf",
                     documents.statement_filename(statement, "pdf"))


@require_GET
@staff_required
def statement_csv(request: HttpRequest, statement_id: int) -> HttpResponse:
    statement = selectors.statement_get_for_user(user=request.user, statement_id=statement_id)
    return _download(documents.statement_csv(statement), "text/csv; charset=utf-8",
                     documents.statement_filename(statement, "csv"))


@require_GET
@staff_required
def statement_xlsx(request: HttpRequest, statement_id: int) -> HttpResponse:
    statement = selectors.statement_get_for_user(user=request.user, statement_id=statement_id)
    return _download(documents.statement_xlsx(statement),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     documents.statement_filename(statement, "xlsx"))


@require_POST
@manager_required
def statement_credit(request: HttpRequest, statement_id: int) -> HttpResponse:
    statement = selectors.statement_get_for_user(user=request.user, statement_id=statement_id)
    form = CreditForm(request.POST, statement=statement)
    if not form.is_valid():
        messages.error(request, _("Give a reason for the credit statement."))
        return redirect("billing:statement", statement_id=statement.pk)
    try:
        outcome = idempotency.run_once(
            idempotency.posted(request), user=request.user, scope="billing.credit",
            parts=(statement.pk,),
            write=lambda: services.statement_credit(
                statement=statement, by=request.user, reason=form.cleaned_data["reason"],
                line_ids=form.cleaned_data["lines"] or None),
            reference=lambda credit: reverse("billing:statement", args=[credit.pk]))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("billing:statement", statement_id=statement.pk)
    if outcome.replayed:
        return idempotency.replay_response(request, outcome, statement_url(statement))
    credit = outcome.result
    messages.success(request, CREDIT_DONE % {"number": credit.display_number})
    return redirect("billing:statement", statement_id=credit.pk)


@require_POST
@manager_required
def statement_paid(request: HttpRequest, statement_id: int) -> HttpResponse:
    statement = selectors.statement_get_for_user(user=request.user, statement_id=statement_id)
    try:
        outcome = idempotency.run_once(
            idempotency.posted(request), user=request.user, scope="billing.paid",
            parts=(statement.pk,),
            write=lambda: services.statement_mark_paid(statement=statement, by=request.user),
            reference=statement_url)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if outcome.replayed:
            return idempotency.replay_response(request, outcome, statement_url(statement))
        messages.success(request, PAID_DONE)
    return redirect("billing:statement", statement_id=statement.pk)


@require_POST
@manager_required
def statement_mark(request: HttpRequest, statement_id: int) -> HttpResponse:
    statement = selectors.statement_get_for_user(user=request.user, statement_id=statement_id)
    form = MarkForm(request.POST)
    try:
        if not form.is_valid():
            raise ApplicationError(services.statements.MARK_INVALID)
        outcome = idempotency.run_once(
            idempotency.posted(request), user=request.user, scope="billing.mark",
            parts=(statement.pk,),
            write=lambda: services.statement_set_mark(
                statement=statement, mark=form.cleaned_data["mark"], by=request.user),
            reference=statement_url)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if outcome.replayed:
            return idempotency.replay_response(request, outcome, statement_url(statement))
        messages.success(request, MARK_DONE)
    return redirect("billing:statement", statement_id=statement.pk)


@require_GET
@staff_required
def renewals(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(request, "billing/renewals.html", {
        "contracts": selectors.renewal_list(today=today), "today": today,
        "days": selectors.RENEWAL_WINDOW_DAYS,
    })


@require_POST
@manager_required
def renew(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = get_object_or_404(Contract, pk=contract_id)
    try:
        renewed = contract_renew(contract=contract, by=request.user)
        messages.success(request, RENEW_DONE % {"ends": renewed.ends_on.strftime("%d/%m/%Y")})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("billing:renewals")


@require_GET
@staff_required
def usage(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=customer_id)
    today = timezone.localdate()
    form = UsageForm(request.GET or None)
    if form.is_valid():
        start, end = form.cleaned_data["period_start"], form.cleaned_data["period_end"]
    else:
        start, end = today.replace(month=1, day=1), today
        if request.GET:  # the form keeps what was typed, with its errors (#43)
            messages.error(request, _("Choose a valid period."))
        else:
            form = UsageForm(initial={"period_start": start, "period_end": end})
    report = selectors.usage_report(customer=customer, period_start=start, period_end=end)
    return render(request, "billing/usage.html", {
        "customer": customer, "report": report, "form": form,
        "chart": documents.usage_bars(report.rows),
        "hold": selectors.customer_hold_state(customer, today),
    })


@manager_required
def hold(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=customer_id)
    today = timezone.localdate()
    form = HoldOverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        hold_url = reverse("billing:hold", args=[customer.pk])
        try:
            outcome = idempotency.run_once(
                idempotency.posted(request), user=request.user, scope="billing.hold",
                parts=(customer.pk,),
                write=lambda: services.hold_override_create(
                    customer=customer, by=request.user, reason=form.cleaned_data["reason"],
                    until=form.cleaned_data["until"], today=today),
                reference=lambda _row: hold_url)
            if outcome.replayed:
                return idempotency.replay_response(request, outcome, hold_url)
            row = outcome.result
            messages.success(request, HOLD_DONE % {"until": row.until.strftime("%d/%m/%Y")})
            return redirect("billing:hold", customer_id=customer.pk)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
    return render(request, "billing/hold.html", {
        "customer": customer, "form": form, "today": today,
        "state": selectors.customer_hold_state(customer, today),
        "overrides": customer.hold_overrides.select_related("created_by")[:20],
    })


TARIFF_SAVED = _("Tariff version %(version)s saved, in force from %(day)s.")
#: The preview's example: a job priced by the edited tariff before it is saved.
PREVIEW_MINUTES, PREVIEW_CHANNEL, PREVIEW_TIER = 90, "remote", "basic"


@manager_required
def tariff_edit(request: HttpRequest) -> HttpResponse:
    """A new tariff version from the one in force, as a form (issue 14): the engine's own
    loader validates it and a priced example is shown; "Save" adds the version."""
    today = timezone.localdate()
    current = contract_selectors.tariff_version_in_force(today)
    source = tariff_form.tariff_source(current.source_toml)
    form = tariff_form.TariffForm(request.POST or None, source=source, initial=(
        None if request.method == "POST" else tariff_form.TariffForm.initial_from(
            source, effective_from=today + dt.timedelta(days=1))))
    preview = error = toml = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            toml = tariff_form.to_toml(form.tariff_data(), header=str(_(
                "Written by the tariff form from %(version)s; edit here or in the form."))
                % {"version": current.version})
            tariff, exc = tariff_form.check_tariff(toml)
            if exc is not None:
                error = str(exc)
            else:
                preview = _tariff_preview(tariff)
                if "save" in request.POST:
                    try:
                        row = contract_services.tariff_version_create(
                            version=form.cleaned_data["version"],
                            effective_from=form.cleaned_data["effective_from"],
                            source_toml=toml, notes=str(_("From the tariff form")))
                    except ApplicationError as app_exc:
                        error = str(app_exc.message)
                    else:
                        messages.success(request, TARIFF_SAVED % {
                            "version": row.version,
                            "day": row.effective_from.strftime("%d/%m/%Y")})
                        return redirect("billing:tariff")
                else:
                    status = 200
    return render(request, "billing/tariff.html", {
        "form": form, "current": current, "preview": preview, "error": error, "toml": toml,
        "versions": TariffVersion.objects.order_by("-effective_from")[:10],
        "preview_minutes": PREVIEW_MINUTES,
    }, status=status)


def _tariff_preview(tariff) -> dict:
    """What the example job costs under the edited tariff: a weekday at 11:00, no hours
    left in the allowance (so the rate shows)."""
    calendar = contract_selectors.calendar_get_default()
    start = calendar.next_working_moment(
        timezone.localtime().replace(hour=11, minute=0, second=0, microsecond=0)
        + dt.timedelta(days=1))
    priced = price_work(WorkItem(channel=PREVIEW_CHANNEL, started_at=start,
                                 minutes=PREVIEW_MINUTES),
                        tariff=tariff, tier=PREVIEW_TIER, calendar=calendar)
    return {"net": priced.net_amount, "billed_minutes": priced.billed_minutes,
            "tier": PREVIEW_TIER.title(), "channel": PREVIEW_CHANNEL}


@manager_required
@require_POST
def hold_revoke(request: HttpRequest, customer_id: int, override_id: int) -> HttpResponse:
    """§11: end a manager's hold override before its date (audited in the override's
    history: who revoked it, when)."""
    customer = get_object_or_404(Customer, pk=customer_id)
    override = get_object_or_404(customer.hold_overrides, pk=override_id)
    try:
        row = services.hold_override_revoke(override=override, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, HOLD_REVOKED % {"until": row.until.strftime("%d/%m/%Y")})
    return redirect("billing:hold", customer_id=customer.pk)


@manager_required
@require_POST
def hold_shorten(request: HttpRequest, customer_id: int, override_id: int) -> HttpResponse:
    """§11: bring an override's end earlier (never later; audited in its history)."""
    customer = get_object_or_404(Customer, pk=customer_id)
    override = get_object_or_404(customer.hold_overrides, pk=override_id)
    form = HoldShortenForm(request.POST)
    if not form.is_valid():
        messages.error(request, HOLD_OVERRIDE_SHORTEN_BAD_UNTIL)
        return redirect("billing:hold", customer_id=customer.pk)
    try:
        row = services.hold_override_shorten(override=override, by=request.user,
                                             until=form.cleaned_data["until"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, HOLD_SHORTENED % {"until": row.until.strftime("%d/%m/%Y")})
    return redirect("billing:hold", customer_id=customer.pk)


def _calendar_year(request: HttpRequest) -> int:
    raw = request.GET.get("year") or request.POST.get("year") or ""
    year = int(raw) if raw.isdigit() and len(raw) == 4 else timezone.localdate().year
    return year if year in contract_services.CALENDAR_YEARS else timezone.localdate().year


@manager_required
def working_calendar(request: HttpRequest) -> HttpResponse:
    """The working calendar's year (issue 14, §6): twelve months as the rules see them
    (weekly hours, Greek holidays, closures, special days); managers add a closure or a
    special day here (a refused one is shown again with the reason) or remove one."""
    row = contract_selectors.calendar_default_row()
    year = _calendar_year(request)
    posted = request.POST.get("form") if request.method == "POST" else None
    closure_form = ClosureForm(request.POST if posted == "closure" else None, prefix="closure")
    day_form = CalendarDayForm(request.POST if posted == "day" else None, prefix="day")
    back = f"{reverse('billing:calendar')}?year={year}"
    status = 200
    if posted in ("closure", "day"):
        status = 400
        form = closure_form if posted == "closure" else day_form
        if form.is_valid():
            data = form.cleaned_data
            try:
                if posted == "closure":
                    contract_services.calendar_closure_add(
                        calendar=row, starts_on=data["starts_on"], ends_on=data["ends_on"],
                        reason=data["reason"], by=request.user)
                    done = CLOSURE_ADDED % {"first": data["starts_on"].strftime("%d/%m/%Y"),
                                            "last": data["ends_on"].strftime("%d/%m/%Y")}
                else:
                    contract_services.calendar_day_set(
                        calendar=row, day=data["day"], is_working=data["is_working"],
                        opens_at=data["opens_at"], closes_at=data["closes_at"],
                        reason=data["reason"], by=request.user)
                    done = DAY_ADDED % {"day": data["day"].strftime("%d/%m/%Y")}
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, done)
                return redirect(back)
    language = "el" if (get_language() or "").startswith("el") else "en_US"
    view = contract_selectors.calendar_year_view(row=row, year=year, language=language)
    return render(request, "billing/calendar.html", {
        "view": view, "closure_form": closure_form, "day_form": day_form,
        "previous_year": year - 1 if year - 1 in contract_services.CALENDAR_YEARS else None,
        "next_year": year + 1 if year + 1 in contract_services.CALENDAR_YEARS else None,
        "weekdays": [WEEKDAYS_ABBR[n] for n in range(7)],
    }, status=status)


@manager_required
@require_POST
def calendar_closure_remove(request: HttpRequest, closure_id: int) -> HttpResponse:
    row = contract_selectors.calendar_default_row()
    closure = get_object_or_404(row.closures, pk=closure_id)
    contract_services.calendar_closure_remove(closure=closure, by=request.user)
    messages.success(request, CLOSURE_REMOVED)
    return redirect(f"{reverse('billing:calendar')}?year={closure.starts_on.year}")


@manager_required
@require_POST
def calendar_day_remove(request: HttpRequest, day_id: int) -> HttpResponse:
    row = contract_selectors.calendar_default_row()
    day = get_object_or_404(row.days, pk=day_id)
    contract_services.calendar_day_remove(day=day, by=request.user)
    messages.success(request, DAY_REMOVED)
    return redirect(f"{reverse('billing:calendar')}?year={day.date.year}")


@manager_required
def prepaid_sale(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Sell prepaid hours (§4): credits the bank and issues the purchase's statement."""
    customer = get_object_or_404(Customer, pk=customer_id)
    form = PrepaidSaleForm(request.POST or None,
                           initial={"hours": 1, "on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        usage_url = reverse("billing:usage", args=[customer.pk])
        try:
            outcome = idempotency.run_once(
                idempotency.posted(request), user=request.user, scope="billing.prepaid",
                parts=(customer.pk,),
                write=lambda: prepaid_purchase_create(customer=customer, by=request.user,
                                                      hours=form.cleaned_data["hours"],
                                                      on=form.cleaned_data["on"]),
                reference=lambda _purchase: usage_url)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            if outcome.replayed:
                return idempotency.replay_response(request, outcome, usage_url)
            purchase = outcome.result
            messages.success(request, PREPAID_SOLD % {"hours": purchase.hours,
                                                      "customer": customer.name})
            return redirect("billing:usage", customer_id=customer.pk)
    balances = selectors.customer_balances(customer_id=customer.pk)
    return render(request, "billing/prepaid_sale.html", {
        "customer": customer, "form": form, "bank_minutes": balances.bank_minutes,
    })
