"""Demand and case pages: the resident's phone report (report), the staff console (staff), and
the resident's own reports and the public map (resident)."""

from django.urls import include, path

app_name = "demands"
urlpatterns = [
    path("report/", include("doorstep.demands.urls_report")),
    path("cases/", include("doorstep.demands.urls_staff")),
    path("", include("doorstep.demands.urls_resident")),
]
