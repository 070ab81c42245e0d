"""The knowledge base as customers see it, mounted by the portal under portal/kb/ (so the
portal's access matrix covers it)."""

from django.urls import path

from . import portal_views as views

app_name = "kb"
urlpatterns = [
    path("", views.article_list, name="list"),
    path("<int:article_id>/", views.article_detail, name="article"),
    path("files/<uuid:file_uuid>/", views.article_file, name="file"),
    path("suggest/", views.suggest, name="suggest"),
    path("solved/", views.solved, name="solved"),
]
