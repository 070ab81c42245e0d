"""Plain helpers several apps' tests share (fixtures live in the root ``conftest.py``).

* ``at(...)``: an aware moment in Athens local time (zoneinfo, so DST is real);
* ``in_threads(n, target)``: run ``target(i)`` in ``n`` threads released together, one
  database connection each, for the races on the ledgers and the billing run;
* ``page_form_token(client, url)``: the one-time form token the page at ``url`` renders,
  as a browser would post it back (money forms refuse a post without one);
* ``refused_by_database(make)``: ``make()`` must hit a database constraint and leave
  nothing behind (the constraint tests bypass ``full_clean()`` on purpose).
"""

import datetime as dt
import re
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction

ATHENS = ZoneInfo("Europe/Athens")


def at(y, m, d, hh=11, mm=0):
    """An aware moment in Athens local time."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=ATHENS)


def in_threads(n, target):
    """Run ``target(i)`` in ``n`` threads released together; return results or exceptions."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    close_old_connections()
    return results


def refused_by_database(make) -> None:
    """``make()`` raises IntegrityError inside its own savepoint (so nothing is kept)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


_FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def page_form_token(client, url: str) -> str:
    """The first one-time form token the page at ``url`` renders for the client's user."""
    found = _FORM_TOKEN.findall(client.get(url).content.decode())
    assert found, f"{url} renders no form token"
    return found[0]
