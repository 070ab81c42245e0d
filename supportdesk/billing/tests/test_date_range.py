"""Year 1 or 9999 in the billing run, the usage report, the statement filters and the
prepaid sale: a clear message, never a 500, and no unfinished BillingRun
(docs/security.md #43)."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from supportdesk.billing.models import BillingRun
from supportdesk.billing.services import billing_run
from supportdesk.common.dates import out_of_range_message
from supportdesk.common.exceptions import ApplicationError
from supportdesk.entitlements.models import PrepaidPurchase

pytestmark = pytest.mark.django_db

EDGES = ["0001-01-01", "9999-12-31"]


@pytest.fixture
def manager_client(manager):
    client = Client()
    client.force_login(manager)
    return client


@pytest.mark.parametrize("start,end", [(dt.date(1, 1, 1), dt.date(1, 1, 31)),
                                       (dt.date(9999, 12, 1), dt.date(9999, 12, 31)),
                                       (dt.date(1999, 12, 1), dt.date(2000, 1, 31))])
def test_billing_run_refuses_dates_out_of_range_before_creating_its_row(config, manager,
                                                                        start, end):
    with pytest.raises(ApplicationError) as err:
        billing_run(period_start=start, period_end=end, by=manager)
    assert err.value.code == "date_range"
    assert not BillingRun.objects.exists()


@pytest.mark.parametrize("day", EDGES)
def test_billing_run_page_with_year_1_or_9999_changes_nothing(config, manager_client, day):
    response = manager_client.post(reverse("billing:run"),
                                   {"period_start": day, "period_end": day}, follow=True)
    assert response.status_code == 200
    assert not BillingRun.objects.exists()


@pytest.mark.parametrize("day", EDGES)
def test_usage_report_with_year_1_or_9999_is_a_message_and_keeps_the_input(
        config, manager_client, org_a, day):
    response = manager_client.get(reverse("billing:usage", args=[org_a.pk]),
                                  {"period_start": day, "period_end": "2026-11-30"})
    html = response.content.decode()
    assert response.status_code == 200
    assert str(out_of_range_message()) in html and f'value="{day}"' in html


@pytest.mark.parametrize("day", EDGES)
def test_statement_filters_with_year_1_or_9999_are_a_message(config, manager_client, day):
    response = manager_client.get(reverse("billing:home"), {"period_start": day})
    assert response.status_code == 200
    assert str(out_of_range_message()) in response.content.decode()


@pytest.mark.parametrize("day", EDGES)
def test_prepaid_sale_with_year_1_or_9999_is_a_message(config, manager_client, org_a, day):
    response = manager_client.post(reverse("billing:prepaid_sale", args=[org_a.pk]),
                                   {"hours": "2", "on": day})
    html = response.content.decode()
    assert response.status_code == 200
    assert str(out_of_range_message()) in html and f'value="{day}"' in html
    assert not PrepaidPurchase.objects.exists()


def test_prepaid_sale_page_fills_todays_date_as_iso(config, manager_client, org_a):
    from_page = manager_client.get(reverse("billing:prepaid_sale", args=[org_a.pk]),
                                   HTTP_ACCEPT_LANGUAGE="el").content.decode()
    today = dt.date.today().isoformat()  # noqa: DTZ011 - same calendar day as Athens here
    assert 'type="date"' in from_page and f'value="{today}"' in from_page
