import datetime as dt

import factory

from supportdesk.common.choices import Tier
from supportdesk.tickets.models import Ticket

ATHENS = dt.timezone(dt.timedelta(hours=2))


class TicketFactory(factory.django.DjangoModelFactory):
    """A bare row; use ``tickets.services.ticket_create`` when SLA deadlines matter."""

    class Meta:
        model = Ticket

    customer = factory.SubFactory("supportdesk.customers.tests.factories.CustomerFactory")
    subject = factory.Sequence(lambda n: f"Δεν τυπώνει η ταμειακή {n}")
    body = "Η εκτύπωση αποδείξεων σταμάτησε μετά την ενημέρωση."
    tier = Tier.BASIC
    received_at = dt.datetime(2026, 11, 24, 11, 0, tzinfo=ATHENS)
    received_via = Ticket.ReceivedVia.PHONE
