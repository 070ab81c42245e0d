"""Two deliveries of one Message-ID at the same moment (PostgreSQL): exactly one files it."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from supportdesk.accounts.tests.factories import UserFactory
from supportdesk.mail.models import InboundMessage
from supportdesk.mail.services import mail_ingest
from supportdesk.tickets.models import Ticket

from .factories import raw_mail

pytestmark = [
    pytest.mark.pg,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real PostgreSQL"),
]


@pytest.mark.django_db(transaction=True)
def test_parallel_duplicates_file_one_request(config, mail_settings, org_a):
    UserFactory(username="maria", email="maria@alfa.gr", customer=org_a)
    raw = raw_mail(subject="Ταυτόχρονα", message_id="<parallel-1@alfa.gr>")

    def deliver(_):
        try:
            return mail_ingest(raw).status
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(deliver, range(8)))
    assert statuses.count("created") == 1
    assert statuses.count("ignored") == 7
    assert InboundMessage.objects.count() == 8
    assert Ticket.objects.filter(received_via="email").count() == 1
