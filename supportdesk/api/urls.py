"""The REST API (django-ninja): one NinjaAPI, a router per app, OpenAPI at /api/docs.

Authentication is the Django session (with CSRF on writes, as for the HTML forms); every
object is read through the same permission-scoped selectors as the web pages, so a
customer user gets 404 for another company's ids (docs/security.md #1, #37). Every POST
honours an ``Idempotency-Key`` header (supportdesk/api/idempotency.py, #48).
"""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth

from supportdesk.api.idempotency import idempotent_posts
from supportdesk.api.tickets import router as tickets_router
from supportdesk.common.exceptions import ApplicationError

api = NinjaAPI(
    title="supportdesk API", version="1", urls_namespace="api", auth=django_auth,
    docs_url="/docs",
)
# Every POST honours an Idempotency-Key header (docs/security.md #48): one hook, so a new
# POST endpoint needs nothing of its own.
api.add_decorator(idempotent_posts, mode="view")


@api.exception_handler(ApplicationError)
def application_error(request, exc: ApplicationError):
    return api.create_response(request, {"detail": str(exc.message), "code": exc.code},
                               status=400)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(NinjaValidationError)
def invalid_input(request, exc: NinjaValidationError):
    return api.create_response(request, {"detail": "Invalid input.", "errors": exc.errors},
                               status=422)


api.add_router("/v1/tickets", tickets_router)
