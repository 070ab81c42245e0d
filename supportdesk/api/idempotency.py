"""Every POST of the API honours ``Idempotency-Key`` (docs/security.md #48).

One hook for the whole API: ``api.add_decorator(idempotent_posts, mode="view")`` in
``supportdesk/api/urls.py`` wraps each operation's ``run`` (the whole request: checks,
input, view and serialised answer), so a new POST endpoint gets the guarantee without
anything of its own, and the OpenAPI schema lists the header and the 409 answer of each
POST. The session and CSRF checks run before a key is looked at, so a
request the API would refuse (401, 403) never reads or claims one; the rest is
:func:`supportdesk.common.api_idempotency.idempotent`.
"""

import functools
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from supportdesk.common.api_idempotency import HEADER, MAX_KEY_LENGTH, idempotent

from .errors import error_response

BODY_TOO_LARGE_FOR_KEY = _("A request with an Idempotency-Key may have a body of at most "
                           "2 MB; send a larger upload without the key.")

# What the schema says of the header and of the answers it adds (400 and 422 are already
# documented for every operation; 409 only for the POSTs).
_HEADER_PARAMETER = {
    "name": HEADER, "in": "header", "required": False,
    "description": (
        "Optional. A retry with the same key and body gets the first answer again "
        "(header Idempotent-Replayed: true) and writes nothing; another body or path with "
        "the key is a 422, a retry while the first is still running a 409. Keys are per "
        "user and kept 24 hours."),
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH,
               "pattern": "^[\\x20-\\x7E]+$"},
}
_CONFLICT = {
    "description": "A request with this Idempotency-Key is still being processed.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}


def _document(operation) -> None:
    extra = dict(operation.openapi_extra or {})
    extra["parameters"] = [*extra.get("parameters", []), _HEADER_PARAMETER]
    extra["responses"] = {**extra.get("responses", {}), 409: _CONFLICT}
    operation.openapi_extra = extra


def idempotent_posts(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``run`` of one operation, made idempotent by key when the operation is a POST."""
    operation = getattr(run, "__self__", None)
    if operation is None or "POST" not in operation.methods:
        return run
    _document(operation)
    once = idempotent(run)

    @functools.wraps(run)
    def checked(request: HttpRequest, **kwargs) -> HttpResponse:
        if HEADER in request.headers:
            # The key's fingerprint hashes the raw body; read it now, before the CSRF
            # check parses a multipart body from the stream (after which the raw body is
            # gone). Bounded by DATA_UPLOAD_MAX_MEMORY_SIZE: a larger body with a key is a
            # 413 (send big uploads without one, or smaller).
            try:
                request.body  # noqa: B018 - cached on the request for the fingerprint
            except RequestDataTooBig:
                return error_response(413, "too_large", BODY_TOO_LARGE_FOR_KEY)
        # Authentication and CSRF first (``run`` repeats them: cheap and side-effect free
        # for the session authentication the API uses; it has no throttles).
        refused = operation._run_checks(request)
        if refused is not None:
            return refused
        return once(request, **kwargs)

    checked.idempotent = True  # the route test checks every POST carries it
    return checked
