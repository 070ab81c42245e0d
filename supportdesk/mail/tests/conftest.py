import pytest

from supportdesk.accounts.tests.factories import TechnicianFactory, UserFactory
from supportdesk.customers.tests.factories import CustomerFactory
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import lifecycle

from .dovecot import Dovecot, dovecot_binary


@pytest.fixture
def mail_settings(settings):
    settings.DEFAULT_FROM_EMAIL = "support@jewelsoft.example"
    settings.SERVER_EMAIL = "support@jewelsoft.example"
    settings.SUPPORTDESK_INTAKE_ADDRESS = "support@jewelsoft.example"
    return settings


@pytest.fixture
def world(config, mail_settings, org_a, org_b):
    """Two customers' users, staff, and three requests (T1 open for A with Maria as its
    contact, T2 for B, T3 closed for A)."""
    maria = UserFactory(username="maria", email="maria@alfa.gr", customer=org_a)
    nikos = UserFactory(username="nikos", email="nikos@alfa.gr", customer=org_a)
    UserFactory(username="old", email="old@alfa.gr", customer=org_a, is_active=False)
    petros = UserFactory(username="petros", email="petros@vita.gr", customer=org_b)
    tech = TechnicianFactory(username="tech", email="tech@jewelsoft.example")
    org_c = CustomerFactory(name="Γάμμα", is_active=False)
    UserFactory(username="zoe", email="zoe@gamma.gr", customer=org_c)
    UserFactory(username="shared1", email="office@shared.gr", customer=org_a)
    UserFactory(username="shared2", email="office@shared.gr", customer=org_b)

    def make(customer, contact, subject):
        return lifecycle.ticket_create(customer=customer, subject=subject, body="",
                                       received_via=Ticket.ReceivedVia.PHONE,
                                       contact=contact, by=tech)

    t1 = make(org_a, maria, "Δεν τυπώνει η ταμειακή")
    t2 = make(org_b, petros, "Κλείσιμο ημέρας")
    t3 = make(org_a, maria, "Παλιό θέμα")
    lifecycle.ticket_change_status(ticket=t3, status=Ticket.Status.CLOSED, by=tech)
    return {"a": org_a, "b": org_b, "maria": maria, "nikos": nikos, "petros": petros,
            "tech": tech, "t1": t1, "t2": t2, "t3": t3}


@pytest.fixture(scope="session")
def dovecot_server():
    """One Dovecot for the test session (see ``dovecot.py``); skipped without the binary."""
    binary = dovecot_binary()
    if binary is None:
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd; .ci/run does)")
    server = Dovecot(binary).start()
    yield server
    server.stop()
