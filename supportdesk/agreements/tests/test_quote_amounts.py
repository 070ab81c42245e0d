"""§10 quote amounts follow the one money-input rule (``domain.money.parse_amount``).

The quote service used to parse on its own: it refused the Greek comma that every other
amount accepts, and a value too large for ``Quote.amount`` escaped as a ValidationError
from ``full_clean`` instead of the quote's own message.
"""

from decimal import Decimal

import pytest

from supportdesk.agreements.models import Quote
from supportdesk.agreements.services import QUOTE_BAD_AMOUNT, quote_issue
from supportdesk.common.exceptions import ApplicationError
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(org_a):
    return TicketFactory(customer=org_a, category=Ticket.Category.OS)


@pytest.mark.parametrize(("typed", "stored"),
                         [("120,50", "120.50"), ("120.50", "120.50"), (Decimal("80"), "80.00"),
                          ("9999999999.99", "9999999999.99")])
def test_quote_amount_accepts_the_greek_comma(ticket, technician, typed, stored):
    quote = quote_issue(ticket=ticket, description="Αναβάθμιση", amount=typed, by=technician)
    quote.refresh_from_db()
    assert quote.amount == Decimal(stored)


@pytest.mark.parametrize("typed", ["1.234,50", "-1", "NaN", "Infinity", "12.345", 12.5,
                                   "10000000000", "1e30"])
def test_bad_quote_amount_is_refused_with_the_quote_message(ticket, technician, typed):
    with pytest.raises(ApplicationError) as exc:
        quote_issue(ticket=ticket, description="Αναβάθμιση", amount=typed, by=technician)
    assert exc.value.code == "bad_amount"
    assert exc.value.message == QUOTE_BAD_AMOUNT
    assert not Quote.objects.exists()
