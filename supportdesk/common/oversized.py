"""A form bigger than DATA_UPLOAD_MAX_MEMORY_SIZE answered by its own view, not a bare 400.

Django refuses such a body as soon as a view (or the CSRF check) reads ``request.POST``: the
browser gets a "Bad Request (400)" page and what was typed is gone. For a signed-in user
and a body up to SUPPORTDESK_FORM_MAX_BYTES, this middleware reads the body itself, so that
the view validates it as usual: a text over its field's ``max_length`` re-shows the form
with the limit and the text as typed (issue 14). A larger body, or an anonymous one, still
gets the 400 page (supportdesk/templates/400.html). Files in a multipart body are kept in
memory only in that case (the body is already bounded by the cap).
"""

from email import message_from_bytes
from email.policy import HTTP

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

DEFAULT_FORM_MAX_BYTES = 16 * 1024 * 1024


class OversizedFormMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._applies(request):
            _read_generously(request)
        return self.get_response(request)

    @staticmethod
    def _applies(request) -> bool:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request.method != "POST" or limit is None:
            return False
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return False
        cap = getattr(settings, "SUPPORTDESK_FORM_MAX_BYTES", DEFAULT_FORM_MAX_BYTES)
        user = getattr(request, "user", None)
        return limit < length <= cap and user is not None and user.is_authenticated


def _read_generously(request) -> None:
    content_type = request.content_type
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return
    request._body = request.read()
    if content_type == "application/x-www-form-urlencoded":
        request._post = QueryDict(request._body, encoding=request.encoding)
        request._files = MultiValueDict()
        return
    try:
        request.POST  # noqa: B018 - Django's parser: within its limits, files to disk as usual
    except RequestDataTooBig:
        request._post, request._files = _parse_multipart(request)


def _parse_multipart(request) -> tuple[QueryDict, MultiValueDict]:
    head = f"Content-Type: {request.META.get('CONTENT_TYPE', '')}\r\n\r\n".encode("latin-1")
    message = message_from_bytes(head + request._body, policy=HTTP)
    post = QueryDict(mutable=True, encoding=request.encoding)
    files = MultiValueDict()
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        filename = part.get_filename()
        payload = part.get_payload(decode=True) or b""
        if filename is None:
            post.appendlist(name, payload.decode(request.encoding or "utf-8", "replace"))
        elif filename:
            files.appendlist(name, SimpleUploadedFile(filename, payload,
                                                      part.get_content_type()))
    post._mutable = False
    return post, files
