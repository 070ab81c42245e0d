"""Attachments on a request: checked before a byte is stored (docs/security.md #8, #10, #21, #22).

A file is refused, with a clear message and nothing written, when it is too large, when its
extension is not on the allowlist, or when its content does not match its extension (an
``.exe`` renamed ``.pdf``, HTML in a ``.txt``). Accepted files are stored under a random
UUID outside the web root with mode 0640; the name the user gave is only display text,
sanitised here, and downloads always go through a permission-checked view.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass

import puremagic
from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from supportdesk.common.exceptions import ApplicationError
from supportdesk.tickets.models import Attachment, Message, Ticket, TicketEvent

from ._common import ensure_can_act, is_staff

ATTACHMENT_TOO_LARGE = _("The file is too large: %(size)s; the limit is %(limit)s.")
ATTACHMENT_EMPTY = _("The file is empty.")
ATTACHMENT_TYPE_NOT_ALLOWED = _(
    "Files of this type cannot be attached (%(ext)s). Allowed: %(allowed)s."
)
ATTACHMENT_CONTENT_MISMATCH = _(
    "The file's content does not match its extension %(ext)s; it was not attached."
)
ATTACHMENT_NO_FILE = _("Choose a file to attach.")
NOTE_STAFF_ONLY = _("Only our staff can add staff-only files.")

# Extension -> (content type we serve it as, extensions puremagic may report for it).
# Office formats are ZIP containers: puremagic reports the container for some of them.
_ZIP = {".zip"}
ALLOWED_TYPES: dict[str, tuple[str, frozenset[str] | None]] = {
    ".pdf": ("application/pdf", frozenset({".pdf"})),
    ".png": ("image/png", frozenset({".png"})),
    ".jpg": ("image/jpeg", frozenset({".jpg", ".jpeg", ".jpe", ".jfif"})),
    ".jpeg": ("image/jpeg", frozenset({".jpg", ".jpeg", ".jpe", ".jfif"})),
    ".gif": ("image/gif", frozenset({".gif"})),
    ".zip": ("application/zip", frozenset(_ZIP)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              frozenset({".docx"} | _ZIP)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              frozenset({".xlsx"} | _ZIP)),
    ".odt": ("application/vnd.oasis.opendocument.text", frozenset({".odt"} | _ZIP)),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", frozenset({".ods"} | _ZIP)),
    # Plain text has no signature: it must not look like anything else (HTML, SVG, an
    # executable) and must not contain NUL bytes.
    ".txt": ("text/plain; charset=utf-8", None),
    ".log": ("text/plain; charset=utf-8", None),
    ".csv": ("text/csv; charset=utf-8", None),
}
_SNIFF_BYTES = 8192
_NAME_MAX = 120
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
_UNSAFE_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
# Bidirectional overrides make "gpj.exe" look like "exe.jpg" (docs/security.md #35).
_BIDI = dict.fromkeys(
    [0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]
)


@dataclass(frozen=True)
class CheckedFile:
    name: str
    extension: str
    content_type: str
    size: int
    sha256: str


def sanitize_filename(raw: str) -> str:
    """A display name that is safe everywhere: no path, no control or bidi characters, no
    reserved device names, at most 120 characters with the extension kept."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\x00", "").translate(_BIDI)
    # Keep only the last path component whatever the separator (``../../x``, ``C:\\x``).
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE_CHARS.sub("_", name)
    name = name.strip().strip(".").strip()
    if not name:
        name = "file"
    if _WINDOWS_RESERVED.match(name):
        name = f"_{name}"
    stem, ext = os.path.splitext(name)
    if len(ext) > 16:  # not a real extension: keep it in the stem
        stem, ext = name, ""
    if len(name) > _NAME_MAX:
        name = stem[: _NAME_MAX - len(ext)].rstrip() + ext
    return name


def _allowed_list() -> str:
    return ", ".join(sorted(ext.lstrip(".") for ext in ALLOWED_TYPES))


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the sniff boundary is fine; anything else must
        # at least be legacy Greek text (windows-1253).
        if exc.start >= len(head) - 3:
            return True
        try:
            head.decode("cp1253")
        except UnicodeDecodeError:
            return False
    return True


def attachment_check(uploaded_file) -> CheckedFile:
    """Validate an upload without storing it; raise ApplicationError with the reason."""
    if uploaded_file is None:
        raise ApplicationError(ATTACHMENT_NO_FILE, code="attachment_missing")
    limit = settings.SUPPORTDESK_ATTACHMENT_MAX_BYTES
    size = uploaded_file.size or 0
    if size > limit:
        raise ApplicationError(
            ATTACHMENT_TOO_LARGE % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="attachment_too_large",
        )
    if size == 0:
        raise ApplicationError(ATTACHMENT_EMPTY, code="attachment_empty")
    name = sanitize_filename(uploaded_file.name)
    extension = os.path.splitext(name)[1].lower()
    if extension not in ALLOWED_TYPES:
        raise ApplicationError(
            ATTACHMENT_TYPE_NOT_ALLOWED % {"ext": extension or "—", "allowed": _allowed_list()},
            code="attachment_type",
        )
    content_type, signatures = ALLOWED_TYPES[extension]
    uploaded_file.seek(0)
    head = uploaded_file.read(_SNIFF_BYTES)
    try:
        found = {m.extension.lower() for m in puremagic.magic_string(head)}
    except puremagic.PureError:
        found = set()
    # Text has no signature: it must not look like anything else; binaries must match.
    ok = (not found and _looks_like_text(head)) if signatures is None else bool(
        found & signatures)
    if not ok:
        raise ApplicationError(
            ATTACHMENT_CONTENT_MISMATCH % {"ext": extension}, code="attachment_mismatch"
        )
    # Hash and count what is really there (a client's declared size is not trusted).
    digest = hashlib.sha256()
    real_size = 0
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
        real_size += len(chunk)
        if real_size > limit:
            raise ApplicationError(
                ATTACHMENT_TOO_LARGE
                % {"size": filesizeformat(real_size), "limit": filesizeformat(limit)},
                code="attachment_too_large",
            )
    uploaded_file.seek(0)
    return CheckedFile(name=name, extension=extension, content_type=content_type,
                       size=real_size, sha256=digest.hexdigest())


def attachment_add(
    *, ticket: Ticket, uploaded_file, by, is_internal: bool = False,
    message: Message | None = None,
) -> Attachment:
    """Attach a checked file to ``ticket`` (staff: any request, staff-only allowed; a customer
    user: its own company's requests). On any error nothing stays on disk or in the DB."""
    ensure_can_act(by, ticket)
    if is_internal and not is_staff(by):
        raise ApplicationError(NOTE_STAFF_ONLY, code="staff_only")
    checked = attachment_check(uploaded_file)
    attachment = Attachment(
        ticket=ticket, message=message, original_name=checked.name,
        content_type=checked.content_type, size_bytes=checked.size, sha256=checked.sha256,
        is_internal=is_internal, uploaded_by=by,
    )
    stored_name = None
    try:
        with transaction.atomic():
            # save=False: the row is saved once, below, after validation.
            attachment.file.save(checked.name, File(uploaded_file), save=False)
            stored_name = attachment.file.name
            _restrict_mode(attachment)
            attachment.full_clean()
            attachment.save()
            TicketEvent.objects.create(
                ticket=ticket, kind=TicketEvent.Kind.ATTACHMENT_ADDED, actor=by,
                is_internal=is_internal,
                data={"attachment": str(attachment.uuid), "name": checked.name,
                      "size": checked.size},
            )
    except BaseException:
        if stored_name:
            attachment.file.storage.delete(stored_name)
        raise
    return attachment


def _restrict_mode(attachment: Attachment) -> None:
    # FILE_UPLOAD_PERMISSIONS covers uploads saved by the storage; enforce it whatever the
    # deployment's settings say (docs/security.md #22: never world-readable).
    try:
        path = attachment.file.path
    except NotImplementedError:  # a remote storage: permissions are its business
        return
    os.chmod(path, 0o640)
