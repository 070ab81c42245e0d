from django.urls import path

from . import views, views_accountant

app_name = "einvoicing"
urlpatterns: list = [
    # The provider hand-off (docs/einvoicing.md "Hand-off").
    path("", views.home, name="home"),
    path("send-month/", views.send_month, name="send_month"),
    path("statements/<int:statement_id>/", views.statement, name="statement"),
    path("statements/<int:statement_id>/send/", views.statement_send, name="send"),
    path("statements/<int:statement_id>/refresh/", views.statement_refresh, name="refresh"),
    path("statements/<int:statement_id>/cancel/", views.statement_cancel, name="cancel"),
    # The accountant's monthly files (docs/einvoicing.md "For the accountant").
    path("accountant/<int:year>/<int:month>.csv", views_accountant.accountant_month_csv,
         name="accountant_csv"),
    path("accountant/<int:year>/<int:month>.zip", views_accountant.accountant_month_zip,
         name="accountant_zip"),
]
