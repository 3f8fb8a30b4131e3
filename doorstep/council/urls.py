"""Owners' votes: the owner's phone pages, the staff desk, the public results."""

from django.urls import path

from . import views

app_name = "council"
urlpatterns = [
    path("votes/", views.my_votes, name="my_votes"),
    path("votes/<int:pk>/", views.my_vote, name="my_vote"),
    path("votes/<int:pk>/ballot/", views.my_vote_cast, name="my_vote_cast"),
    path("results/", views.results, name="results"),
    path("results/<int:pk>/", views.result, name="result"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<int:pk>/", views.staff_vote, name="staff_vote"),
    path("staff/<int:pk>/turnout/", views.staff_turnout, name="staff_turnout"),
    path("staff/<int:pk>/ballot/", views.staff_ballot, name="staff_ballot"),
    path("staff/<int:pk>/notice/", views.staff_notice, name="staff_notice"),
    path("staff/<int:pk>/<str:action>/", views.staff_transition, name="staff_transition"),
]
