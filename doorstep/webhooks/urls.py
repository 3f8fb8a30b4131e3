"""Webhooks in the staff console (city administrators)."""

from django.urls import path

from . import views

app_name = "webhooks"
urlpatterns = [
    path("", views.subscriber_list, name="list"),
    path("new/", views.subscriber_create, name="create"),
    path("<int:pk>/", views.subscriber_detail, name="detail"),
    path("<int:pk>/rotate/", views.subscriber_rotate, name="rotate"),
    path("deliveries/", views.delivery_log, name="log"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="delivery"),
    path("deliveries/<int:pk>/replay/", views.delivery_replay, name="replay"),
]
