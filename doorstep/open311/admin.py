"""API keys in the admin, for city administrators (a superuser, or an `admin` role over the
whole city). A new key is shown once, in the message after saving; only its hash is kept.
Revoking is an action; every use is listed read-only."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from doorstep.territory.models import Region, Role

from . import keys
from .models import ApiKey, ApiKeyUse


def is_city_admin(user) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    # Kept on the user object: the admin asks once per model of every app in its sidebar.
    cached = getattr(user, "_doorstep_city_admin", None)
    if cached is None:
        cached = Role.objects.filter(
            user=user, active=True, kind="admin", region__parent__isnull=True
        ).exists()
        user._doorstep_city_admin = cached
    return cached


class CityAdminOnly:
    def has_module_permission(self, request):
        return is_city_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_city_admin(request.user)

    def has_add_permission(self, request, *args):
        return is_city_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_city_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the log stays


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=ApiKey.Scope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiKey
        fields = ("name", "client_kind", "contact", "jurisdictions", "scopes", "rate_per_minute")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Jurisdictions are the city, counties and subdistricts (not thousands of compounds).
        self.fields["jurisdictions"].queryset = Region.objects.filter(
            level__lte=Region.Level.SUBDISTRICT
        ).order_by("code")

    def clean_scopes(self):
        try:
            return keys.clean_scopes(self.cleaned_data["scopes"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict.get("scopes") or exc.messages) from None


@admin.register(ApiKey)
class ApiKeyAdmin(CityAdminOnly, admin.ModelAdmin):
    form = ApiKeyForm
    list_display = (
        "name",
        "client_kind",
        "prefix",
        "scope_list",
        "rate_per_minute",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("client_kind", "revoked_at")
    search_fields = ("name", "prefix", "contact")
    filter_horizontal = ("jurisdictions",)
    readonly_fields = ("prefix", "account", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    @admin.display(description=_("scopes"))
    def scope_list(self, obj):
        return ", ".join(obj.scopes)

    def save_model(self, request, obj, form, change):
        if change:
            obj.scopes = keys.clean_scopes(form.cleaned_data["scopes"])
            obj.save()
            return
        try:
            key, raw = keys.create_key(
                name=obj.name,
                jurisdictions=list(form.cleaned_data["jurisdictions"]),
                scopes=form.cleaned_data["scopes"],
                rate_per_minute=obj.rate_per_minute,
                client_kind=obj.client_kind,
                contact=obj.contact,
                by=request.user,
            )
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
        obj.pk = key.pk
        obj.refresh_from_db()
        self.message_user(
            request,
            _("The key for %(name)s is %(key)s — copy it now: it is not shown again.")
            % {"name": key.name, "key": raw},
            messages.WARNING,
        )

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)
            keys.sync_account(form.instance)  # its service account follows scopes and jurisdictions

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        for key in queryset:
            keys.revoke_key(key, by=request.user)
        self.message_user(request, _("Revoked."), messages.SUCCESS)


@admin.register(ApiKeyUse)
class ApiKeyUseAdmin(CityAdminOnly, admin.ModelAdmin):
    list_display = ("at", "key", "method", "endpoint", "status")
    list_filter = ("status", "method")
    list_select_related = ("key",)
    date_hierarchy = "at"

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False
