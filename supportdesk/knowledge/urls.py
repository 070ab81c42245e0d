"""Staff routes of the knowledge base, mounted at desk/kb/ (every one behind staff_required;
listed in supportdesk/desk/tests/test_security_matrix.py)."""

from django.urls import path

from . import views

app_name = "knowledge"
urlpatterns = [
    path("", views.article_list, name="list"),
    path("new/", views.article_new, name="new"),
    path("search.json", views.article_search_json, name="search_json"),
    path("<int:article_id>/", views.article_detail, name="article"),
    path("<int:article_id>/edit/", views.article_edit, name="edit"),
    path("<int:article_id>/history/", views.article_history, name="history"),
    path("<int:article_id>/history/<int:number>/", views.article_revision, name="revision"),
    path("<int:article_id>/files/", views.article_file_upload, name="file_upload"),
    path("<int:article_id>/link/", views.article_link, name="link"),
    path("files/<uuid:file_uuid>/", views.article_file, name="file"),
]
