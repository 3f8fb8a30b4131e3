from django.urls import path

from . import views

app_name = "roster"
urlpatterns = [
    path("", views.page, name="page"),
    path("template.xlsx", views.template, name="template"),
    path("import/", views.upload, name="import"),
    path("export/", views.export, name="export"),
]
