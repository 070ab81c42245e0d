"""Shapes shared by the API's routers."""

from datetime import datetime
from typing import Annotated

from ninja import Field, Schema

from .errors import ErrorOut

# Ids the database can hold: anything else is a 422, never an overflow deep in the driver.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
PAGE_MAX = 100  # the largest page any list gives (docs/security.md #24)
Limit = Annotated[int, Field(ge=1, le=PAGE_MAX)]
Cursor = Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z0-9_-]*$")]

# The error answers every operation may give, documented so clients (and the fuzzer) know.
ERRORS = frozenset({400, 401, 403, 404, 422, 429})


def responses(ok: dict) -> dict:
    return {**ok, ERRORS: ErrorOut}


class SlaOut(Schema):
    state: str = Field(..., description="none, ok, warning, breached, paused or answered")
    due_at: datetime | None
    due_max_at: datetime | None
    target_minutes: int
    used_minutes: int
    left_minutes: int
    overdue_minutes: int
    percent_used: int
    outcome: str
    is_paused: bool


def sla_out(view) -> SlaOut:
    return SlaOut(state=view.state, due_at=view.due_at, due_max_at=view.due_max_at,
                  target_minutes=view.target_minutes, used_minutes=view.used_minutes,
                  left_minutes=view.left_minutes, overdue_minutes=view.overdue_minutes,
                  percent_used=view.percent_used, outcome=view.outcome,
                  is_paused=view.is_paused)
