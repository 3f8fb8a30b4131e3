"""Owners' votes in the admin: read-only records (every write goes through council.services)."""

from django.contrib import admin

from . import models


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = models.VoteEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "action", "from_status", "to_status", "by", "owner_key", "choice", "note")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Vote)
class VoteAdmin(ReadOnly):
    list_display = ("title", "compound", "building", "stairwell_unit", "matter", "status", "passed")
    list_filter = ("status", "matter", "template")
    search_fields = ("title",)
    raw_id_fields = ("compound", "building")
    inlines = [EventInline]


@admin.register(models.Ballot)
class BallotAdmin(ReadOnly):
    list_display = (
        "vote",
        "owner_key",
        "choice",
        "origin",
        "sheet_ref",
        "proxy_ref",
        "entered_by",
        "updated_at",
    )
    list_filter = ("origin", "choice")
