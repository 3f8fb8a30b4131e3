"""大事建 in the admin: the city configures account kinds; the rest is read-only records (every
write goes through projects.services)."""

from django.contrib import admin

from doorstep.territory.selectors import scope_for

from . import models


@admin.register(models.AccountKind)
class AccountKindAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "position", "active")
    list_editable = ("position", "active")


class ReadOnly(admin.ModelAdmin):
    region_field = "region"

    def get_queryset(self, request):
        """Administrators below the city see their own area's rows only."""
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return scope_for(request.user).filter(qs, self.region_field)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = models.ProjectEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "action", "from_status", "to_status", "by", "note")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


class LineInline(admin.TabularInline):
    model = models.LedgerLine
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "item", "budget", "spent", "note")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Project)
class ProjectAdmin(ReadOnly):
    list_display = ("title", "region", "status", "delivered_at")
    list_filter = ("status",)
    search_fields = ("title",)
    inlines = [LineInline, EventInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("region")  # scoped by ReadOnly


@admin.register(models.Need)
class NeedAdmin(ReadOnly):
    list_display = ("title", "region", "source", "status")
    list_filter = ("source", "status")


@admin.register(models.Resource)
class ResourceAdmin(ReadOnly):
    list_display = ("name", "kind", "region", "organization", "amount")
    list_filter = ("kind",)


@admin.register(models.PlanMeasure)
class PlanMeasureAdmin(ReadOnly):
    region_field = "compound"
    list_display = ("title", "compound", "status")
    list_filter = ("status",)
