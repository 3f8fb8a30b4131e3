from django.contrib import admin
from django.urls import include, path

from doorstep.api import api
from doorstep.territory.views import public_card

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("territory/", include("doorstep.territory.urls")),
    path("demands/", include("doorstep.demands.urls")),
    path("council/", include("doorstep.council.urls")),
    path("projects/", include("doorstep.projects.urls")),
    path("resources/", include("doorstep.resources.urls")),
    path("open311/v2/", include("doorstep.open311.urls")),
    path("console/keys/", include("doorstep.open311.urls_console")),
    path("console/webhooks/", include("doorstep.webhooks.urls")),
    path("inbox/", include("doorstep.core.urls")),
    path("api/v1/", api.urls),
    path("c/<str:code>/", public_card, name="public_card"),
    path("", include("doorstep.web.urls")),
]
