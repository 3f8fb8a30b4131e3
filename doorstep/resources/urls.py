from django.urls import path

from . import views, views_riders, views_teams
from . import views_orders as vo
from . import views_wishes as vw

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
    path("orders/new/<int:service>/", vo.order_new, name="order_new"),
    path("orders/", vo.my_orders, name="my_orders"),
    path("orders/<int:pk>/", vo.my_order, name="my_order"),
    path("orders/<int:pk>/<str:action>/", vo.my_order_action, name="my_order_action"),
    path("orders/photo/<str:token>/<str:variant>/", vo.order_photo, name="order_photo"),
    path("volunteer/orders/", vo.volunteer_orders, name="volunteer_orders"),
    path("volunteer/orders/<int:pk>/", vo.volunteer_order, name="volunteer_order"),
    path("volunteer/orders/<int:pk>/<str:action>/", vo.volunteer_order_action, name="volunteer_order_action"),
    path("staff/orders/", vo.staff_orders, name="staff_orders"),
    path("staff/orders/<int:pk>/", vo.staff_order, name="staff_order"),
    path("wishes/", vw.wall, name="wishes_wall"),
    path("wishes/post/", vw.post, name="wish_post"),
    path("wishes/mine/", vw.mine, name="wishes_mine"),
    path("wishes/<int:pk>/claim/", vw.claim, name="wish_claim"),
    path("wishes/<int:pk>/photo/", vw.photo, name="wish_photo"),
    path("wishes/mine/<int:pk>/<str:action>/", vw.mine_action, name="wish_mine_action"),
    path("staff/wishes/", vw.staff_list, name="staff_wishes"),
    path("staff/wishes/<int:pk>/", vw.staff_detail, name="staff_wish"),
    path("staff/wishes/<int:pk>/reveal/", vw.staff_reveal, name="staff_wish_reveal"),
    path("staff/wishes/<int:pk>/<str:action>/", vw.staff_action, name="staff_wish_action"),
]

# Joint activities, talent pool, observers and training.
from .urls_talent import urlpatterns as _talent_urls  # noqa: E402

urlpatterns += _talent_urls
