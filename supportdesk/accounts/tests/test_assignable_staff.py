"""The assignment menu's staff list is cached, and every change of a user drops it."""

import pytest
from django.core.cache import cache

from supportdesk.accounts.selectors import ASSIGNABLE_STAFF_KEY, assignable_staff

from .factories import ManagerFactory, TechnicianFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_lists_active_technicians_and_managers_by_name_not_customers():
    b = TechnicianFactory(first_name="Βασίλης", last_name="Β")
    a = ManagerFactory(first_name="Άννα", last_name="Α")
    UserFactory(first_name="Πελάτης")
    TechnicianFactory(first_name="Γιώργος", is_active=False)
    assert assignable_staff() == [(a.pk, "Άννα Α"), (b.pk, "Βασίλης Β")]


def test_is_read_once_then_from_the_cache(django_assert_num_queries):
    TechnicianFactory(first_name="Νίκος")
    assignable_staff()
    assert cache.get(ASSIGNABLE_STAFF_KEY) is not None
    with django_assert_num_queries(0):
        assert next(name for _, name in assignable_staff()).startswith("Νίκος")


def test_a_rename_a_deactivation_a_deletion_and_a_new_technician_show_at_once():
    tech = TechnicianFactory(first_name="Νίκος", last_name="Ν")
    other = TechnicianFactory(first_name="Ορέστης", last_name="Ο")
    assignable_staff()
    tech.first_name = "Νικόλαος"
    tech.save()
    assert (tech.pk, "Νικόλαος Ν") in assignable_staff()
    other.is_active = False
    other.save()
    assert other.pk not in dict(assignable_staff())
    new = TechnicianFactory(first_name="Πέτρος")
    assert new.pk in dict(assignable_staff())
    new.delete()
    assert new.pk not in dict(assignable_staff())
