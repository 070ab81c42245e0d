"""The survey as customers answer it, mounted by the portal under portal/rate/ (so the
portal's access matrix covers it)."""
from django.urls import path  # noqa: F401

app_name = "rate"
urlpatterns: list = []
