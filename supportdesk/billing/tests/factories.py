import datetime as dt

import factory

from supportdesk.agreements.models import Quote
from supportdesk.billing.models import VendorProfile
from supportdesk.common.choices import Tier
from supportdesk.tickets.tests.factories import TicketFactory

ATHENS_TZ = dt.timezone(dt.timedelta(hours=2))  # winter offset; use zoneinfo for DST tests


class VendorProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VendorProfile
        django_get_or_create = ("id",)

    id = 1
    name = "Jewelsoft Μονοπρόσωπη ΙΚΕ"
    address = "Σταδίου 5"
    city = "Αθήνα"
    postal_code = "10562"
    tax_number = "094014201"
    tax_office = "ΦΑΕ Αθηνών"
    iban = "GR1601101250000000012300695"


class FreeTicketFactory(TicketFactory):
    tier = Tier.FREE


class QuoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quote

    ticket = factory.SubFactory(TicketFactory)
    description = "Επανεγκατάσταση λειτουργικού"
    amount = "120.00"
    created_by = factory.SubFactory("supportdesk.accounts.tests.factories.TechnicianFactory")
