from django.urls import include, path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("requests/new/", views.ticket_new, name="ticket_new"),
    path("requests/<int:ticket_id>/", views.ticket_detail, name="ticket"),
    path("requests/<int:ticket_id>/reply/", views.ticket_reply_view, name="ticket_reply"),
    path("quotes/<int:quote_id>/decide/", views.quote_decide, name="quote_decide"),
    path("attachments/<uuid:attachment_uuid>/", views.attachment_download, name="attachment"),
    path("releases/", views.releases, name="releases"),
    path("releases/<int:release_id>/download/", views.release_download,
         name="release_download"),
    path("statements/", views.statements, name="statements"),
    path("statements/<int:statement_id>/pdf/", views.statement_pdf, name="statement_pdf"),
    path("terms/", views.terms, name="terms"),
    # The knowledge base and the satisfaction survey as customers see them
    path("kb/", include("supportdesk.knowledge.portal_urls")),
    path("rate/", include("supportdesk.satisfaction.portal_urls")),
]
