"""大事建: staff pages (three lists, projects and their ledger, compound plans) and public pages."""

from django.urls import path

from . import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("lists/", views.lists, name="lists"),
    path("lists/need/", views.need_add, name="need_add"),
    path("lists/resource/", views.resource_add, name="resource_add"),
    path("new/", views.project_create, name="create"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/do/<str:action>/", views.project_action, name="action"),
    path("<int:pk>/lines/", views.line_add, name="line_add"),
    path("<int:pk>/lines/<int:line>/", views.line_change, name="line_change"),
    path("<int:pk>/milestones/", views.milestone_add, name="milestone_add"),
    path("<int:pk>/milestones/<int:milestone>/", views.milestone_change, name="milestone_change"),
    path("<int:pk>/consultations/", views.consultation_add, name="consultation_add"),
    path("<int:pk>/beneficiaries/", views.beneficiaries, name="beneficiaries"),
    path("<int:pk>/link/", views.project_link, name="link"),
    path("plans/", views.plans, name="plans"),
    path("plans/<int:compound>/", views.plan, name="plan"),
    path("plans/<int:compound>/measures/", views.measure_add, name="measure_add"),
    path("plans/<int:compound>/measures/<int:measure>/", views.measure_status, name="measure_status"),
    path("done/", views.public_list, name="public_list"),
    path("done/<int:pk>/", views.public, name="public"),
]
