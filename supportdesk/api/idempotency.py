"""Every POST of the API honours ``Idempotency-Key`` (docs/security.md #48).

One hook for the whole API: ``api.add_decorator(idempotent_posts, mode="view")`` in
``supportdesk/api/urls.py`` wraps each operation's ``run`` (the whole request: checks,
input, view and serialised answer), so a new POST endpoint gets the guarantee without
anything of its own. The session and CSRF checks run before a key is looked at, so a
request the API would refuse (401, 403) never reads or claims one; the rest is
:func:`supportdesk.common.api_idempotency.idempotent`.
"""

import functools
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from supportdesk.common.api_idempotency import idempotent


def idempotent_posts(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``run`` of one operation, made idempotent by key when the operation is a POST."""
    operation = getattr(run, "__self__", None)
    if operation is None or "POST" not in operation.methods:
        return run
    once = idempotent(run)

    @functools.wraps(run)
    def checked(request: HttpRequest, **kwargs) -> HttpResponse:
        # Authentication and CSRF first (``run`` repeats them: cheap and side-effect free
        # for the session authentication the API uses; it has no throttles).
        refused = operation._run_checks(request)
        if refused is not None:
            return refused
        return once(request, **kwargs)

    checked.idempotent = True  # the route test checks every POST carries it
    return checked
