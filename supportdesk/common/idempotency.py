"""One-time form tokens: a money form posted twice, retried or posted at once does one thing.

The page renders a signed token (``{% form_token "scope" %}`` or :func:`issue`) bound to
the user and to what the form does; nothing is written on GET. The POST calls
:func:`run_once`, which claims the token (a :class:`~supportdesk.common.models.FormToken`
row with a unique key) inside the same transaction as the write: of two posts with one
token the second waits for the first's commit on PostgreSQL (SQLite queues the writers),
finds the key taken and gets the first result's reference instead of writing again. A
write that fails rolls its claim back, so the form can be sent again. A token of another
user or form, tampered with or older than :data:`MAX_AGE`, is refused (docs/security.md
#41). Work entries keep their own key on the row (#27); this is the same idea for the
forms whose effect spans several rows.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, TypeVar

from django.contrib import messages
from django.core import signing
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supportdesk.common.api_idempotency import idempotency_keys_purge
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.models import FormToken
from supportdesk.common.transactions import with_lock_retry

FIELD = "form_token"
MAX_AGE = 24 * 3600  # seconds a rendered form stays valid
_SALT = "supportdesk.form-token"

TOKEN_INVALID = _("This form is no longer valid (expired, or opened by someone else). "
                  "Nothing was saved; reload the page and try again.")
ALREADY_DONE = _("This form had already been sent; nothing was done twice. Here is its result.")
UNDER_WAY = _("This form has already been sent and is still being processed; nothing was "
              "done twice.")

T = TypeVar("T")


def _scope(scope: str, *parts) -> str:
    return ":".join([scope, *(str(p) for p in parts)])


def issue(user, scope: str, *parts) -> str:
    """A fresh token for one rendering of the form ``scope`` (plus ``parts``) for ``user``."""
    return signing.dumps({"u": user.pk, "s": _scope(scope, *parts),
                          "k": secrets.token_hex(16)}, salt=_SALT, compress=False)


def verify(token: str, *, user, scope: str, parts: tuple = ()) -> str:
    """The key inside ``token`` if it was issued to ``user`` for ``scope``; else refused."""
    try:
        data = signing.loads(token or "", salt=_SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        raise ApplicationError(TOKEN_INVALID, code="form_token") from None
    if not isinstance(data, dict) or data.get("u") != user.pk \
            or data.get("s") != _scope(scope, *parts) or not isinstance(data.get("k"), str):
        raise ApplicationError(TOKEN_INVALID, code="form_token")
    return data["k"]


@dataclass(frozen=True)
class Outcome(Generic[T]):
    result: T | None  # what the write returned; None on a replay
    reference: str  # where the (first) result is shown, e.g. a URL; "" while under way
    replayed: bool


def _taken(key: str) -> Outcome:
    row = FormToken.objects.filter(key=key).values_list("reference", flat=True).first()
    return Outcome(None, row or "", True)


def run_once(token: str | None, *, user, scope: str, parts: tuple = (),
             write: Callable[[], T], reference: Callable[[T], str],
             atomic: bool = True) -> Outcome[T]:
    """Run ``write`` once per ``token``; a repeat gets the first result's reference.

    ``atomic``: claim and write in one transaction (the write's own ``atomic`` blocks nest
    in it). ``atomic=False`` is for a write made of many transactions (the billing run):
    the claim is committed first, then the write runs; if it fails the claim is released.
    A post without a token (an old page, a script) is refused like a bad one: every form
    that moves money renders one.
    """
    key = verify(token, user=user, scope=scope, parts=parts)
    full_scope = _scope(scope, *parts)[:200]

    def claim() -> FormToken | None:
        try:
            with transaction.atomic():  # a savepoint when inside the write's transaction
                return FormToken.objects.create(key=key, user_id=user.pk, scope=full_scope)
        except IntegrityError:
            return None  # taken: the other post has committed (PostgreSQL waited for it)

    if not atomic:
        row = with_lock_retry(claim)
        if row is None:
            return _taken(key)
        try:
            result = write()
        except BaseException:
            FormToken.objects.filter(pk=row.pk).delete()
            raise
        row.reference = reference(result)[:300]
        row.save(update_fields=["reference"])
        return Outcome(result, row.reference, False)

    def attempt() -> Outcome[T]:
        with transaction.atomic():
            row = claim()
            if row is None:
                return _taken(key)
            result = write()
            row.reference = reference(result)[:300]
            row.save(update_fields=["reference"])
            return Outcome(result, row.reference, False)

    return with_lock_retry(attempt)


def posted(request) -> str:
    """The token a POST carries (empty when the client sent none)."""
    return request.POST.get(FIELD, "")


def replay_response(request, outcome: Outcome, fallback: str):
    """A repeat: say nothing was done twice and show the first result (or ``fallback``)."""
    messages.info(request, ALREADY_DONE if outcome.reference else UNDER_WAY)
    return redirect(outcome.reference or fallback)


def form_tokens_purge(*, now=None) -> int:
    """Delete the claims older than :data:`MAX_AGE`: their tokens are refused by
    :func:`verify` anyway, so a late repeat still writes nothing. The same daily job drops
    the API's ``Idempotency-Key`` rows older than a key lives (#48). Returns how many went."""
    cutoff = (now or timezone.now()) - timedelta(seconds=MAX_AGE)
    deleted, _rows = FormToken.objects.filter(created_at__lt=cutoff).delete()
    return deleted + idempotency_keys_purge(now=now)
