from django.urls import path

from . import quotes, relations, replies, views

app_name = "desk"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("customers/lookup/", views.customer_lookup, name="customer_lookup"),
    path("tickets/<int:pk>/", views.ticket, name="ticket"),
    path("tickets/<int:pk>/reply/", views.ticket_reply, name="ticket_reply"),
    path("tickets/<int:pk>/status/", views.ticket_status, name="ticket_status"),
    path("tickets/<int:pk>/assign/", views.ticket_assign, name="ticket_assign"),
    path("tickets/<int:pk>/classify/", views.ticket_classify, name="ticket_classify"),
    path("tickets/<int:pk>/priority/", views.ticket_priority, name="ticket_priority"),
    path("tickets/<int:pk>/merge/", relations.merge, name="ticket_merge"),
    path("tickets/<int:pk>/macro/", replies.ticket_macro, name="ticket_macro"),
    path("replies/", replies.replies, name="replies"),
    path("replies/new/", replies.reply_save, name="reply_new"),
    path("replies/<int:pk>/", replies.reply_save, name="reply_edit"),
    path("replies/<int:pk>/delete/", replies.reply_delete, name="reply_delete"),
    path("macros/new/", replies.macro_save_view, name="macro_new"),
    path("macros/<int:pk>/", replies.macro_save_view, name="macro_edit"),
    path("macros/<int:pk>/delete/", replies.macro_delete_view, name="macro_delete"),
    path("tickets/<int:pk>/links/", relations.link, name="ticket_link"),
    path("tickets/<int:pk>/links/<int:link_id>/remove/", relations.unlink,
         name="ticket_unlink"),
    path("tickets/<int:pk>/prerequisites/", views.ticket_prerequisites,
         name="ticket_prerequisites"),
    path("tickets/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<uuid:uuid>/", views.attachment_download, name="attachment_download"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("tickets/<int:pk>/quotes/", quotes.quote_issue, name="quote_issue"),
    path("quotes/", quotes.quote_list, name="quote_list"),
    path("quotes/<int:quote_id>/revise/", quotes.quote_revise, name="quote_revise"),
    path("quotes/<int:quote_id>/withdraw/", quotes.quote_withdraw, name="quote_withdraw"),
    path("quotes/<int:quote_id>/decide/", quotes.quote_decide, name="quote_decide"),
]
