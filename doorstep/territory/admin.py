"""The admin for every territory model, scoped by the user's roles (see people/admin_scope.py).

Phones and ID numbers are never shown unmasked here: lists show masked values, the person form
takes a new phone or ID number without showing the stored one (use the person page's logged
"show" to see it), and search by ID number or phone goes through the keyed hash / exact match.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from doorstep.core.ids import parse_id_number
from doorstep.core.phones import normalize_phone
from doorstep.core.pii import lookup_hash

from . import models
from .people import selectors as people_selectors
from .people import services as people_services
from .people.admin_scope import ScopedAdmin, ScopedInline

admin.site.site_header = _("Doorstep services · administration")
admin.site.site_title = _("Doorstep services · administration")
admin.site.index_title = _("Records in your area")


@admin.register(models.Region)
class RegionAdmin(ScopedAdmin):
    list_display = ("name", "level", "kind", "code", "code_is_official", "is_old_compound")
    list_filter = ("level", "kind", "is_old_compound")
    search_fields = ("name", "code")
    autocomplete_fields = ("parent",)
    readonly_fields = ("geometry_version",)

    def save_model(self, request, obj, form, change):
        # A region stays in scope when its parent is in scope, or when it is the top of the
        # user's scope (in scope itself) and keeps the parent it had.
        before = (
            models.Region.objects.filter(pk=obj.pk).values_list("parent_id", flat=True).first()
            if change
            else None
        )
        admin.ModelAdmin.save_model(self, request, obj, form, change)
        if request.user.is_superuser:
            return
        allowed = self.scoped_queryset(request, "change")
        parent_ok = obj.parent_id is not None and allowed.filter(pk=obj.parent_id).exists()
        kept_top = change and obj.parent_id == before and allowed.filter(pk=obj.pk).exists()
        if not (parent_ok or kept_top):
            raise PermissionDenied(_("That would put it outside your area."))


class GridMemberInline(ScopedInline, admin.TabularInline):
    model = models.GridMember
    autocomplete_fields = ("person",)


@admin.register(models.Grid)
class GridAdmin(ScopedAdmin):
    list_display = ("code", "name", "kind", "community")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    autocomplete_fields = ("community", "compounds")
    inlines = (GridMemberInline,)


@admin.register(models.GridMember)
class GridMemberAdmin(ScopedAdmin):
    list_display = ("grid", "person", "position", "since")
    list_filter = ("position",)
    search_fields = ("grid__name", "grid__code")
    autocomplete_fields = ("grid", "person")


@admin.register(models.Building)
class BuildingAdmin(ScopedAdmin):
    list_display = ("compound", "number", "floors", "stairwell_units", "has_elevator")
    list_filter = ("has_elevator",)
    search_fields = ("number", "compound__name")
    autocomplete_fields = ("compound",)


@admin.register(models.Dwelling)
class DwellingAdmin(ScopedAdmin):
    list_display = ("building", "stairwell_unit", "room", "exclusive_area", "use")
    list_filter = ("use", "area_source")
    search_fields = ("room", "building__number", "building__compound__name")
    autocomplete_fields = ("building",)
    list_select_related = ("building__compound",)


@admin.register(models.Ownership)
class OwnershipAdmin(ScopedAdmin):
    list_display = ("dwelling", "person", "organization", "registered_on", "ended_on")
    search_fields = ("dwelling__room", "dwelling__building__compound__name", "certificate_no")
    autocomplete_fields = ("dwelling", "person", "organization")
    list_select_related = ("dwelling__building__compound", "person", "organization")


class HouseholdMemberInline(ScopedInline, admin.TabularInline):
    model = models.HouseholdMember
    autocomplete_fields = ("person",)


@admin.register(models.Household)
class HouseholdAdmin(ScopedAdmin):
    list_display = ("dwelling", "head", "moved_in_on", "moved_out_on")
    search_fields = ("dwelling__room", "dwelling__building__compound__name")
    autocomplete_fields = ("dwelling", "head")
    list_select_related = ("dwelling__building__compound", "head")
    inlines = (HouseholdMemberInline,)


@admin.register(models.HouseholdMember)
class HouseholdMemberAdmin(ScopedAdmin):
    list_display = ("household", "person", "relation")
    list_filter = ("relation",)
    autocomplete_fields = ("household", "person")


@admin.register(models.DepartmentContact)
class DepartmentContactAdmin(ScopedAdmin):
    list_display = ("department", "name", "title", "public_phone", "grid", "compound", "is_public")
    list_filter = ("is_public",)
    search_fields = ("name", "department__name")
    autocomplete_fields = ("department", "grid", "compound")


class JointBodySeatInline(ScopedInline, admin.TabularInline):
    model = models.JointBodySeat
    fk_name = "body"
    autocomplete_fields = ("organization", "representative")


@admin.register(models.Organization)
class OrganizationAdmin(ScopedAdmin):
    list_display = ("name", "kind", "region", "company_mode", "term_start", "term_end")
    list_filter = ("kind", "company_mode")
    search_fields = ("name", "credit_code")
    autocomplete_fields = ("parent", "region", "grid", "building", "dwelling", "sponsor")
    list_select_related = ("region",)
    inlines = (JointBodySeatInline,)


@admin.register(models.OrgMembership)
class OrgMembershipAdmin(ScopedAdmin):
    list_display = ("organization", "person", "position", "term_start", "term_end")
    list_filter = ("position",)
    search_fields = ("organization__name",)
    autocomplete_fields = ("organization", "person")


@admin.register(models.JointBodySeat)
class JointBodySeatAdmin(ScopedAdmin):
    list_display = ("body", "seat", "organization", "representative")
    list_filter = ("seat",)
    autocomplete_fields = ("body", "organization", "representative")


@admin.register(models.PropertyService)
class PropertyServiceAdmin(ScopedAdmin):
    list_display = ("compound", "mode", "company", "start", "end")
    list_filter = ("mode",)
    search_fields = ("compound__name", "company__name")
    autocomplete_fields = ("compound", "company")


@admin.register(models.PersonTag)
class PersonTagAdmin(ScopedAdmin):
    list_display = ("slug", "name")
    search_fields = ("slug", "name")


class PartyMembershipForm(forms.ModelForm):
    class Meta:
        model = models.PartyMembership
        fields = ("person", "organization", "status", "reports_to", "reported_on", "joined_on")

    def clean(self):
        data = super().clean()
        try:
            people_services.validate_party_membership(
                data.get("organization"), data.get("status"), data.get("reports_to")
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                if field not in self.errors:
                    self.add_error(field, messages)
        return data


@admin.register(models.PartyMembership)
class PartyMembershipAdmin(ScopedAdmin):
    form = PartyMembershipForm
    list_display = ("person", "organization", "status", "reports_to", "reported_on")
    list_filter = ("status",)
    search_fields = ("organization__name",)
    autocomplete_fields = ("person", "organization", "reports_to")

    def save_model(self, request, obj, form, change):
        # Through the service: it checks the organisation is a party one and the community level.
        try:
            saved = people_services.set_party_membership(
                request.user,
                obj.person,
                obj.organization,
                status=obj.status,
                reports_to=obj.reports_to,
                reported_on=obj.reported_on,
                joined_on=obj.joined_on,
            )
        except ValidationError as exc:
            raise PermissionDenied(" ".join(exc.messages)) from exc
        obj.pk = saved.pk
        self.check_saved(request, obj)


# --- People -------------------------------------------------------------------------------------


class PersonForm(forms.ModelForm):
    """Phones and ID numbers are write-only here: the stored values are never put in the page."""

    new_phone = forms.CharField(label=_("new mobile phone"), required=False, max_length=32)
    clear_phone = forms.BooleanField(label=_("remove the phone"), required=False)
    new_id_number = forms.CharField(label=_("new ID number"), required=False, max_length=32)
    clear_id_number = forms.BooleanField(label=_("remove the ID number"), required=False)

    class Meta:
        model = models.Person
        fields = ("name", "gender", "home_region", "tags", "user")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        person = self.instance
        if person.pk:
            self.fields["new_phone"].help_text = _("Stored: %(value)s. Leave empty to keep it.") % {
                "value": person.masked_phone or "—"
            }
            self.fields["new_id_number"].help_text = _("Stored: %(value)s. Leave empty to keep it.") % {
                "value": person.masked_id_number or "—"
            }

    def person_fields(self) -> dict:
        data = self.cleaned_data
        fields = {k: data.get(k) for k in ("name", "gender", "home_region", "user") if k in data}
        if "tags" in data:
            fields["tags"] = list(data["tags"])
        if data.get("new_phone"):
            fields["phone"] = data["new_phone"]
        elif data.get("clear_phone"):
            fields["phone"] = ""
        if data.get("new_id_number"):
            fields["id_number"] = data["new_id_number"]
        elif data.get("clear_id_number"):
            fields["id_number"] = ""
        return fields

    def clean(self):
        data = super().clean()
        fields = self.person_fields()
        fields.pop("tags", None)
        try:
            people_services.clean_person_fields(fields, self.instance)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                target = {"phone": "new_phone", "id_number": "new_id_number"}.get(field, field)
                self.add_error(target if target in self.fields else None, messages)
        return data


@admin.register(models.Person)
class PersonAdmin(ScopedAdmin):
    form = PersonForm
    list_display = (
        "masked_name",
        "masked_phone",
        "masked_id_number",
        "gender",
        "home_region",
        "anonymised_at",
    )
    list_filter = ("gender", "tags")
    search_fields = ("name",)
    autocomplete_fields = ("home_region", "user")
    filter_horizontal = ("tags",)
    list_select_related = ("home_region",)
    fieldsets = (
        (None, {"fields": ("name", "gender", "home_region", "tags", "user")}),
        (
            _("Phone and ID number"),
            {"fields": ("new_phone", "clear_phone", "new_id_number", "clear_id_number")},
        ),
    )
    view_only_fields = (
        "masked_name",
        "gender",
        "masked_phone",
        "masked_id_number",
        "home_region",
        "anonymised_at",
    )

    @admin.display(description=_("full name"))
    def masked_name(self, obj):
        return obj.masked_name

    @admin.display(description=_("mobile phone"))
    def masked_phone(self, obj):
        return obj.masked_phone

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj):
        return obj.masked_id_number

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.anonymised_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return ((None, {"fields": self.view_only_fields}),)
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return self.view_only_fields
        return ()

    def get_search_results(self, request, queryset, search_term):
        """An ID number is found through its keyed hash, a phone by exact match, else the name."""
        term = (search_term or "").strip()
        if term:
            try:
                number = parse_id_number(term).number
            except ValidationError:
                number = None
            if number:
                return queryset.filter(id_number_hash=lookup_hash(number)), False
            try:
                phone = normalize_phone(term)
            except ValidationError:
                phone = None
            if phone:
                return queryset.filter(phone=phone), False
        return super().get_search_results(request, queryset, search_term)

    def save_model(self, request, obj, form, change):
        people_services.save_person(obj, request.user, **form.person_fields())
        self.check_saved(request, obj)

    def save_related(self, request, form, formsets, change):
        # Tags were set by the service; only inlines (none today) would remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


# --- Roles --------------------------------------------------------------------------------------


class RoleForm(forms.ModelForm):
    class Meta:
        model = models.Role
        fields = ("user", "kind", "region", "organization", "grid", "active")

    def validate_unique(self):
        # Granting a role that exists (perhaps revoked) re-activates it: see grant_role.
        pass


@admin.register(models.Role)
class RoleAdmin(ScopedAdmin):
    """Granting goes through grant_role (who may grant what: rules.GRANTABLE); revoking is
    unticking "active" (revoke_role). Roles are not deleted: they record who worked where."""

    form = RoleForm
    list_display = ("user", "kind", "region", "organization", "grid", "active")
    list_filter = ("kind", "active")
    search_fields = ("user__username", "user__display_name", "region__name")
    autocomplete_fields = ("user", "region", "organization", "grid")
    list_select_related = ("user", "region", "organization", "grid")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ("user", "kind", "region", "organization", "grid")
        return ()

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        if (
            obj is not None
            and not request.user.is_superuser
            and not people_selectors.can_grant(request.user, obj.kind, obj.region)
        ):
            return False
        return super().has_change_permission(request, obj)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "kind" and not request.user.is_superuser:
            grantable = {k for k in models.Role.Kind.values if self._can_grant_somewhere(request.user, k)}
            kwargs["choices"] = [("", "---------")] + [
                c for c in models.Role.Kind.choices if c[0] in grantable
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    @staticmethod
    def _can_grant_somewhere(user, kind) -> bool:
        from .people import rules

        granting = frozenset(k for k, grantable in rules.GRANTABLE.items() if kind in grantable)
        return not people_selectors.scope_for_kinds(user, granting).is_empty

    def save_model(self, request, obj, form, change):
        try:
            if not change or obj.active:
                role = people_services.grant_role(
                    request.user, obj.user, obj.kind, obj.region, organization=obj.organization, grid=obj.grid
                )
            else:
                role = people_services.revoke_role(request.user, models.Role.objects.get(pk=obj.pk))
        except ValidationError as exc:
            raise PermissionDenied(" ".join(exc.messages)) from exc
        obj.pk = role.pk
        self.check_saved(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class CheckedRoleForm(form):
            def clean(self):
                data = super().clean()
                if self.instance.pk or self.errors:
                    return data
                kind, region = data.get("kind"), data.get("region")
                if kind and region:
                    if not people_selectors.can_grant(user, kind, region):
                        self.add_error("region", _("You may not grant this role over this region."))
                        return data
                    try:
                        people_services.validate_role(
                            kind, region, data.get("organization"), data.get("grid")
                        )
                    except ValidationError as exc:
                        for field, messages in exc.message_dict.items():
                            self.add_error(field if field in self.fields else None, messages)
                return data

        return CheckedRoleForm
