"""The report for managers, under desk/satisfaction/ (docs/satisfaction.md "The report")."""
from django.urls import path

from . import views

app_name = "satisfaction"
urlpatterns = [
    path("", views.report, name="report"),
    path("export.csv", views.report_csv, name="export"),
]
