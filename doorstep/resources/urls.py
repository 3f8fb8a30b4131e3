from django.urls import path

from . import views, views_riders, views_teams

app_name = "resources"
urlpatterns = [
    path("near/", views.near, name="near"),
    path("places/<int:pk>/", views.place, name="place"),
    path("places.geojson", views.places_geojson, name="geojson"),
    path("riders/register/", views_riders.register, name="rider_register"),
    path("riders/me/", views_riders.rider_me, name="rider_me"),
    path("riders/me/reissue/", views_riders.rider_reissue_own, name="rider_reissue"),
    path("stations/checkin/", views_riders.checkin, name="checkin"),
    path("staff/riders/", views_riders.staff_riders, name="staff_riders"),
    path("staff/riders/<int:pk>/", views_riders.staff_rider, name="staff_rider"),
    path("staff/riders/<int:pk>/<str:action>/", views_riders.staff_rider_action, name="staff_rider_action"),
    path("staff/points/", views_riders.staff_points, name="staff_points"),
    path("teams/", views_teams.my_teams, name="my_teams"),
    path("teams/<str:action>/", views_teams.my_teams_action, name="my_teams_action"),
    path("staff/teams/", views_teams.staff_teams, name="staff_teams"),
]

# Joint activities, talent pool, observers and training.
from .urls_talent import urlpatterns as _talent_urls  # noqa: E402

urlpatterns += _talent_urls
