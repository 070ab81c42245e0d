from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class GreekByDefaultMiddleware:
    """Greek is the product's default language whatever the browser prefers.

    Django's LocaleMiddleware would follow the browser's Accept-Language; our users pick
    English explicitly (the EL/EN switch sets the language cookie), so the header is
    dropped before LocaleMiddleware reads it. Must come before LocaleMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
