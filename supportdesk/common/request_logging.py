"""One structured log line per request, and the request id (``X-Request-ID``).

First in ``MIDDLEWARE``: it takes a valid ``X-Request-ID`` (visible ASCII, at most 64
characters) or makes one, makes it current (``supportdesk.common.request_id``) for the
request's logs, tasks and mails, returns it in the response header, and logs once when the
response is ready: request id, user id, route name (the resolver's view name, never the raw
path, which may hold ids or tokens), method, status and duration in milliseconds. The
formatting (JSON in production, readable in development) is the logging configuration's
(``config/settings/base.py``, structlog).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog
from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

from . import request_id

logger = structlog.get_logger("supportdesk.request")

UNMATCHED = "unmatched"


def route_name(request: HttpRequest) -> str:
    """The name of the URL pattern that served ``request`` (``desk:ticket``), or
    ``unmatched`` (a 404, static files); never the path itself."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    return match.view_name or UNMATCHED


def user_id(request: HttpRequest) -> int | None:
    """The authenticated user's id, read only when the request already loaded its user
    (a health check must not touch the database for the log line)."""
    user = request.__dict__.get("user")
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is empty:
        return None
    return getattr(wrapped, "pk", None) if getattr(wrapped, "is_authenticated", False) else None


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = request_id.clean(request.META.get(request_id.META_KEY)) or request_id.new()
        request.request_id = rid
        token = request_id.bind(rid)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response[request_id.HEADER] = rid
            return response
        finally:
            logger.info(
                "request",
                request_id=rid,
                user_id=user_id(request),
                route=route_name(request),
                method=request.method,
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )
            request_id.reset(token)
