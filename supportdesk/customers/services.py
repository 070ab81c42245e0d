from django.db import transaction

from supportdesk.common.text import clean_text, fold

from .models import Customer
from .validators import normalise_tax_number


def customer_search_text(customer: Customer) -> str:
    return fold(" ".join([customer.name, customer.tax_number, customer.city, customer.email]))


@transaction.atomic
def customer_create(*, name: str, tax_number: str, **fields) -> Customer:
    customer = Customer(name=clean_text(name).strip(), tax_number=normalise_tax_number(tax_number),
                        **fields)
    customer.search_text = customer_search_text(customer)
    customer.full_clean()
    customer.save()
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, **fields) -> Customer:
    for name, value in fields.items():
        setattr(customer, name, value)
    if "tax_number" in fields:
        customer.tax_number = normalise_tax_number(customer.tax_number)
    customer.search_text = customer_search_text(customer)
    customer.full_clean()
    customer.save()
    return customer
