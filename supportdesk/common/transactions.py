"""Retrying a whole transaction when SQLite reports lock contention.

Every money write (work entries, billing runs, credits) takes the per-customer lock; on
SQLite a second writer may be told "database is locked" instead of waiting, so the caller's
transaction is run again a few times before the user is asked to retry.
"""

import time
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError, transaction
from django.utils.translation import gettext_lazy as _

from supportdesk.common.exceptions import ApplicationError

DATABASE_BUSY = _("The database is busy; nothing was saved. Please try again.")

T = TypeVar("T")


def with_lock_retry(fn: Callable[[], T], *, attempts: int = 6) -> T:
    """Run ``fn`` (one whole transaction) again when SQLite reports lock contention.

    PostgreSQL waits on row locks instead; an outer transaction is never retried here
    (its caller owns the retry), and a failed attempt has rolled back completely.
    """
    for attempt in range(attempts):
        try:
            return fn()
        except OperationalError as exc:
            conn = transaction.get_connection()
            if conn.in_atomic_block or "locked" not in str(exc).lower() \
                    or attempt == attempts - 1:
                if "locked" in str(exc).lower() and not conn.in_atomic_block:
                    raise ApplicationError(DATABASE_BUSY, code="busy") from exc
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover
