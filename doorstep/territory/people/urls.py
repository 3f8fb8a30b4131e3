from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/reveal/<str:field>/", views.reveal, name="reveal"),
    path("me/", views.me, name="me"),
    path("me/export/", views.export, name="export"),
    path("me/erase/", views.erase, name="erase"),
]
