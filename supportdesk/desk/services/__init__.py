"""Writes of the staff desk. Import from here: ``from supportdesk.desk.services import ...``.

dashboard: refreshing the dashboard's monthly figures
replies: canned replies and macros, and applying a macro to requests
saved_views: the queue's saved views
presence: who else has a request open or is typing (the collision warning)
"""

from .dashboard import dashboard_refresh
from .presence import presence_beat
from .replies import (
    MACRO_MAX_TICKETS,
    MacroResult,
    canned_reply_delete,
    canned_reply_save,
    macro_apply,
    macro_delete,
    macro_save,
    tickets_each,
)
from .saved_views import saved_view_delete, saved_view_save

__all__ = [
    "MACRO_MAX_TICKETS",
    "MacroResult",
    "canned_reply_delete",
    "canned_reply_save",
    "dashboard_refresh",
    "macro_apply",
    "macro_delete",
    "macro_save",
    "presence_beat",
    "saved_view_delete",
    "saved_view_save",
    "tickets_each",
]
