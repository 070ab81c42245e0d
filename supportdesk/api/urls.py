"""The machine API (django-ninja): one NinjaAPI, a router per resource, under /api/v1/.

Authentication (supportdesk/api/auth.py): ``Authorization: Bearer`` with an API token
(scopes read, write, billing), or the browser's session with CSRF on writes. Every object
is read through the same permission-scoped selectors as the web pages and written through
the same services, so a customer's token gets 404 for another company's ids
(docs/security.md #1, #37, "API tokens"). Every POST honours an ``Idempotency-Key`` header
(supportdesk/api/idempotency.py, #48). Every error has one shape (supportdesk/api/errors.py),
every caller a rate limit (429 with Retry-After). The schema is /api/openapi.json; the
interactive docs are /api/v1/docs, for staff.
"""

import functools

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.urls import path
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.views import openapi_view

from supportdesk.common.exceptions import ApplicationError

from . import agreements, billing, knowledge, tickets, work
from .errors import ApiError, error_response, validation_fields
from .idempotency import idempotent_posts

api = NinjaAPI(
    title="supportdesk API", version="1", urls_namespace="api", docs_url=None,
    description=(
        "The support desk for machines. Authenticate with `Authorization: Bearer <token>` "
        "(make one under your account, page *API tokens*). Errors are always "
        '`{"error": {"code", "message", "fields"}}`; lists are cursor-paginated '
        "(`next_cursor`, at most 100 a page); each token is rate-limited (429, "
        "Retry-After); POSTs take an optional Idempotency-Key."),
)
# Every POST honours an Idempotency-Key header (docs/security.md #48): one hook, so a new
# POST endpoint needs nothing of its own.
api.add_decorator(idempotent_posts, mode="view")

# The refusals a service raises for "who you are" rather than "what you asked" are 403.
FORBIDDEN_CODES = frozenset({"not_staff", "not_manager", "not_allowed"})
MALFORMED_BODY = _("The request body could not be read (a multipart body needs its boundary).")
NOT_AUTHENTICATED = _("Authentication required: send Authorization: Bearer <token>, with a "
                      "token that is valid, not revoked and not expired.")


# The input field a service's refusal is about, for the codes that do not name one
# themselves (``ApplicationError.extra["field"]``), in the API's field names.
CODE_FIELDS = {
    "product_not_licensed": "product_id", "product_unknown": "product_id",
    "invalid_category": "category", "invalid_channel": "received_via",
    "invalid_priority": "priority", "invalid_status": "status",
    "status_unchanged": "status", "status_transition": "status",
    "assignee_not_staff": "assignee_id", "assignee_unchanged": "assignee_id",
}


@api.exception_handler(ApplicationError)
def application_error(request, exc: ApplicationError):
    field = exc.extra.get("field") or CODE_FIELDS.get(exc.code)
    return error_response(403 if exc.code in FORBIDDEN_CODES else 400, exc.code,
                          exc.message, {field: [exc.message]} if field else None)


@api.exception_handler(ApiError)
def api_error(request, exc: ApiError):
    return error_response(exc.status, exc.code, exc.message, headers=exc.headers)


@api.exception_handler(Http404)
def not_found(request, exc):
    return error_response(404)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return error_response(403)


@api.exception_handler(AuthenticationError)
def not_authenticated(request, exc):
    return error_response(401, "not_authenticated", NOT_AUTHENTICATED,
                          headers={"WWW-Authenticate": 'Bearer realm="supportdesk"'})


@api.exception_handler(NinjaValidationError)
def invalid_input(request, exc: NinjaValidationError):
    return error_response(422, "invalid_input", None, validation_fields(exc.errors))


@api.exception_handler(MultiPartParserError)
def malformed_multipart(request, exc):
    # A multipart body without its boundary (or broken): the client's fault, never a 500.
    return error_response(400, "malformed_body", MALFORMED_BODY)


@api.exception_handler(RequestDataTooBig)
def too_large(request, exc):
    return error_response(413)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    # django-ninja's own refusals: a failed CSRF check (403), a body it cannot parse (400)
    code = "csrf_failed" if exc.status_code == 403 else None
    return error_response(exc.status_code, code, str(exc) or None)


api.add_router("/v1/tickets", tickets.router)
api.add_router("/v1/tickets", work.router)
api.add_router("/v1/tickets", agreements.ticket_quotes_router)
api.add_router("/v1/attachments", tickets.attachments_router)
api.add_router("/v1/quotes", agreements.quotes_router)
api.add_router("/v1/releases", agreements.releases_router)
api.add_router("/v1/customers", billing.customers_router)
api.add_router("/v1/statements", billing.statements_router)
api.add_router("/v1/articles", knowledge.router)


def _staff_only(view):
    """The interactive docs are for staff (a session); others get a 404 in the API shape."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not getattr(request.user, "is_vendor_staff", False):
            return error_response(404)
        return view(request, *args, **kwargs)

    return wrapper


def api_urls() -> tuple:
    """What config/urls.py mounts at api/: the operations, the schema and the staff docs."""
    patterns, app_name, namespace = api.urls
    docs = path("v1/docs", _staff_only(functools.partial(openapi_view, api=api)),
                name="openapi-view")
    return [*patterns, docs], app_name, namespace
