"""API keys in the staff console (city administrators)."""

from django.urls import path

from . import views_console

app_name = "apikeys"
urlpatterns = [
    path("", views_console.key_list, name="list"),
    path("new/", views_console.key_create, name="create"),
    path("<int:pk>/revoke/", views_console.key_revoke, name="revoke"),
]
