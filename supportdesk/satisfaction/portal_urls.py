"""The survey as customers answer it, mounted by the portal under portal/rate/ (so the
portal's access matrix covers it): the rating form of a request's page (signed in) and the
link of the survey mail (a capability: the signed token, no sign-in)."""
from django.urls import path

from . import views

app_name = "rate"
urlpatterns = [
    path("requests/<int:ticket_id>/", views.portal_rate, name="ticket"),
    path("link/<str:token>/", views.link_rate, name="link"),
]
