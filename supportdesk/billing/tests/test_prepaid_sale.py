"""Selling prepaid hours from the billing pages (§4): whole hours, at least one, managers only."""

import pytest

from supportdesk.billing.models import Statement
from supportdesk.common.tests.helpers import page_form_token
from supportdesk.entitlements.models import BankLedgerEntry, PrepaidPurchase

pytestmark = pytest.mark.django_db


def test_manager_sells_hours_which_credit_the_bank_and_issue_a_statement(config, client,
                                                                          manager, org_a):
    client.force_login(manager)
    url = f"/billing/customers/{org_a.pk}/prepaid/"
    response = client.post(url, {"hours": "3", "on": "2026-11-20",
                                 "form_token": page_form_token(client, url)})
    assert response.status_code == 302
    purchase = PrepaidPurchase.objects.get(customer=org_a)
    assert purchase.hours == 3
    assert str(purchase.price) == "150.00"  # 3 h x the standard rate 50 €/h
    assert sum(BankLedgerEntry.objects.filter(customer=org_a).values_list("minutes", flat=True)) \
        == 180
    assert Statement.objects.filter(customer=org_a, kind=Statement.Kind.PREPAID).count() == 1


@pytest.mark.parametrize("hours", ["0", "-2", "1.5", "lots"])
def test_bad_hours_are_refused_and_change_nothing(config, client, manager, org_a, hours):
    client.force_login(manager)
    response = client.post(f"/billing/customers/{org_a.pk}/prepaid/",
                           {"hours": hours, "on": "2026-11-20"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not PrepaidPurchase.objects.exists()
    assert not BankLedgerEntry.objects.exists()


def test_technicians_cannot_sell_hours(config, client, technician, org_a):
    client.force_login(technician)
    response = client.post(f"/billing/customers/{org_a.pk}/prepaid/",
                           {"hours": "3", "on": "2026-11-20"})
    assert response.status_code == 403
    assert not PrepaidPurchase.objects.exists()
