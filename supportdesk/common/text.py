"""Search normalisation shared by every searchable model.

SQLite's lower()/LIKE fold only ASCII, and users type Greek without accents or with
final sigma anywhere ("καφε" must find "ΚΑΦΈ"), so each searchable row keeps a folded
copy of its text, and queries are folded the same way before matching (docs/security.md #34).
"""

import unicodedata

_NUL_AND_CONTROLS = {c: None for c in range(32) if c not in (9, 10, 13)}


def fold(text: str) -> str:
    """Lower-case, accent-free, final-sigma-free form of ``text`` used for matching."""
    decomposed = unicodedata.normalize("NFD", clean_text(text))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # casefold() maps both σ and ς to σ, and handles ß etc.
    return " ".join(stripped.casefold().split())


def clean_text(text: str) -> str:
    """Drop NUL and control characters (PostgreSQL refuses NUL in text columns)."""
    return (text or "").translate(_NUL_AND_CONTROLS)
