"""Mounted at ``desk/work/`` (namespace ``worklog``); every view is staff-only except the
iCalendar feed, which is authorised by its secret per-technician token."""

from django.urls import path

from . import views

app_name = "worklog"
urlpatterns = [
    path("ticket/<int:ticket_id>/", views.ticket_work_view, name="ticket_work"),
    path("ticket/<int:ticket_id>/timer/start/", views.timer_start_view, name="timer_start"),
    path("ticket/<int:ticket_id>/timer/stop/", views.timer_stop_view, name="timer_stop"),
    path("ticket/<int:ticket_id>/timer/discard/", views.timer_discard_view,
         name="timer_discard"),
    path("ticket/<int:ticket_id>/entries/new/", views.entry_create_view, name="entry_create"),
    path("ticket/<int:ticket_id>/entries/preview/", views.entry_preview_view,
         name="entry_preview"),
    path("ticket/<int:ticket_id>/remote/new/", views.remote_create_view, name="remote_create"),
    path("ticket/<int:ticket_id>/visits/new/", views.visit_create_view, name="visit_create"),
    path("ticket/<int:ticket_id>/emergency/", views.emergency_decide_view,
         name="emergency_decide"),
    path("entries/<int:pk>/", views.entry_detail_view, name="entry_detail"),
    path("entries/<int:pk>/edit/", views.entry_edit_view, name="entry_edit"),
    path("entries/<int:pk>/delete/", views.entry_delete_view, name="entry_delete"),
    path("visits/", views.visit_list_view, name="visit_list"),
    path("visits/<int:pk>/edit/", views.visit_edit_view, name="visit_edit"),
    path("visits/<int:pk>/cancel/", views.visit_cancel_view, name="visit_cancel"),
    path("visits/<int:pk>/done/", views.visit_complete_view, name="visit_complete"),
    path("calendar/", views.calendar_feed_view, name="calendar_feed"),
    path("calendar/<str:token>.ics", views.calendar_ics_view, name="calendar_ics"),
    path("emergencies/new/", views.emergency_create_view, name="emergency_create"),
]
