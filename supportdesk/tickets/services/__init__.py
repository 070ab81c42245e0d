"""Writes of support requests. Import from here: ``from supportdesk.tickets.services import ...``.

lifecycle: intake, status, replies, assignment, scope (§10), prerequisites (§11)
sla: the response and resolution clocks through the rules engine (§4, §6)
attachments: checked uploads (docs/security.md #21, #22)
notices: what a request's people are told (docs/notifications.md, docs/security.md #18)
"""

from .attachments import attachment_add, attachment_check, sanitize_filename
from .lifecycle import (
    ticket_assign,
    ticket_change_status,
    ticket_classify,
    ticket_create,
    ticket_record_prerequisites,
    ticket_refresh_search_text,
    ticket_reply,
    ticket_search_text,
    ticket_set_priority,
)
from .sla import (
    SlaView,
    resolution_view_for,
    response_target,
    service_targets,
    sla_view_for,
    ticket_recompute_deadlines,
)

__all__ = [
    "SlaView",
    "attachment_add",
    "attachment_check",
    "resolution_view_for",
    "response_target",
    "sanitize_filename",
    "service_targets",
    "sla_view_for",
    "ticket_assign",
    "ticket_change_status",
    "ticket_classify",
    "ticket_create",
    "ticket_recompute_deadlines",
    "ticket_record_prerequisites",
    "ticket_refresh_search_text",
    "ticket_reply",
    "ticket_search_text",
    "ticket_set_priority",
]
