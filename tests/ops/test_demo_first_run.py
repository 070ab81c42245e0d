"""Issue 14, "A quiet, believable demo": `manage.py load_demo` loaded at night prints a
short output that ends with the logins (each with its role or situation: on hold, Free
tier, out of town), writes the demo's e-mails to files under the data directory instead of
the console, and places nothing later than the clock on the wall."""

import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command

from supportdesk.tickets.models import Message, Ticket
from supportdesk.worklog.models import RemoteSession, WorkEntry

ATHENS = ZoneInfo("Europe/Athens")
#: A Wednesday, 03:38 in Athens: the working day ended at 18:00 yesterday.
NIGHT = dt.datetime(2026, 12, 2, 3, 38, tzinfo=ATHENS)


@pytest.mark.django_db(transaction=True)  # the mails are sent after each commit
def test_the_demo_loaded_at_night_is_quiet_ends_with_the_logins_and_nothing_is_in_the_future(
        config):
    out = io.StringIO()
    # when the demo is loaded at 03:38
    with time_machine.travel(NIGHT, tick=False):
        call_command("load_demo", stdout=out)
        now = NIGHT
    lines = out.getvalue().splitlines()
    # then the output is a screenful, not thousands of mails, and the logins end it
    assert len(lines) < 40, lines[:50]
    assert not any("Content-Type" in line or "Subject:" in line for line in lines)
    logins = [line.split() for line in lines if line.startswith("  ")]
    assert [row[0] for row in logins] == ["manager", "tech1", "tech2", "tech3"] + [
        f"shop{n:02d}" for n in range(1, 13)]
    by_user = {line.split()[0]: line for line in lines if line.startswith("  ")}
    assert "ON SUPPORT HOLD" in by_user["shop05"] and "Free" in by_user["shop05"]
    assert "ON SUPPORT HOLD" not in by_user["shop01"]
    assert "out of town" in by_user["shop07"] and "Manager" in by_user["manager"]
    assert lines[-1].startswith("Open ")
    # and the mails are files under the data directory
    mail_dir = Path(settings.DATA_DIR) / "demo-mail"
    assert sum(1 for _ in mail_dir.iterdir()) > 100
    # and no request is received, answered or worked later than 03:38
    assert Ticket.objects.filter(received_at__gt=now).count() == 0
    assert Ticket.objects.filter(first_response_at__gt=now).count() == 0
    assert Message.objects.filter(created_at__gt=now).count() == 0
    assert WorkEntry.objects.filter(ended_at__gt=now).count() == 0
    assert RemoteSession.objects.filter(ended_at__gt=now).count() == 0
    # and today's queue was received in the working day that has just ended
    newest = Ticket.objects.order_by("-received_at").first().received_at.astimezone(ATHENS)
    assert newest.date() == dt.date(2026, 12, 1)
    assert dt.time(10) <= newest.time() < dt.time(18)
