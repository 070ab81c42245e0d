from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to their own start page."""
    if request.user.is_vendor_staff:
        return redirect("desk:queue")
    return redirect("portal:home")
