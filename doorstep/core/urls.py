from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("badge/", views.badge, name="inbox_badge"),
    path("<int:pk>/read/", views.mark_read, name="inbox_read"),
    path("read-all/", views.mark_all_read, name="inbox_read_all"),
]
