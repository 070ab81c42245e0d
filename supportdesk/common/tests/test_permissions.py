"""The one definition of "vendor staff" and "manager" (services, selectors, admin, views)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from supportdesk.accounts.models import User
from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import (
    MANAGERS_ONLY,
    STAFF_ONLY,
    ensure_manager,
    ensure_staff,
    is_manager,
    is_vendor_staff,
    manager_required,
    staff_required,
)


def _user(role, *, active=True):
    return User(username=f"u-{role}", role=role, is_active=active)


CASES = [
    # (who, staff?, manager?)
    (None, False, False),
    (AnonymousUser(), False, False),
    (_user(User.Role.CUSTOMER), False, False),
    (_user(User.Role.TECHNICIAN), True, False),
    (_user(User.Role.MANAGER), True, True),
    (_user(User.Role.TECHNICIAN, active=False), False, False),
    (_user(User.Role.MANAGER, active=False), False, False),
]


@pytest.mark.parametrize(("user", "staff", "manager"), CASES)
def test_predicates(user, staff, manager):
    assert is_vendor_staff(user) is staff
    assert is_manager(user) is manager


@pytest.mark.parametrize(("user", "staff", "manager"), CASES)
def test_ensure_helpers_raise_application_error_with_the_use_case_message(user, staff, manager):
    if staff:
        ensure_staff(user)
    else:
        with pytest.raises(ApplicationError) as exc:
            ensure_staff(user)
        assert exc.value.code == "not_staff"
        assert exc.value.message == STAFF_ONLY
        with pytest.raises(ApplicationError) as exc:
            ensure_staff(user, "own message")
        assert exc.value.message == "own message"
    if manager:
        ensure_manager(user)
    else:
        with pytest.raises(ApplicationError) as exc:
            ensure_manager(user)
        assert exc.value.code == "not_manager"
        assert exc.value.message == MANAGERS_ONLY


def _view(request):
    return HttpResponse("ok")


@pytest.mark.parametrize(("user", "staff", "manager"),
                         [c for c in CASES if c[0] is not None])
def test_decorators_use_the_same_rule(user, staff, manager):
    request = RequestFactory().get("/somewhere/")
    request.user = user
    for decorator, allowed in ((staff_required, staff), (manager_required, manager)):
        view = decorator(_view)
        assert view.staff_only is True
        if not user.is_authenticated or not user.is_active:
            assert view(request).status_code == 302  # to the login page
        elif allowed:
            assert view(request).status_code == 200
        else:
            with pytest.raises(PermissionDenied):
                view(request)
