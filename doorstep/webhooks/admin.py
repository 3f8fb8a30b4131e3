"""Webhooks in the admin, read-only, for city administrators: receivers are made, changed and
their secrets rotated on the console pages (/console/webhooks/), where the secret is shown once."""

from django.contrib import admin

from doorstep.open311.admin import CityAdminOnly

from .models import Attempt, Delivery, Subscriber


class ReadOnly(CityAdminOnly):
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Subscriber)
class SubscriberAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("name", "url", "active", "secret_rotated_at", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "url")
    fields = ("name", "url", "event_types", "jurisdictions", "active", "secret_rotated_at", "created_at")
    readonly_fields = fields  # the secret is never shown


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = ("number", "at", "status_code", "duration_ms", "response", "error", "ok")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("created_at", "subscriber", "event_type", "status", "attempts", "last_status_code")
    list_filter = ("status", "subscriber")
    list_select_related = ("subscriber",)
    date_hierarchy = "created_at"
    inlines = [AttemptInline]
