import factory
from stdnum.gr import vat

from supportdesk.common.text import fold
from supportdesk.customers.models import Customer, Licence


def valid_tax_number(n: int) -> str:
    """A check-digit-valid ΑΦΜ built from a sequence number (for test data only)."""
    body = f"{(100000000 + n * 7919) % 100000000:08d}"
    return body + vat.calc_check_digit(body)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Κοσμηματοπωλείο {n}")
    tax_number = factory.Sequence(lambda n: valid_tax_number(n + 1))
    tax_office = "Α' Αθηνών"
    address = "Ερμού 10"
    city = "Αθήνα"
    postal_code = "10563"
    is_out_of_town = False
    search_text = factory.LazyAttribute(lambda o: fold(f"{o.name} {o.tax_number} {o.city}"))


class LicenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Licence

    customer = factory.SubFactory(CustomerFactory)
    product = factory.SubFactory("supportdesk.catalog.tests.factories.ProductFactory")
    value = factory.Faker("pydecimal", left_digits=4, right_digits=2, positive=True)
    licensed_on = factory.Faker("date_between", start_date="-3y", end_date="-1y")
