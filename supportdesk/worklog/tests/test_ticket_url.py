"""The work pages send staff back to the desk's ticket page; a missing route fails loudly
(no quiet fallback to another page)."""

import pytest
from django.urls import NoReverseMatch, include, path

from supportdesk.tickets.tests.factories import TicketFactory
from supportdesk.worklog.views import ticket_url

pytestmark = pytest.mark.django_db

# A site without the desk: this module is the URLconf of the second test.
urlpatterns = [path("desk/work/", include("supportdesk.worklog.urls"))]


def test_ticket_url_is_the_desk_ticket_page(config):
    ticket = TicketFactory()
    assert ticket_url(ticket) == f"/desk/tickets/{ticket.pk}/"


def test_without_the_desk_route_it_fails_loudly(config, settings):
    ticket = TicketFactory()
    settings.ROOT_URLCONF = __name__
    with pytest.raises(NoReverseMatch):
        ticket_url(ticket)
