"""Staff pages of the case loop, mounted at /demands/cases/ (names: demands:staff_...)."""

from django.urls import path

from .views import staff as v

urlpatterns = [
    path("", v.worklist, name="staff_worklist"),
    path("list/<str:tab>/", v.worklist, name="staff_worklist_tab"),
    path("bulk/", v.bulk, name="staff_bulk"),
    path("department/", v.department, name="staff_department"),
    path("<int:pk>/", v.case_detail, name="staff_case"),
    path("<int:pk>/do/<str:action>/", v.case_action, name="staff_case_action"),
    path("<int:pk>/category/", v.case_category, name="staff_case_category"),
    path("<int:pk>/reveal/<str:field>/", v.reveal, name="staff_case_reveal"),
    path("parts/<int:pk>/<str:action>/", v.part_action, name="staff_part_action"),
]
