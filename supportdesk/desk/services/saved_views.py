"""Saved views of the queue: a name for a set of filters, personal or shared (managers)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import ensure_staff, is_manager
from supportdesk.common.text import clean_text
from supportdesk.tickets.selectors import queue_filters_from

from ..models import SavedView

VIEW_NAME_REQUIRED = _("Give the view a name.")
VIEW_NAME_TOO_LONG = _("The name is too long: at most 80 characters.")
VIEW_NOTHING = _("Choose some filters first: this view would show the whole queue.")
VIEW_SHARED_MANAGERS = _("Only managers share views with everyone.")
VIEW_NOT_YOURS = _("This is another technician's view.")
VIEWS_MAX = 30


def saved_view_save(*, name: str, params, by, shared: bool = False) -> SavedView:
    """Keep the queue's current filters (parsed, never raw) under ``name``."""
    ensure_staff(by)
    name = " ".join(clean_text(name or "").split())
    if not name:
        raise ApplicationError(VIEW_NAME_REQUIRED, code="required")
    if len(name) > 80:
        raise ApplicationError(VIEW_NAME_TOO_LONG, code="too_long")
    if shared and not is_manager(by):
        raise ApplicationError(VIEW_SHARED_MANAGERS, code="shared_managers_only")
    filters = queue_filters_from(params)
    stored = filters.as_params()
    if not stored:
        raise ApplicationError(VIEW_NOTHING, code="view_empty")
    if SavedView.objects.filter(owner=by).count() >= VIEWS_MAX:
        raise ApplicationError(_("At most %(max)d views each.") % {"max": VIEWS_MAX},
                               code="too_many")
    return SavedView.objects.create(name=name, params=stored, owner=None if shared else by)


def saved_view_delete(*, view: SavedView, by) -> None:
    ensure_staff(by)
    if view.owner_id is None and not is_manager(by):
        raise ApplicationError(VIEW_SHARED_MANAGERS, code="shared_managers_only")
    if view.owner_id is not None and view.owner_id != by.pk:
        raise ApplicationError(VIEW_NOT_YOURS, code="not_yours")
    view.delete()
