"""Template context of every page: the staff member's running timer (issue 9), shown in the
page header of ``base.html`` with a link to its request. Registered in
``config/settings/base.py`` ``TEMPLATES``."""

from supportdesk.common.permissions import is_vendor_staff
from supportdesk.worklog.selectors import timer_running_get


def running_timer(request) -> dict:
    """``running_timer``: the signed-in staff member's running timer, or nothing (customers,
    visitors and staff without a timer get no key, so no query is wasted on them)."""
    user = getattr(request, "user", None)
    if not is_vendor_staff(user):
        return {}
    # A page that already read it (the ticket page, with its own timer) leaves it here.
    read = getattr(request, "running_timer_read", None)
    timer = timer_running_get(technician=user) if read is None else read[0]
    return {"running_timer": timer} if timer is not None else {}
