"""One error shape for every answer of the API that is not a success:

    {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}

``code`` is a stable machine key, ``message`` a sentence for people (in the request's
language), ``fields`` maps an input field to its messages (validation errors; empty
otherwise). The exception handlers in ``supportdesk/api/urls.py`` give this shape to what
the operations raise; :class:`ApiErrorShapeMiddleware` gives it to what is answered before
or around them (the two-factor gate, the Idempotency-Key layer, an unknown path, a method
not allowed, an unhandled exception), so no client ever has to parse two shapes.
"""

import json
import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from ninja import Schema

log = logging.getLogger("supportdesk.api")

API_PREFIX = "/api/"

MESSAGES = {
    400: _("The request was refused."),
    401: _("Authentication required: send Authorization: Bearer <token>."),
    403: _("You may not do this."),
    404: _("Not found."),
    405: _("This method is not allowed here."),
    409: _("Conflict: the request clashes with the current state."),
    413: _("The request is too large."),
    415: _("Unsupported media type."),
    422: _("Invalid input."),
    429: _("Too many requests: slow down and retry after the time given in Retry-After."),
    500: _("Internal error: nothing was changed; it has been logged."),
}
CODES = {
    400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large",
    415: "unsupported_media_type", 422: "invalid_input", 429: "rate_limited",
    500: "internal_error",
}


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    """Every error answer (400, 401, 403, 404, 409, 422, 429, 500)."""

    error: ErrorBody


class ApiError(Exception):
    """Raised by the API's own plumbing (scopes, rate limit) for a given status."""

    def __init__(self, status: int, code: str, message=None, *, headers: dict | None = None):
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message if message is not None else MESSAGES.get(status, "")
        self.headers = headers or {}


def error_payload(code: str, message, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message),
                      "fields": {k: [str(m) for m in v] for k, v in (fields or {}).items()}}}


def error_response(status: int, code: str | None = None, message=None,
                   fields: dict | None = None, headers: dict | None = None) -> JsonResponse:
    response = JsonResponse(error_payload(code or CODES.get(status, "error"),
                                          message if message is not None
                                          else MESSAGES.get(status, ""), fields),
                            status=status, json_dumps_params={"ensure_ascii": False})
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def validation_fields(errors: list[dict]) -> dict[str, list[str]]:
    """pydantic's error list as ``{"subject": ["..."]}`` (the location after body/query)."""
    fields: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header", "form", "file"):
            loc = loc[1:]
        if loc and loc[0] == "payload":
            loc = loc[1:]
        name = ".".join(loc) or "__all__"
        fields.setdefault(name, []).append(str(error.get("msg", "")))
    return fields


def _is_shaped(data) -> bool:
    return isinstance(data, dict) and isinstance(data.get("error"), dict) \
        and "code" in data["error"]


class ApiErrorShapeMiddleware:
    """Under /api/: any error answer not yet in the shape is rewritten into it, and an
    unhandled exception becomes a JSON 500 (logged with its traceback)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code < 400 \
                or getattr(response, "streaming", False):
            return response
        data = None
        if response.get("Content-Type", "").startswith("application/json"):
            try:
                data = json.loads(response.content or b"null")
            except ValueError:
                data = None
        if _is_shaped(data):
            return response
        code = message = None
        if isinstance(data, dict):
            code, message = data.get("code"), data.get("detail")
        shaped = error_response(response.status_code, code, message)
        for header in ("Retry-After", "Allow", "WWW-Authenticate", "Idempotent-Replayed"):
            if header in response:
                shaped[header] = response[header]
        return shaped

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not request.path.startswith(API_PREFIX):
            return None
        log.exception("API request failed", extra={"path": request.path})
        return error_response(500)
