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
    timer = timer_running_get(technician=user)
    return {"running_timer": timer} if timer is not None else {}
