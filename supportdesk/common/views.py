from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from supportdesk.common import brand as branding


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to their own start page."""
    if request.user.is_vendor_staff:
        return redirect("desk:queue")
    return redirect("portal:home")


@require_GET
def brand_css(request: HttpRequest) -> HttpResponse:
    """The brand's colours as CSS custom properties (a stylesheet of our origin: CSP-safe)."""
    response = HttpResponse(branding.brand_css(branding.brand()), content_type="text/css")
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def brand_logo(request: HttpRequest) -> HttpResponse:
    """The brand's logo when it is configured as a file path (a static path is served as
    static); 404 otherwise. Public: the login page shows it too."""
    b = branding.brand()
    path = branding.logo_file(b)
    if path is None or not branding.is_file_path(b.logo):
        raise Http404
    response = FileResponse(path.open("rb"),
                            content_type=branding.LOGO_TYPES[path.suffix.lower()])
    response["Cache-Control"] = "public, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    if path.suffix.lower() == ".svg":
        # An SVG opened on its own runs no script and loads nothing.
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
