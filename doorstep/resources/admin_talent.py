"""Admin (read only, scoped by region) for joint activities, the talent pool, observers and
training; writes go through the console pages and services. Imported by admin.py."""

from django.contrib import admin

from doorstep.territory.people.admin_scope import ScopedAdmin  # noqa: I001

from . import rules
from .activity_models import JointActivity
from .admin import ReadOnly, ResourcesScope
from .talent_models import ConsultationRequest, Expert, Observer, Suggestion, TrainingSession

K = rules.K
for _kind in (K.ADMIN, K.SUBDISTRICT_STAFF, K.COMMUNITY_STAFF, K.GRID_WORKER, K.LEADER):
    for _label in (
        "resources.jointactivity",
        "resources.expert",
        "resources.consultationrequest",
        "resources.observer",
        "resources.suggestion",
        "resources.trainingsession",
    ):
        rules.ADMIN_RIGHTS[_kind][_label] = rules.V
rules.REGION_PATHS.update(
    {
        "resources.jointactivity": "community",
        "resources.expert": "region",
        "resources.consultationrequest": "region",
        "resources.observer": "region",
        "resources.suggestion": "region",
        "resources.trainingsession": "region",
    }
)


@admin.register(JointActivity)
class JointActivityAdmin(ReadOnly, ResourcesScope, ScopedAdmin):
    list_display = ("title", "unit", "community", "starts_at", "capacity", "held_at", "cancelled_at")
    list_select_related = ("unit", "community")


@admin.register(Expert)
class ExpertAdmin(ReadOnly, ResourcesScope, ScopedAdmin):
    list_display = ("person", "kind", "organization", "region", "joined_on", "left_on")
    list_filter = ("kind",)
    list_select_related = ("person", "region")
    exclude = ("phone",)


@admin.register(ConsultationRequest)
class ConsultationRequestAdmin(ReadOnly, ResourcesScope, ScopedAdmin):
    list_display = ("topic", "expert", "region", "status", "created_at")
    list_filter = ("status",)
    list_select_related = ("expert__person", "region")


@admin.register(Observer)
class ObserverAdmin(ReadOnly, ResourcesScope, ScopedAdmin):
    list_display = ("person", "grid", "region", "appointed_on", "ended_on")
    list_select_related = ("person", "grid", "region")


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnly, ResourcesScope, ScopedAdmin):
    list_display = ("pk", "observer", "status", "demand", "project", "created_at")
    list_filter = ("status",)
    list_select_related = ("observer__person", "observer__grid", "demand", "project")


@admin.register(TrainingSession)
class TrainingSessionAdmin(ReadOnly, ResourcesScope, ScopedAdmin):
    list_display = ("topic", "role", "region", "starts_at", "trainer")
    list_filter = ("role",)
    list_select_related = ("region",)
