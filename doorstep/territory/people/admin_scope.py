"""The Django admin, scoped by roles.

Staff who are not superusers use the admin through their roles, not through Django groups or
model permissions: `has_*_permission` reads `rules.ADMIN_RIGHTS` (role kind → model → actions)
and the region of each object must lie inside the subtree of a role carrying the action.

- Lists and forms only hold objects in scope (`get_queryset`); an object outside is "not found"
  (404), the same as one that does not exist.
- Foreign-key and many-to-many choices are limited to objects in the write scope.
- After every save the object is checked again inside the admin's transaction, so a write that
  would move an object out of scope is refused (403) and rolled back.
- Bulk deletion refuses a selection with any object outside the delete scope.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from doorstep.core.scoping import Scope

from . import rules, selectors

# How each model reaches a region id: a lookup path usable as Scope.q(path). None: no region
# (a table shared by the whole city). Models with a special rule have a function instead.
REGION_PATHS: dict[str, str | None] = {
    "territory.region": "pk",
    "territory.building": "compound",
    "territory.dwelling": "building__compound",
    "territory.ownership": "dwelling__building__compound",
    "territory.household": "dwelling__building__compound",
    "territory.householdmember": "household__dwelling__building__compound",
    "territory.grid": "community",
    "territory.gridmember": "grid__community",
    "territory.organization": "region",
    "territory.orgmembership": "organization__region",
    "territory.jointbodyseat": "body__region",
    "territory.propertyservice": "compound",
    "territory.person": "home_region",
    "territory.partymembership": "person__home_region",
    "territory.role": "region",
    "territory.persontag": None,
    "demands.category": None,
}


def scope_q(label: str, scope: Scope) -> Q:
    if label == "territory.departmentcontact":
        # Stationed in a grid or a compound: in scope through either.
        if scope.everything:
            return Q()
        return scope.q("compound") | scope.q("grid__community")
    return scope.q(REGION_PATHS[label])


def action_scope(user, label: str, action: str) -> Scope:
    return selectors.scope_for_kinds(user, rules.admin_kinds(label, action))


class ScopedPermissionsMixin:
    """Permissions and querysets from roles; used by model admins and inlines alike."""

    def rights_label(self) -> str:
        return self.model._meta.label_lower

    def scoped_queryset(self, request, action: str, qs: QuerySet | None = None) -> QuerySet:
        """The objects on which the user may perform `action`."""
        if qs is None:
            qs = self.model._default_manager.all()
        if request.user.is_superuser:
            return qs
        label = self.rights_label()
        scope = action_scope(request.user, label, action)
        if self.is_global():
            return qs if (scope.everything or (action == "view" and not scope.is_empty)) else qs.none()
        if scope.is_empty:
            return qs.none()
        return qs.filter(scope_q(label, scope))

    def is_global(self) -> bool:
        return REGION_PATHS.get(self.rights_label(), "") is None

    def allowed(self, request, action: str, obj=None) -> bool:
        user = request.user
        if not user.is_active:
            return False
        if user.is_superuser:
            return True
        scope = action_scope(user, self.rights_label(), action)
        if self.is_global():
            return scope.everything or (action == "view" and not scope.is_empty)
        if scope.is_empty:
            return False
        if obj is None or obj.pk is None:
            return True
        return self.scoped_queryset(request, action).filter(pk=obj.pk).exists()

    def has_module_permission(self, request):
        return self.allowed(request, "view")

    def has_view_permission(self, request, obj=None):
        return self.allowed(request, "view", obj)

    def has_change_permission(self, request, obj=None):
        return self.allowed(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        return self.allowed(request, "delete", obj)

    def related_choices(self, request, related_model) -> QuerySet | None:
        """Objects of `related_model` that may be chosen in this admin's forms (None: unlimited)."""
        if request.user.is_superuser:
            return None
        label = related_model._meta.label_lower
        write = action_scope(request.user, self.rights_label(), "change")
        if label == "core.user":
            from doorstep.core.admin import manageable_users

            return manageable_users(request.user)
        if label not in REGION_PATHS and label != "territory.departmentcontact":
            return None
        if REGION_PATHS.get(label, "") is None:
            return None
        return related_model._default_manager.filter(scope_q(label, write))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        qs = self.related_choices(request, db_field.related_model)
        if qs is not None:
            kwargs["queryset"] = qs
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        qs = self.related_choices(request, db_field.related_model)
        if qs is not None:
            kwargs["queryset"] = qs
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ScopedAdmin(ScopedPermissionsMixin, admin.ModelAdmin):
    def get_queryset(self, request):
        return self.scoped_queryset(request, "view", super().get_queryset(request))

    def has_add_permission(self, request):
        return self.allowed(request, "add")

    def get_form(self, request, obj=None, change=False, **kwargs):
        """Keep an object's current choice valid when it points outside the scope (the parent of
        the top region in scope, a party branch elsewhere), so that other fields can be edited."""
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            return form

        class KeepCurrentChoices(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                for name, field in self.fields.items():
                    queryset = getattr(field, "queryset", None)
                    current = getattr(self.instance, f"{name}_id", None)
                    if queryset is None or current is None or not hasattr(field, "to_field_name"):
                        continue
                    if not queryset.filter(pk=current).exists():
                        field.queryset = queryset | queryset.model._default_manager.filter(pk=current)

        return KeepCurrentChoices

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("Not found."))
        return obj

    def still_in_scope(self, request, obj) -> bool:
        """After a save: is the object (as saved) inside the user's write scope?"""
        if request.user.is_superuser or self.is_global():
            return True
        return self.scoped_queryset(request, "change").filter(pk=obj.pk).exists()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self.check_saved(request, obj)

    def check_saved(self, request, obj) -> None:
        if not self.still_in_scope(request, obj):
            raise PermissionDenied(_("That would put it outside your area."))

    def delete_queryset(self, request, queryset):
        allowed = self.scoped_queryset(request, "delete").filter(pk__in=queryset.values("pk")).count()
        if allowed != queryset.count():
            raise PermissionDenied(_("Some of the selected items are outside your area."))
        super().delete_queryset(request, queryset)


class ScopedInline(ScopedPermissionsMixin):
    """Inline rows follow the rights on their own model and the scope of the parent object."""

    extra = 0

    def has_add_permission(self, request, obj=None):
        return self.allowed(request, "add", None) and (obj is None or self.allowed_parent(request, obj))

    def has_change_permission(self, request, obj=None):
        return self.allowed(request, "change", None) and (obj is None or self.allowed_parent(request, obj))

    def has_delete_permission(self, request, obj=None):
        return self.allowed(request, "delete", None) and (obj is None or self.allowed_parent(request, obj))

    def has_view_permission(self, request, obj=None):
        return self.allowed(request, "view", None)

    def allowed_parent(self, request, obj) -> bool:
        return True  # the parent admin already limits the parent object to the scope
