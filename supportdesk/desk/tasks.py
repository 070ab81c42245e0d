"""Periodic work of the desk, run by Celery beat or by the in-process scheduler."""

from celery import shared_task

from .services import dashboard_refresh


@shared_task(name="desk.dashboard_refresh")
def dashboard_refresh_task() -> int:
    """Nightly: recompute the dashboard's closed months (returns how many)."""
    return len(dashboard_refresh())
