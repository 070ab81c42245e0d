from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.open_notification, name="open"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:pk>/resend/", views.resend, name="resend"),
]
