from django.urls import include, path

from . import views

app_name = "territory"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("roster/", include("doorstep.territory.roster.urls")),
    path("people/", include("doorstep.territory.people.urls")),
]
