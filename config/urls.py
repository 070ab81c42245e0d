from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from supportdesk.accounts.forms import PasswordResetByMailForm
from supportdesk.accounts.views import ThrottledPasswordChangeView
from supportdesk.api.urls import api_urls
from supportdesk.common.views import brand_css, brand_logo, home

urlpatterns = [
    path("", home, name="home"),
    # The vendor's brand (supportdesk.common.brand): its colours as CSS, its logo file.
    path("brand.css", brand_css, name="brand_css"),
    path("brand/logo", brand_logo, name="brand_logo"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True),
         name="login"),
    path("accounts/password_reset/",
         auth_views.PasswordResetView.as_view(form_class=PasswordResetByMailForm),
         name="password_reset"),
    # A wrong current password counts as a failed login (django-axes), on both paths.
    path("accounts/password_change/", ThrottledPasswordChangeView.as_view(),
         name="password_change"),
    path("admin/password_change/", ThrottledPasswordChangeView.as_view(),
         name="admin_password_change"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/", include("supportdesk.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("desk/", include("supportdesk.desk.urls")),
    path("desk/work/", include("supportdesk.worklog.urls")),
    path("billing/", include("supportdesk.billing.urls")),
    # E-invoicing: statements handed to the provider (supportdesk.einvoicing)
    path("billing/einvoices/", include("supportdesk.einvoicing.urls")),
    # The knowledge base and the satisfaction report as staff use them
    path("desk/kb/", include("supportdesk.knowledge.urls")),
    path("desk/satisfaction/", include("supportdesk.satisfaction.urls")),
    path("portal/", include("supportdesk.portal.urls")),
    path("notifications/", include("supportdesk.notifications.urls")),
    path("webhooks/", include("supportdesk.webhooks.urls")),
    # The machine API (/api/v1/..., docs at /api/v1/docs) and the API-token pages.
    path("api/", api_urls()),
    path("accounts/api-tokens/", include("supportdesk.api.page_urls")),
    path("admin/", admin.site.urls),
    # Health, readiness and Prometheus metrics (supportdesk.ops): /healthz, /readyz, /metrics
    path("", include("supportdesk.ops.urls")),
]

admin.site.site_header = "supportdesk"
admin.site.site_title = "supportdesk"
