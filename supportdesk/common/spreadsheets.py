"""What every CSV and XLSX the product writes shares: cells that a spreadsheet would run as
a formula are neutralised (docs/security.md #34), and Greek CSV
opens right in Excel (UTF-8 with a byte-order mark, ``;`` between fields)."""

from __future__ import annotations

#: A cell starting with one of these is a formula to Excel and LibreOffice.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_DELIMITER = ";"
CSV_BOM = "\ufeff"


def cell_text(value) -> str:
    """``value`` as text, with an apostrophe in front when it would start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
