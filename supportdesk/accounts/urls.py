from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("mfa/setup/", views.mfa_setup, name="mfa_setup"),
    path("mfa/verify/", views.mfa_verify, name="mfa_verify"),
    path("mfa/staff/", views.mfa_staff, name="mfa_staff"),
    path("mfa/staff/<int:user_id>/reset/", views.mfa_reset, name="mfa_reset"),
]
