from django.urls import path

from . import views

app_name = "api_tokens"

urlpatterns = [
    path("", views.token_list, name="list"),
    path("<int:token_id>/revoke/", views.token_revoke, name="revoke"),
    path("integrations/", views.integration_list, name="integrations"),
    path("integrations/<int:account_id>/tokens/", views.integration_token_create,
         name="integration_token"),
]
