"""§9: the customer's site is in town or out of town, with its one-way distance, set by staff
in the admin."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_admin_marks_a_customer_out_of_town_with_its_distance(manager, org_b):
    manager.is_superuser = True
    manager.save()
    client = Client()
    client.force_login(manager)
    url = reverse("admin:customers_customer_change", args=[org_b.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="is_out_of_town"' in page.content.decode()
    assert 'name="distance_km"' in page.content.decode()
    listing = client.get(reverse("admin:customers_customer_changelist"))
    assert listing.status_code == 200 and "column-distance_km" in listing.content.decode()
