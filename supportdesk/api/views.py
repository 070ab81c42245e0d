"""The API-token pages: a user's own tokens (/accounts/api-tokens/) and the managers'
integration accounts (/accounts/api-tokens/integrations/). Thin: parse, authorise, call one
service. A new token's secret is shown on the answer to the POST that made it, once,
with ``Cache-Control: no-store``; it is never stored or shown again."""

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import manager_required

from . import selectors, services
from .forms import IntegrationForm, TokenForm


def _expiry(day) -> datetime | None:
    """The end of the chosen day, in the site's time zone."""
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def _shown_once(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    response = render(request, template, context)
    response["Cache-Control"] = "private, no-store"
    return response


def _add_error(form, exc: ApplicationError) -> None:
    field = exc.extra.get("field")
    field = {"expires_at": "expires_on"}.get(field, field)
    form.add_error(field if field in form.fields else None, exc.message)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _token, secret = services.api_token_create(
                user=request.user, name=data["name"], scopes=data["scopes"],
                expires_at=_expiry(data["expires_on"]), by=request.user)
        except ApplicationError as exc:
            _add_error(form, exc)
        else:
            form = TokenForm()
    return _shown_once(request, "api/tokens.html", {
        "form": form, "secret": secret,
        "tokens": selectors.api_token_list_for_user(user=request.user),
        "now": timezone.now(),
    })


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = selectors.api_token_get_for_user(user=request.user, token_id=token_id)
    try:
        services.api_token_revoke(token=token, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Token “%(name)s” revoked: it no longer works.")
                         % {"name": token.name})
    if token.user_id != request.user.pk:
        return redirect("api_tokens:integrations")
    return redirect("api_tokens:list")


def _integration_page(request, *, form, token_form=None, secret=None, secret_for=None):
    accounts = list(selectors.integration_account_list())
    for account in accounts:
        account.tokens = list(selectors.api_token_list_for_user(user=account.user))
        # One token form per account, with ids of its own (the bound one where it failed).
        is_target = secret_for is not None and account.pk == secret_for.pk
        account.token_form = (token_form if is_target and token_form is not None
                              else TokenForm(auto_id=f"id_account{account.pk}_%s"))
    return _shown_once(request, "api/integrations.html", {
        "form": form, "accounts": accounts, "secret": secret, "secret_for": secret_for,
        "now": timezone.now(),
    })


@never_cache
@manager_required
@require_http_methods(["GET", "POST"])
def integration_list(request: HttpRequest) -> HttpResponse:
    form = IntegrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.integration_account_create(
                username=data["username"], customer=data["customer"],
                description=data["description"], by=request.user)
        except ApplicationError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("Integration account “%(name)s” made: now give it "
                                        "a token.") % {"name": account.user.username})
            return redirect("api_tokens:integrations")
    return _integration_page(request, form=form)


@never_cache
@manager_required
@require_POST
def integration_token_create(request: HttpRequest, account_id: int) -> HttpResponse:
    account = selectors.integration_account_get(account_id=account_id)
    token_form = TokenForm(request.POST, auto_id=f"id_account{account.pk}_%s")
    secret = None
    if token_form.is_valid():
        data = token_form.cleaned_data
        try:
            _token, secret = services.api_token_create(
                user=account.user, name=data["name"], scopes=data["scopes"],
                expires_at=_expiry(data["expires_on"]), by=request.user)
        except ApplicationError as exc:
            _add_error(token_form, exc)
        else:
            token_form = None
    return _integration_page(request, form=IntegrationForm(), token_form=token_form,
                             secret=secret, secret_for=account)
