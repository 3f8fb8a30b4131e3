from django.urls import include, path

from . import views

app_name = "territory"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("r/<int:pk>/", views.tree, name="region"),
    path("compound/<int:pk>/", views.compound, name="compound"),
    path("grid/<int:pk>/", views.grid, name="grid"),
    path("search/", views.person_search, name="search"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/<int:pk>/", views.coverage, name="coverage_region"),
    path("roster/", include("doorstep.territory.roster.urls")),
    path("people/", include("doorstep.territory.people.urls")),
]
