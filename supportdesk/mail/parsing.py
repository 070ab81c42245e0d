"""Reading a raw e-mail with the standard library (``email``, ``policy.default``).

Pure reading, no database: returns a ``ParsedMail`` or raises ``MailParseError`` with a reason
key. Greek in windows-1253 / ISO-8859-7 / UTF-8 bodies and RFC 2047 subjects is decoded by the
stdlib; an unknown or lying charset falls back to UTF-8, then windows-1253, with replacement
characters rather than a failure. text/plain is preferred; an HTML-only mail is turned into
text with nh3 (every tag stripped, script/style content dropped).
"""

from __future__ import annotations

import email
import html
import re
from dataclasses import dataclass, field
from email import errors as email_errors
from email import policy
from email.message import EmailMessage

import nh3

from supportdesk.common.text import clean_text

from . import models as m


class MailParseError(Exception):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(detail or reason)
        self.reason = reason
        self.detail = detail


@dataclass
class MailPart:
    filename: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    message_id: str
    from_address: str
    subject: str
    references: str
    body: str
    attachments: list[MailPart] = field(default_factory=list)
    loop_reason: str = ""
    #: (method, result, properties) of the Authentication-Results headers whose authserv-id
    #: is ours (``mail_parse(authserv_id=...)``); every other such header is ignored.
    auth_results: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)


# Defects that mean the MIME tree cannot be trusted (the parts are not where they claim).
_FATAL_DEFECTS = (
    email_errors.NoBoundaryInMultipartDefect,
    email_errors.StartBoundaryNotFoundDefect,
    email_errors.MultipartInvariantViolationDefect,
)
_BULK = {"bulk", "junk", "list"}
_BOUNCE_SENDERS = {"mailer-daemon", "postmaster"}
_BLOCK_TAGS = re.compile(r"<\s*(br|/p|/div|/tr|/li|/h[1-6]|p|li|tr)\b[^>]*>", re.IGNORECASE)


def _header(msg, name: str) -> str:
    value = msg.get(name)
    return "" if value is None else clean_text(str(value)).strip()


def _flat(text: str) -> str:
    return " ".join(clean_text(text).split())


def _decode(part) -> str:
    """Text of a leaf part, whatever its charset says."""
    try:
        content = part.get_content()
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeError, ValueError, AssertionError, KeyError):
        pass
    payload = part.get_payload(decode=True) or b""
    for charset in (part.get_content_charset() or "utf-8", "utf-8", "cp1253"):
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeError):
            continue
    return payload.decode("utf-8", errors="replace")


def html_to_text(markup: str) -> str:
    """Plain text of an HTML body: line breaks for block ends, every tag removed."""
    marked = _BLOCK_TAGS.sub("\n", markup)
    stripped = nh3.clean(marked, tags=set(), attributes={}, strip_comments=True)
    text = html.unescape(stripped)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    # At most one empty line in a row.
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def _is_attachment(part) -> bool:
    if part.is_multipart():
        return False
    disposition = part.get_content_disposition()
    if disposition == "attachment":
        return True
    if part.get_filename():
        return True
    return part.get_content_maintype() not in ("text", "multipart")


def _loop_reason(msg, from_address: str, own: set[str]) -> str:
    auto = _header(msg, "Auto-Submitted").split(";")[0].strip().lower()
    if auto and auto != "no":
        return m.REASON_AUTO_SUBMITTED
    if _header(msg, "Precedence").lower() in _BULK:
        return m.REASON_BULK
    if msg.get("X-Autoreply") is not None or msg.get("X-Autorespond") is not None:
        return m.REASON_AUTOREPLY
    if (msg.get_content_type() == "multipart/report"
            and (msg.get_param("report-type") or "").lower() == "delivery-status"):
        return m.REASON_BOUNCE
    if from_address.split("@", maxsplit=1)[0] in _BOUNCE_SENDERS:
        return m.REASON_BOUNCE
    if from_address and from_address in own:
        return m.REASON_OWN_ADDRESS
    return ""


_COMMENT = re.compile(r"\([^()]*\)")


def _without_comments(text: str) -> str:
    previous = None
    while previous != text:  # nested comments, innermost first
        previous, text = text, _COMMENT.sub(" ", text)
    return text


def auth_results(msg, authserv_id: str) -> list[tuple[str, str, dict[str, str]]]:
    """The results (RFC 8601) of the Authentication-Results headers added by ``authserv_id``.

    Anyone can write such a header into a mail; only the one our receiving server adds
    (and which it removes from incoming mail, RFC 8601 section 5) is read. Empty
    ``authserv_id``: none is read.
    """
    wanted = authserv_id.strip().lower()
    if not wanted:
        return []
    out: list[tuple[str, str, dict[str, str]]] = []
    for value in msg.get_all("Authentication-Results") or []:
        parts = [p.strip() for p in _without_comments(_flat(str(value))).split(";")]
        head = parts[0].split()
        if not head or head[0].lower() != wanted:
            continue
        for part in parts[1:]:
            tokens = part.split()
            if not tokens or "=" not in tokens[0]:
                continue
            method, _, result = tokens[0].partition("=")
            props = {}
            for token in tokens[1:]:
                key, sep, val = token.partition("=")
                if sep and "." in key:
                    props[key.lower()] = val.strip('"').lower()
            out.append((method.split("/")[0].lower(), result.lower(), props))
    return out


def _from_address(msg) -> str:
    header = msg.get("From")
    if header is None:
        return ""
    addresses = getattr(header, "addresses", ())
    if len(addresses) != 1:
        return ""
    address = (addresses[0].addr_spec or "").strip().lower()
    if (not address or "@" not in address or any(c in address for c in "\r\n <>,;")
            or len(address) > 254):
        return ""
    return address


def mail_parse(raw: bytes, *, own_addresses: set[str], authserv_id: str = "") -> ParsedMail:
    """Parse ``raw``; raise MailParseError(reason) when it cannot be trusted."""
    if not raw or not raw.strip():
        raise MailParseError(m.REASON_UNPARSEABLE, "empty message")
    msg: EmailMessage = email.message_from_bytes(raw, policy=policy.default)
    if not msg.keys():
        raise MailParseError(m.REASON_UNPARSEABLE, "no headers")
    defects = list(msg.defects)
    for part in msg.walk():
        defects.extend(part.defects)
    fatal = [d for d in defects if isinstance(d, _FATAL_DEFECTS)]
    if fatal:
        raise MailParseError(m.REASON_BROKEN_MIME, type(fatal[0]).__name__)

    from_address = _from_address(msg)
    message_id = _flat(_header(msg, "Message-ID"))[:255]
    subject = _flat(_header(msg, "Subject"))
    references = " ".join([_header(msg, "In-Reply-To"), _header(msg, "References")])
    parsed = ParsedMail(message_id=message_id, from_address=from_address, subject=subject,
                        references=references, body="")
    parsed.loop_reason = _loop_reason(msg, from_address, own_addresses)
    parsed.auth_results = auth_results(msg, authserv_id)
    if parsed.loop_reason:
        return parsed

    plain: list[str] = []
    rich: list[str] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        if _is_attachment(part):
            data = part.get_payload(decode=True) or b""
            parsed.attachments.append(MailPart(
                filename=_flat(part.get_filename() or ""), content_type=part.get_content_type(),
                data=data))
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain":
            plain.append(_decode(part))
        elif ctype == "text/html":
            rich.append(html_to_text(_decode(part)))
    if plain:
        body = "\n\n".join(t.strip() for t in plain if t.strip())
    else:
        body = "\n\n".join(t for t in rich if t)
    parsed.body = clean_text(body.replace("\r\n", "\n")).strip()
    return parsed
