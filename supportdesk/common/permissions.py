"""Who may reach what: the one place that says who is vendor staff and who is a manager.

Every staff view is wrapped by one of these decorators; customers get 404/403. Views never
decide access inline: they use these decorators, and per-object access goes through
permission-scoped selectors (``*_get_for_user``) that raise Http404. Services, admin
classes and selectors ask ``is_vendor_staff``/``is_manager`` (safe for ``None`` and the
anonymous user) or refuse with ``ensure_staff``/``ensure_manager``.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from .exceptions import ApplicationError

STAFF_ONLY = _("Only our staff can do this.")
MANAGERS_ONLY = _("Only a manager can do this.")


def is_vendor_staff(user) -> bool:
    """Active vendor staff (technician or manager); ``False`` for ``None`` and anonymous."""
    return bool(user is not None and getattr(user, "is_vendor_staff", False))


def is_manager(user) -> bool:
    """An active manager; ``False`` for ``None`` and anonymous."""
    return bool(user is not None and getattr(user, "is_manager", False))


def _guard(test: Callable) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated or not user.is_active:
                return redirect_to_login(request.get_full_path())
            if not test(user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.staff_only = True  # read by the URL-matrix security tests
        return wrapper

    return decorator


staff_required = _guard(is_vendor_staff)
manager_required = _guard(is_manager)


def customer_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or not user.is_active:
            return redirect_to_login(request.get_full_path())
        if not user.is_customer_user or user.customer_id is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# Services check the actor again (views may be bypassed: API, tasks, shell), with the
# use case's own message so that the user reads why.


def ensure_staff(user, message=STAFF_ONLY) -> None:
    """Refuse unless ``user`` is active vendor staff (technician or manager)."""
    if not is_vendor_staff(user):
        raise ApplicationError(message, code="not_staff")


def ensure_manager(user, message=MANAGERS_ONLY) -> None:
    """Refuse unless ``user`` is an active manager."""
    if not is_manager(user):
        raise ApplicationError(message, code="not_manager")
