"""``Idempotency-Key`` for the machine API's writes: a POST retried does its write once.

What the one-time form tokens (:mod:`supportdesk.common.idempotency`) do for the money
forms, the ``Idempotency-Key`` request header does for API clients (the IETF httpapi draft
"The Idempotency-Key HTTP Header Field", and Stripe's behaviour; docs/security.md #48):

* no header: the request runs as it always did;
* a key (1-255 printable ASCII characters; the draft's quoted sf-string form ``"k"`` is
  read as ``k``) seen for the first time: the request runs, and its status code and body
  are stored in an :class:`~supportdesk.common.models.IdempotencyKey` row claimed *in the
  same transaction as the write* (as ``run_once`` claims a ``FormToken``). Only a 2xx answer
  is kept: a refused or failed write (any 4xx or 5xx) rolls back with its claim, so the
  client may fix the request and send it again with the same key;
* the same key again, same method, path and body: the stored answer (same status, same
  body) with ``Idempotent-Replayed: true``; nothing runs;
* the same key with another body, method or path: 422, nothing runs;
* the same key while the first request is still running: 409 on PostgreSQL (a transaction
  advisory lock on the user and key, tried without waiting); SQLite queues writers at
  ``BEGIN IMMEDIATE``, so there the repeat waits for the first's commit and is replayed;
* a malformed key: 400.

Keys belong to the user who sent them (unique per user and key: another user's identical
key is independent) and live :data:`KEY_MAX_AGE`; the daily form-token purge deletes the
older ones (:func:`supportdesk.common.idempotency.form_tokens_purge`), and an expired row
found before it ran counts as absent.

:func:`idempotent` wraps any Django-style view ``(request, *args, **kwargs) -> HttpResponse``;
the API applies it to every POST operation in one place (``supportdesk/api/urls.py``).
"""

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.common.models import IdempotencyKey
from supportdesk.common.transactions import with_lock_retry

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
KEY_MAX_AGE = 24 * 3600  # seconds a key (and its stored answer) is kept
_IN_PROGRESS = 0  # status_code of a claim whose write has not finished (never committed)

KEY_INVALID = _("The Idempotency-Key header must be 1 to 255 printable ASCII characters. "
                "Nothing was done.")
KEY_REUSED = _("This Idempotency-Key was already used for a different request (another "
               "body, method or path). Nothing was done; use a new key for a new request.")
KEY_IN_PROGRESS = _("A request with this Idempotency-Key is still being processed. Nothing "
                    "was done twice; retry in a moment to get its answer.")


def _error(message, code: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": str(message), "code": code}, status=status)


def parse_key(raw: str) -> str | None:
    """The key a header value carries, or None if it is not 1-255 printable ASCII."""
    if len(raw) >= 2 and raw[0] == raw[-1] == '"' and not set(raw[1:-1]) & {'"', "\\"}:
        raw = raw[1:-1]  # the draft's sf-string form: "key"
    if not 1 <= len(raw) <= MAX_KEY_LENGTH or not all(" " <= ch <= "~" for ch in raw):
        return None
    return raw


def request_fingerprint(request: HttpRequest) -> str:
    """A hash of what the request asks for: its query string and body (JSON compared by
    value, so whitespace or key order of a re-serialised body do not matter)."""
    body = request.body
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body
    digest = hashlib.sha256()
    digest.update(request.META.get("QUERY_STRING", "").encode())
    digest.update(b"\0")
    digest.update(canonical)
    return digest.hexdigest()


def _lock_id(user_id: int, key: str) -> int:
    """A signed 64-bit advisory-lock id for the user's key."""
    raw = hashlib.sha256(f"supportdesk.idempotency:{user_id}:{key}".encode()).digest()[:8]
    return int.from_bytes(raw, "big", signed=True)


def _try_lock(user_id: int, key: str) -> bool:
    """PostgreSQL: take the key's transaction advisory lock without waiting (False: another
    request holds it, i.e. is still running). Elsewhere True: SQLite serialises writers."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_lock_id(user_id, key)])
        return bool(cursor.fetchone()[0])


def _replay(row: IdempotencyKey, *, method: str, path: str, fingerprint: str) -> HttpResponse:
    if row.status_code == _IN_PROGRESS:  # pragma: no cover - a claim is never committed so
        return _error(KEY_IN_PROGRESS, "idempotency_key_in_progress", 409)
    if (row.method, row.path, row.request_hash) != (method, path, fingerprint):
        return _error(KEY_REUSED, "idempotency_key_reused", 422)
    response = HttpResponse(row.response_body, status=row.status_code,
                            content_type=row.content_type or "application/json")
    response[REPLAYED_HEADER] = "true"
    return response


def run_idempotent(request: HttpRequest, *, key: str,
                   respond: Callable[[], HttpResponse]) -> HttpResponse:
    """Answer ``request`` (made by ``request.user`` with ``key``) once: ``respond()`` runs in
    one transaction with the key's claim; a repeat gets the stored answer (module doc)."""
    user_id = request.user.pk
    method, path = request.method, request.path[:300]
    fingerprint = request_fingerprint(request)
    keys = IdempotencyKey.objects.filter(user_id=user_id, key=key)

    def attempt() -> HttpResponse:
        with transaction.atomic():
            if not _try_lock(user_id, key):
                return _error(KEY_IN_PROGRESS, "idempotency_key_in_progress", 409)
            row = keys.first()
            if row is not None and row.created_at < timezone.now() - timedelta(
                    seconds=KEY_MAX_AGE):
                row.delete()  # expired, not purged yet: the key is free again
                row = None
            if row is not None:
                return _replay(row, method=method, path=path, fingerprint=fingerprint)
            try:
                with transaction.atomic():  # a savepoint: a lost race leaves ours usable
                    claim = IdempotencyKey.objects.create(
                        user_id=user_id, key=key, method=method, path=path,
                        request_hash=fingerprint, status_code=_IN_PROGRESS)
            except IntegrityError:
                # The other request committed first (PostgreSQL waited for it at the insert).
                return _replay(keys.get(), method=method, path=path, fingerprint=fingerprint)
            response = respond()
            if not 200 <= response.status_code < 300 or response.streaming:
                # Refused or failed: nothing of it is kept, not even the claim, so the
                # client can correct the request and send it again with the same key.
                transaction.set_rollback(True)
                return response
            claim.status_code = response.status_code
            claim.content_type = response.get("Content-Type", "")[:100]
            claim.response_body = response.content.decode(response.charset or "utf-8")
            claim.save(update_fields=["status_code", "content_type", "response_body"])
            return response

    return with_lock_retry(attempt)


def idempotent(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Honour ``Idempotency-Key`` on a view's POSTs by an authenticated user (module doc).

    Other methods, anonymous callers and requests without the header pass straight through.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        raw = request.headers.get(HEADER)
        user = getattr(request, "user", None)
        if raw is None or request.method != "POST" or user is None \
                or not user.is_authenticated:
            return view(request, *args, **kwargs)
        key = parse_key(raw)
        if key is None:
            return _error(KEY_INVALID, "idempotency_key_invalid", 400)
        return run_idempotent(request, key=key,
                              respond=lambda: view(request, *args, **kwargs))

    return wrapper


def idempotency_keys_purge(*, now=None) -> int:
    """Delete the keys older than :data:`KEY_MAX_AGE`; returns how many went."""
    cutoff = (now or timezone.now()) - timedelta(seconds=KEY_MAX_AGE)
    deleted, _rows = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
