import datetime as dt

import factory

from supportdesk.worklog.models import Timer, Visit

ATHENS = dt.timezone(dt.timedelta(hours=2))  # November: EET, UTC+2


class TimerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Timer

    technician = factory.SubFactory("supportdesk.accounts.tests.factories.TechnicianFactory")
    ticket = factory.SubFactory("supportdesk.tickets.tests.factories.TicketFactory")
    channel = "phone"
    started_at = dt.datetime(2026, 11, 24, 11, 0, tzinfo=ATHENS)


class VisitFactory(factory.django.DjangoModelFactory):
    """A bare row; use ``visit_schedule`` when the overlap and out-of-town rules matter."""

    class Meta:
        model = Visit

    ticket = factory.SubFactory("supportdesk.tickets.tests.factories.TicketFactory")
    technician = factory.SubFactory("supportdesk.accounts.tests.factories.TechnicianFactory")
    location = Visit.Location.ONSITE
    starts_at = dt.datetime(2026, 11, 26, 10, 0, tzinfo=ATHENS)
    ends_at = dt.datetime(2026, 11, 26, 12, 0, tzinfo=ATHENS)
