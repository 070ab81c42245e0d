"""The invoice documents of a statement (docs/einvoicing.md "Documents").

The public interface the provider hand-off codes against::

    draft_for_statement(statement) -> InvoiceDraft   # build or refresh the stored draft
    render(draft, fmt) -> bytes                      # fmt "mydata" or "ubl"
    problems(draft, fmt) -> list[Problem]            # [] means sendable
    validate_xml(data, fmt) -> list[Problem]         # the same validation on raw bytes
    Problem(field, message)                          # field_label(field) for people
"""

from __future__ import annotations

from .checks import draft_checks
from .drafts import draft_for_statement
from .labels import FIELD_LABELS, field_label
from .mydata import render_mydata
from .ubl import render_ubl
from .validation import Problem, validate_xml

FORMATS = ("mydata", "ubl")

__all__ = ["FIELD_LABELS", "FORMATS", "Problem", "draft_for_statement", "field_label",
           "problems", "render", "validate_xml"]


def render(draft, fmt: str) -> bytes:
    """The draft as a myDATA ``InvoicesDoc`` or a Peppol BIS 3.0 UBL document (UTF-8)."""
    if fmt == "mydata":
        return render_mydata(draft)
    if fmt == "ubl":
        statement = draft.statement
        # The QR/download URL the provider returned (the hand-off's field on the statement).
        return render_ubl(draft, mark=statement.mark or "",
                          url=getattr(statement, "einvoice_qr_url", "") or "")
    raise ValueError(f"unknown format {fmt!r}")


def problems(draft, fmt: str) -> list[Problem]:
    """Why ``render(draft, fmt)`` cannot be sent: our checks, then the official validators'."""
    found = draft_checks(draft, fmt)
    found += validate_xml(render(draft, fmt), fmt)
    return found
