import datetime as dt

import factory

from supportdesk.common.choices import Tier
from supportdesk.contracts.models import Contract, TariffVersion


class ContractFactory(factory.django.DjangoModelFactory):
    """Needs the default tariff seeded (the ``config`` fixture in the root conftest.py)."""

    class Meta:
        model = Contract

    customer = factory.SubFactory("supportdesk.customers.tests.factories.CustomerFactory")
    tier = Tier.BASIC
    starts_on = dt.date(2026, 1, 1)
    ends_on = dt.date(2026, 12, 31)
    annual_fee = factory.LazyAttribute(lambda o: "600.00")
    tariff_version = factory.LazyFunction(
        lambda: TariffVersion.objects.order_by("effective_from").first()
    )

