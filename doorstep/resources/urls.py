from django.urls import path

from . import views

app_name = "resources"
urlpatterns = [
    path("near/", views.near, name="near"),
    path("places/<int:pk>/", views.place, name="place"),
    path("places.geojson", views.places_geojson, name="geojson"),
]
