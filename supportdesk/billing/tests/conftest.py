"""Billing's tests import ``at`` from here (``from .conftest import at``); it is defined in
``supportdesk.common.tests.helpers``, shared with worklog and entitlements. The work-entry
fixtures (``basic_contract``, ``ticket_a``, ``ticket_b``) are in the root ``conftest.py``."""

from supportdesk.common.tests.helpers import at

__all__ = ["at"]
