"""Article text: Markdown rendered safely, search terms, and highlighted snippets.

Markdown (Python-Markdown) lets authors write raw HTML, so its output is always cleaned by
``nh3`` with an allowlist: no script, no event handlers, no ``javascript:`` links, images
only from this article's own files (docs/security.md #9, #57). Files are written in the text
as ``kb:<uuid>`` and become the URL of the permission-checked view of whoever reads.
Snippets are built from the original text, escaped piece by piece, and only then marked.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import markdown
import nh3
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from supportdesk.common.text import clean_text, fold

_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code",
    "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th",
    "td", "kbd", "del", "sup", "sub",
}
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"},
               "th": {"align"}, "td": {"align"}}
_FILE_REF = re.compile(r"kb:([0-9a-f]{32}|[0-9a-f-]{36})", re.IGNORECASE)
MAX_TERMS = 8
_TERM = re.compile(r"\w+")


def render_markdown(source: str, *, file_url: Callable[[str], str | None]) -> SafeString:
    """HTML of an article's Markdown. ``file_url(uuid)`` gives the URL of one of its files
    for this reader (``None``: not one of them, the reference is dropped)."""
    allowed_images: set[str] = set()

    def replace(match: re.Match) -> str:
        url = file_url(match.group(1).replace("-", "").lower())
        if url is None:
            return "#"
        allowed_images.add(url)
        return url

    text = _FILE_REF.sub(replace, clean_text(source))
    html = markdown.markdown(text, extensions=["tables", "fenced_code", "sane_lists"],
                             output_format="html")

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        # An image from elsewhere would tell a third party who reads the article.
        if tag == "img" and attribute == "src" and value not in allowed_images:
            return None
        return value

    cleaned = nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES,
                        url_schemes={"http", "https", "mailto"},
                        link_rel="noopener noreferrer nofollow",
                        attribute_filter=attribute_filter)
    return mark_safe(cleaned)  # nosec B308 B703 - nh3 cleaned it with the allowlist above


_MD_NOISE = re.compile(r"!\[[^\]]*\]\([^)]*\)|\]\([^)]*\)|[`*_#>|~\[]+|^\s*[-+]\s+", re.M)


def plain_text(source: str) -> str:
    """The Markdown without its markup, for snippets and for pasting as a reply."""
    return " ".join(_MD_NOISE.sub(" ", clean_text(source)).split())


_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")


def reply_text(source: str) -> str:
    """The Markdown as a plain-text reply: readable as it is, without its images."""
    return _IMAGE.sub("", clean_text(source)).strip()


def search_terms(query: str) -> list[str]:
    """The folded words of a query (at most eight, each at most 40 characters)."""
    return [t[:40] for t in _TERM.findall(fold(query or ""))][:MAX_TERMS]


@functools.lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFD", ch)
    return "".join(x for x in decomposed if not unicodedata.combining(x)).casefold()


def _folded_with_map(text: str) -> tuple[str, list[int]]:
    """``text`` folded character by character, with each folded character's position in
    ``text`` (folding may drop accents or turn one character into two)."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = _fold_char(ch)
        out.append(folded)
        where.extend([i] * len(folded))
    return "".join(out), where


@dataclass(frozen=True)
class Snippet:
    """Pieces of the original text, each with whether it matched a search term."""

    parts: tuple[tuple[str, bool], ...]

    def html(self) -> SafeString:
        """Each piece escaped, the matches in ``<mark>``."""
        return format_html_join("", "{}", ((
            format_html("<mark>{}</mark>", text) if hit else escape(text),)
            for text, hit in self.parts))

    def as_json(self) -> list[list]:
        return [[text, hit] for text, hit in self.parts]


def snippet(text: str, terms: list[str], *, width: int = 160) -> Snippet:
    """A window of ``text`` around its first match, every match of ``terms`` marked
    (accent-, case- and final-sigma-insensitive, like the search)."""
    text = " ".join(text.split())
    if not terms:
        cut = text[:width]
        return Snippet(parts=((cut + ("…" if len(text) > width else ""), False),))
    folded, where = _folded_with_map(text)
    spans: list[tuple[int, int]] = []
    for term in terms:
        start = folded.find(term)
        while start != -1:
            spans.append((where[start], where[start + len(term) - 1] + 1))
            start = folded.find(term, start + len(term))
    spans.sort()
    merged: list[list[int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    first = merged[0][0] if merged else 0
    lo = max(0, first - width // 3)
    if lo:
        space = text.rfind(" ", 0, lo)
        lo = space + 1 if space != -1 and lo - space < 20 else lo
    hi = min(len(text), lo + width)
    parts: list[tuple[str, bool]] = []
    if lo:
        parts.append(("…", False))
    pos = lo
    for start, end in merged:
        if end <= lo or start >= hi:
            continue
        a, b = max(start, lo), min(end, hi)
        if a > pos:
            parts.append((text[pos:a], False))
        parts.append((text[a:b], True))
        pos = b
    if pos < hi:
        parts.append((text[pos:hi], False))
    if hi < len(text):
        parts.append(("…", False))
    return Snippet(parts=tuple(parts))
