"""The managers' webhook pages: subscriptions (create, edit, disable, new secret), their
recent deliveries, one delivery's attempts, and redelivery.

Thin views: each parses, calls one service or reads through ``selectors``. Managers only
(``manager_required``: technicians 403, customers 403, visitors to the login). A new secret
is put in the session once and shown by the next page, then gone.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import manager_required

from . import selectors, services
from .forms import SubscriptionForm
from .models import WebhookDelivery

_SESSION_SLOT = "webhooks_secret_once"


def _secret_once(request: HttpRequest, pk: int) -> str:
    shown = request.session.pop(_SESSION_SLOT, None) or {}
    return shown.get(str(pk), "")


@manager_required
@require_GET
def subscription_list(request: HttpRequest) -> HttpResponse:
    return render(request, "webhooks/list.html",
                  {"subscriptions": selectors.subscriptions_list()})


@manager_required
def subscription_new(request: HttpRequest) -> HttpResponse:
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            subscription, secret = services.subscription_create(
                by=request.user, name=data["name"], url=data["url"], events=data["events"],
                customer=data["customer"])
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            request.session[_SESSION_SLOT] = {str(subscription.pk): secret}
            messages.success(request, _("The subscription was created."))
            return redirect("webhooks:detail", subscription.pk)
    return render(request, "webhooks/form.html", {"form": form, "subscription": None})


@manager_required
def subscription_detail(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = selectors.subscription_get(pk=pk)
    if request.method == "POST":
        form = SubscriptionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.subscription_update(
                    subscription=subscription, by=request.user, name=data["name"],
                    url=data["url"], events=data["events"], customer=data["customer"],
                    is_active=data["is_active"])
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The subscription was saved."))
                return redirect("webhooks:detail", subscription.pk)
    else:
        form = SubscriptionForm(initial={
            "name": subscription.name, "url": subscription.url, "events": subscription.events,
            "customer": subscription.customer, "is_active": subscription.is_active})
    status = request.GET.get("status") or ""
    if status not in WebhookDelivery.Status.values:
        status = ""
    return render(request, "webhooks/detail.html", {
        "subscription": subscription, "form": form, "secret": _secret_once(request, pk),
        "deliveries": selectors.deliveries_recent(subscription=subscription,
                                                  status=status or None),
        "status": status, "statuses": WebhookDelivery.Status.choices,
    })


@manager_required
@require_POST
def subscription_secret(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = selectors.subscription_get(pk=pk)
    secret = services.subscription_rotate_secret(subscription=subscription, by=request.user)
    request.session[_SESSION_SLOT] = {str(subscription.pk): secret}
    messages.success(request, _("A new signing secret was made; the old one no longer "
                                "signs deliveries."))
    return redirect("webhooks:detail", subscription.pk)


@manager_required
@require_GET
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = selectors.delivery_get(pk=pk)
    return render(request, "webhooks/delivery.html", {
        "delivery": delivery, "subscription": delivery.subscription,
        "attempts": selectors.attempts_of(delivery=delivery)})


@manager_required
@require_POST
def delivery_redeliver(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = selectors.delivery_get(pk=pk)
    try:
        services.delivery_redeliver(delivery=delivery, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The delivery is being sent again."))
    return redirect("webhooks:delivery", delivery.pk)
