"""Intake pages at /demands/report/ (names demands:report_...)."""

from django.urls import path

from .views import report as v

urlpatterns = [
    path("", v.report, name="report"),
    path("nearby/", v.nearby, name="report_nearby"),
    path("d/<str:number>/me-too/", v.me_too, name="report_me_too"),
    path("thanks/<str:number>/", v.thanks, name="report_thanks"),
    path("staff/", v.staff_entry, name="report_staff"),
    path("staff/compounds/", v.staff_compounds, name="report_staff_compounds"),
    path("photo/<str:token>/<str:variant>/", v.photo, name="report_photo"),
]
