"""Resident pages (my reports, following), the public map and report pages, and the staff
redaction page — mounted at /demands/."""

from django.urls import path

from .views import resident as v

urlpatterns = [
    path("mine/", v.mine, name="resident_mine"),
    path("mine/<str:number>/", v.detail, name="resident_detail"),
    path("mine/<str:number>/verify/", v.verify, name="resident_verify"),
    path("mine/<str:number>/rate/", v.rate, name="resident_rate"),
    path("mine/<str:number>/reopen/", v.reopen, name="resident_reopen"),
    path("following/", v.followed, name="resident_followed"),
    path("r/<str:number>/follow/", v.follow, name="resident_follow"),
    path("r/<str:number>/unfollow/", v.unfollow, name="resident_unfollow"),
    path("r/<str:number>/me-too/", v.me_too, name="resident_me_too"),
    path("map/", v.map_page, name="public_map"),
    path("map/points.json", v.map_points, name="public_points"),
    path("r/<str:number>/", v.report_page, name="public_report"),
    path("redact/", v.redact_queue, name="public_redact_queue"),
    path("redact/<str:token>/", v.redact, name="public_redact"),
    path("redact/<str:token>/publish/", v.publish, name="public_publish"),
]
