"""Owners' votes: the owner's phone pages, the staff desk, the public results."""

from django.urls import path

from . import meeting_views, topic_views, views

app_name = "council"
urlpatterns = [
    path("votes/", views.my_votes, name="my_votes"),
    path("votes/<int:pk>/", views.my_vote, name="my_vote"),
    path("votes/<int:pk>/ballot/", views.my_vote_cast, name="my_vote_cast"),
    path("results/", views.results, name="results"),
    path("results/<int:pk>/", views.result, name="result"),
    path("results/<int:pk>/sheet.pdf", views.result_sheet, name="result_sheet"),
    path("staff/<int:pk>/sheet.pdf", views.staff_result_sheet, name="staff_result_sheet"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<int:pk>/", views.staff_vote, name="staff_vote"),
    path("staff/<int:pk>/turnout/", views.staff_turnout, name="staff_turnout"),
    path("staff/<int:pk>/ballot/", views.staff_ballot, name="staff_ballot"),
    path("staff/<int:pk>/notice/", views.staff_notice, name="staff_notice"),
    path("staff/<int:pk>/<str:action>/", views.staff_transition, name="staff_transition"),
]

# Topics (议题): residents' pages and the staff console.
urlpatterns += [
    path("topics/", topic_views.topics, name="topics"),
    path("topics/raise/", topic_views.topic_raise, name="topic_raise"),
    path("topics/<int:pk>/", topic_views.topic, name="topic"),
    path("topics/<int:pk>/support/", topic_views.topic_support, name="topic_support"),
    path("topics/<int:pk>/post/", topic_views.topic_post, name="topic_post"),
    path("staff/topics/", topic_views.staff_topics, name="staff_topics"),
    path(
        "staff/topics/from-demand/<int:demand_pk>/",
        topic_views.staff_topic_from_demand,
        name="staff_topic_from_demand",
    ),
    path("staff/topics/<int:pk>/", topic_views.staff_topic, name="staff_topic"),
    path("staff/topics/<int:pk>/vote/", topic_views.staff_topic_vote, name="staff_topic_vote"),
    path(
        "staff/topics/<int:pk>/posts/<int:post_pk>/hide/", topic_views.staff_post_hide, name="staff_post_hide"
    ),
    path("staff/topics/<int:pk>/<str:action>/", topic_views.staff_topic_move, name="staff_topic_move"),
]

# Meetings: residents' phone pages, the staff calendar and a meeting's desk.
urlpatterns += [
    path("meetings/", meeting_views.meetings, name="meetings"),
    path("meetings/<int:pk>/", meeting_views.meeting, name="meeting"),
    path("meetings/<int:pk>/sign-in/", meeting_views.meeting_sign_in, name="meeting_sign_in"),
    path("staff/meetings/", meeting_views.staff_meetings, name="staff_meetings"),
    path("staff/meetings/month/", meeting_views.staff_meetings_month, name="staff_meetings_month"),
    path("staff/meetings/new/", meeting_views.staff_meeting_new, name="staff_meeting_new"),
    path("staff/meetings/<int:pk>/", meeting_views.staff_meeting, name="staff_meeting"),
    path(
        "staff/meetings/<int:pk>/sign-in/", meeting_views.staff_meeting_sign_in, name="staff_meeting_sign_in"
    ),
    path("staff/meetings/<int:pk>/decide/", meeting_views.staff_meeting_decide, name="staff_meeting_decide"),
    path(
        "staff/meetings/<int:pk>/<str:action>/", meeting_views.staff_meeting_move, name="staff_meeting_move"
    ),
]
