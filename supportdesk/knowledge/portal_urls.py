"""The knowledge base as customers see it, mounted by the portal under portal/kb/ (so the
portal's access matrix covers it)."""
from django.urls import path  # noqa: F401

app_name = "kb"
urlpatterns: list = []
