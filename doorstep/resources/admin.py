"""The admin for places and services, scoped by region like the territory admin.

The point is typed as given (WGS-84, GCJ-02 or BD-09) and saved through services.py, which
converts it, finds the region holding it, validates and records an event; a place whose region
falls outside the user's write scope is refused (403) and nothing is saved.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from doorstep.core.coords import SYSTEM_LABELS, SYSTEMS
from doorstep.territory.people.admin_scope import ScopedAdmin, ScopedInline
from doorstep.territory.people.selectors import scope_for_kinds

from . import rules, services
from .models import CheckIn, Place, PlaceEvent, PointEntry, Rider, Service, VolunteerRole, VolunteerTeam, Wish


class ResourcesScope:
    """Scope from resources/rules.py instead of the territory table."""

    def scoped_queryset(self, request, action, qs=None):
        if qs is None:
            qs = self.model._default_manager.all()
        if request.user.is_superuser:
            return qs
        label = self.model._meta.label_lower
        scope = scope_for_kinds(request.user, rules.admin_kinds(label, action))
        if scope.is_empty:
            return qs.none()
        return qs.filter(scope.q(rules.REGION_PATHS[label]))

    def is_global(self) -> bool:
        return False

    def allowed(self, request, action, obj=None) -> bool:
        user = request.user
        if not user.is_active:
            return False
        if user.is_superuser:
            return True
        scope = scope_for_kinds(user, rules.admin_kinds(self.model._meta.label_lower, action))
        if scope.is_empty:
            return False
        if obj is None or obj.pk is None:
            return True
        return self.scoped_queryset(request, action).filter(pk=obj.pk).exists()

    def related_choices(self, request, related_model):
        if request.user.is_superuser:
            return None
        if related_model._meta.label_lower == "territory.organization":
            scope = scope_for_kinds(request.user, rules.admin_kinds(self.model._meta.label_lower, "change"))
            return related_model._default_manager.filter(scope.q("region"))
        return None


class PlaceForm(forms.ModelForm):
    input_system = forms.ChoiceField(
        label=_("coordinate system given"), choices=[(s, SYSTEM_LABELS[s]) for s in SYSTEMS], initial="wgs84"
    )

    class Meta:
        model = Place
        fields = (
            "kind",
            "name",
            "red_mark",
            "input_system",
            "input_lng",
            "input_lat",
            "address",
            "hours",
            "hours_note",
            "phone",
            "facilities",
            "opened_on",
            "closed_on",
        )

    def clean(self):
        data = super().clean()
        if self.errors or data.get("input_lng") is None or data.get("input_lat") is None:
            return data
        try:
            services.place_position(self.instance, data["input_lng"], data["input_lat"], data["input_system"])
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
        return data


class ServiceInline(ResourcesScope, ScopedInline, admin.TabularInline):
    model = Service
    fields = (
        "name",
        "provider",
        "provider_name",
        "is_free",
        "price_note",
        "booking",
        "booking_note",
        "ended_on",
    )
    autocomplete_fields = ("provider",)


@admin.register(Place)
class PlaceAdmin(ResourcesScope, ScopedAdmin):
    form = PlaceForm
    list_display = ("name", "kind", "red_mark", "region", "phone", "closed_on")
    list_filter = ("kind", "red_mark")
    search_fields = ("name", "address", "region__name")
    list_select_related = ("region",)
    readonly_fields = ("region", "lng", "lat")
    inlines = (ServiceInline,)

    def save_model(self, request, obj, form, change):
        services.place_save_form(obj, by=request.user, changed_fields=form.changed_data if change else ())
        self.check_saved(request, obj)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        changed = {f.instance.pk: f.changed_data for f in formset.forms if f.instance.pk}
        for obj in instances:
            services.service_save_form(obj, by=request.user, changed_fields=changed.get(obj.pk, ()))
        formset.save_m2m()


@admin.register(Service)
class ServiceAdmin(ResourcesScope, ScopedAdmin):
    list_display = ("name", "place", "provider_label", "is_free", "booking", "ended_on")
    list_filter = ("is_free", "booking")
    search_fields = ("name", "place__name")
    autocomplete_fields = ("place", "provider")
    list_select_related = ("place", "provider")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "place" and not request.user.is_superuser:
            kwargs["queryset"] = self.scoped_place_choices(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def scoped_place_choices(self, request):
        scope = scope_for_kinds(request.user, rules.admin_kinds("resources.service", "change"))
        return Place.objects.filter(scope.q("region"))

    def save_model(self, request, obj, form, change):
        services.service_save_form(obj, by=request.user, changed_fields=form.changed_data if change else ())
        self.check_saved(request, obj)


@admin.register(PlaceEvent)
class PlaceEventAdmin(ResourcesScope, ScopedAdmin):
    """The audit trail: read only."""

    list_display = ("place", "action", "by", "at")
    list_filter = ("action",)
    list_select_related = ("place", "by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnly:
    """Read only in the admin: writes go through the console pages and services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Rider)
class RiderAdmin(ReadOnly, ResourcesScope, ScopedAdmin):
    list_display = ("person", "kind", "platform", "station", "team", "registered_at", "left_at")
    list_filter = ("kind", "platform")
    list_select_related = ("person", "station")
    exclude = ("credential_serial",)


@admin.register(CheckIn)
class CheckInAdmin(ReadOnly, ResourcesScope, ScopedAdmin):
    list_display = ("rider", "station", "at", "method", "by")
    list_select_related = ("rider__person", "station", "by")


@admin.register(PointEntry)
class PointEntryAdmin(ReadOnly, ResourcesScope, ScopedAdmin):
    list_display = ("on", "person", "kind", "source", "points", "hours", "reason", "reverses")
    list_filter = ("kind", "source")
    list_select_related = ("person", "reverses")


@admin.register(VolunteerTeam)
class VolunteerTeamAdmin(ReadOnly, ResourcesScope, ScopedAdmin):
    list_display = ("name", "kind", "region", "convener", "founded_on", "dissolved_on")
    list_filter = ("kind",)
    list_select_related = ("region", "convener")


@admin.register(VolunteerRole)
class VolunteerRoleAdmin(admin.ModelAdmin):
    """The list of volunteer roles riders may take on (city administrators)."""

    list_display = ("slug", "name")


@admin.register(Wish)
class WishAdmin(ReadOnly, ResourcesScope, ScopedAdmin):
    """Micro-wishes, read only and without the beneficiary's personal information (the staff
    desk at /resources/staff/wishes/ shows it masked and logs every reveal)."""

    list_display = ("pk", "status", "category", "community", "compound", "public_text", "claimed_at")
    list_filter = ("status", "category")
    list_select_related = ("community", "compound")
    fields = (
        "status",
        "category",
        "group",
        "community",
        "compound",
        "public_text",
        "published_at",
        "claimed_at",
        "fulfilled_at",
        "thanked_at",
        "reject_reason",
    )


from .models import ServiceOrder  # noqa: E402


@admin.register(ServiceOrder)
class ServiceOrderAdmin(ReadOnly, ResourcesScope, ScopedAdmin):
    """Service orders (群众点单), read only; the phone is not listed (the order pages mask it)."""

    list_display = ("pk", "service", "status", "region", "created_at", "claim_due", "escalated_at", "rating")
    list_filter = ("status",)
    list_select_related = ("service", "region")
    exclude = ("phone",)


from . import admin_talent  # noqa: E402, F401  (joint activities, talent pool, observers, training)
