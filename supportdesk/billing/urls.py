from django.urls import path

from . import views

app_name = "billing"
urlpatterns = [
    path("", views.home, name="home"),
    path("run/", views.run, name="run"),
    path("export/", views.export, name="export"),
    path("statements/<int:statement_id>/", views.statement_detail, name="statement"),
    path("statements/<int:statement_id>/pdf/", views.statement_pdf, name="statement_pdf"),
    path("statements/<int:statement_id>/csv/", views.statement_csv, name="statement_csv"),
    path("statements/<int:statement_id>/xlsx/", views.statement_xlsx, name="statement_xlsx"),
    path("statements/<int:statement_id>/credit/", views.statement_credit, name="credit"),
    path("statements/<int:statement_id>/paid/", views.statement_paid, name="paid"),
    path("statements/<int:statement_id>/mark/", views.statement_mark, name="mark"),
    path("renewals/", views.renewals, name="renewals"),
    path("tariff/", views.tariff_edit, name="tariff"),
    path("renewals/<int:contract_id>/renew/", views.renew, name="renew"),
    path("customers/<int:customer_id>/usage/", views.usage, name="usage"),
    path("customers/<int:customer_id>/hold/", views.hold, name="hold"),
    path("customers/<int:customer_id>/hold/<int:override_id>/revoke/", views.hold_revoke,
         name="hold_revoke"),
    path("calendar/", views.working_calendar, name="calendar"),
    path("calendar/closures/<int:closure_id>/remove/", views.calendar_closure_remove,
         name="calendar_closure_remove"),
    path("calendar/days/<int:day_id>/remove/", views.calendar_day_remove,
         name="calendar_day_remove"),
    path("customers/<int:customer_id>/hold/<int:override_id>/shorten/", views.hold_shorten,
         name="hold_shorten"),
    path("customers/<int:customer_id>/prepaid/", views.prepaid_sale, name="prepaid_sale"),
]
