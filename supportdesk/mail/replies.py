"""Cutting the quoted history and the signature from an e-mailed reply (mail-parser-reply).

``reply_clean(text)`` returns the newest part of a reply: what the customer wrote above
"On ... wrote:" / «Στις ..., ο/η ... έγραψε:», an Outlook header block (From:/Sent:/To: or
Από:/Στάλθηκε:/Προς:/Θέμα:), "-----Original Message-----" / «-----Αρχικό μήνυμα-----»,
without a trailing signature ("-- ", "Best regards", «Με εκτίμηση», "Sent from my iPhone",
«Εστάλη από το iPhone μου») or trailing ``>`` quoted lines. The library knows no Greek, so
the Greek patterns are given through its per-language regex lookup
(``EmailMessage._get_language_regex``); the English signatures are made stricter (the
phrase alone on its line), so "Thanks, but it still fails" is kept.

Never returns less than something: when the cut would leave nothing (a reply written below
the quote, or a mail that is all quote), the whole text is kept.
"""

from __future__ import annotations

import logging
import re

from mailparser_reply.constants import MAIL_LANGUAGES, QUOTED_MATCH_INCLUDE
from mailparser_reply.parser import EmailMessage

logger = logging.getLogger(__name__)

_LINE_END = r"[ \t]*$"

_GREEK = {
    # Gmail / Apple Mail / Thunderbird in Greek:
    #   «Στις Δευ, 1 Δεκ 2026 στις 10:00, ο/η Χ <x@example.gr> έγραψε:»
    # (Gmail may wrap it onto a second line: \s? lets one line break in, as for "On").
    "wrote_header": (
        r"^(" + QUOTED_MATCH_INCLUDE + r"Στις\s(?:.+?\s?.+?)\s?[έε]γραψε\s?:)$"
        r"|^(" + QUOTED_MATCH_INCLUDE + r"-{3,} ?Αρχικό μήνυμα ?-{3,})$"
        r"|^(" + QUOTED_MATCH_INCLUDE + r"-{3,} ?Προωθημένο μήνυμα ?-{3,})$"
    ),
    # Outlook in Greek: a block of two or more of these header lines.
    "from_header": (
        r"((?:(?:^|\n|\n" + QUOTED_MATCH_INCLUDE
        + r")[* ]*(?:Από|Στάλθηκε|Προς|Θέμα|Ημερομηνία|Κοιν\.?|Κοινοποίηση|Cc):[ *]*"
        r"(?:\s{,2}).*){2,}(?:\n.*){,1})"
    ),
    "disclaimers": [r"ΕΜΠΙΣΤΕΥΤΙΚΟ:", r"Αποποίηση ευθύνης:"],
    "signatures": [
        r"Με (?:εκτίμηση|τιμή|φιλικούς χαιρετισμούς|φιλικούς χαιρετισμούς)[,.]?" + _LINE_END,
        r"(?:Φιλικά|Χαιρετισμούς|Χαιρετώ)[,.!]?" + _LINE_END,
        r"(?:Ευχαριστώ|Ευχαριστούμε)(?: πολύ| εκ των προτέρων)?[,.!]?" + _LINE_END,
    ],
    "sent_from": "Εστάλη από|Στάλθηκε από",
}

_ENGLISH_SIGNATURES = [
    r"(?:Best|Kind|Warm)? ?regards[,.!]?" + _LINE_END,
    r"(?:Thanks|Thank you|Many thanks|Cheers|Best)[,.!]?" + _LINE_END,
    r"All the best[,.!]?" + _LINE_END,
]

_LANGUAGES = ["el", "en"]
_QUOTED_LINE = re.compile(r"^\s*>")


class _Reply(EmailMessage):
    """mail-parser-reply's message with the Greek patterns and stricter signatures."""

    def _get_language_regex(self, language: str, regex_key: str) -> str:
        if language == "el":
            value = _GREEK.get(regex_key, "")
            return "|".join(value) if isinstance(value, list) else value
        if language == "en" and regex_key == "signatures":
            return "|".join(_ENGLISH_SIGNATURES)
        if language in MAIL_LANGUAGES:
            return super()._get_language_regex(language, regex_key)
        return ""


def _without_trailing_quote(text: str) -> str:
    lines = text.split("\n")
    while lines and (not lines[-1].strip() or _QUOTED_LINE.match(lines[-1])):
        lines.pop()
    return "\n".join(lines)


def reply_clean(text: str) -> str:
    """The newest part of an e-mailed reply; ``text`` itself when nothing would be left."""
    if not text or not text.strip():
        return text
    try:
        message = _Reply(text=text, languages=list(_LANGUAGES), keep_hyphen_lists=True).read()
        newest = message.replies[0].body if message.replies else text
    except (re.error, IndexError, ValueError):  # a library regression must never lose text
        logger.exception("reply parsing failed; keeping the whole text")
        return text
    newest = _without_trailing_quote(newest).strip()
    return newest or text
