from django.urls import path

from . import views_accountant

app_name = "einvoicing"
urlpatterns: list = [
    # The accountant's monthly files (docs/einvoicing.md "For the accountant").
    path("accountant/<int:year>/<int:month>.csv", views_accountant.accountant_month_csv,
         name="accountant_csv"),
    path("accountant/<int:year>/<int:month>.zip", views_accountant.accountant_month_zip,
         name="accountant_zip"),
]
