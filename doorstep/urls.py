from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from doorstep.territory.views import public_card

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("territory/", include("doorstep.territory.urls")),
    path("c/<str:code>/", public_card, name="public_card"),
    path("", include("doorstep.web.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
