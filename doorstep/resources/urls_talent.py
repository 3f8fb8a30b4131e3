"""Pages of joint activities, the talent pool, observers and training (included by urls.py)."""

from django.urls import path

from . import views_talent as vt

urlpatterns = [
    path("activities/", vt.my_activities, name="my_activities"),
    path("staff/activities/", vt.staff_activities, name="staff_activities"),
    path("staff/activities/<int:pk>/", vt.staff_activity, name="staff_activity"),
    path("staff/experts/", vt.staff_experts, name="staff_experts"),
    path("consultations/<int:pk>/", vt.consultation, name="consultation"),
    path("experts/me/", vt.expert_me, name="expert_me"),
    path("staff/observers/", vt.staff_observers, name="staff_observers"),
    path("observers/me/", vt.my_suggestions, name="my_suggestions"),
    path("staff/training/", vt.staff_training, name="staff_training"),
    path("staff/training/<int:pk>/", vt.staff_training_session, name="staff_training_session"),
]
