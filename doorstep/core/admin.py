from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from .models import CalendarDay, CalendarYear, PiiAccess, User
from .workcalendar.services import ScheduleFileError, import_schedule

# --- users and the personal-data access log ----------------------------------------------------
# Scoped by roles like the territory admin (doorstep/territory/people/admin_scope.py): staff who
# are not superusers see the logins of people and staff in their area, cannot touch a login that
# holds a role outside their area, and never set the superuser/staff flags or Django permissions.


def manageable_users(user):
    """Logins a non-superuser may manage: none that is a superuser or holds a role elsewhere."""
    from django.db.models import Q

    from doorstep.territory.models import Role
    from doorstep.territory.people import rules, selectors

    scope = selectors.scope_for_kinds(user, rules.admin_kinds("core.user", "change"))
    qs = User.objects.filter(is_superuser=False)
    if user.is_superuser or scope.everything:
        return User.objects.all() if user.is_superuser else qs
    if scope.is_empty:
        return qs.none()
    ids = sorted(scope.region_ids)
    elsewhere = Role.objects.filter(active=True).exclude(region__in=ids).values("user")
    return (
        qs.exclude(pk__in=elsewhere)
        .filter(
            Q(roles__region__in=ids)
            | Q(person__home_region__in=ids)
            | Q(roles__isnull=True, person__isnull=True)
        )
        .distinct()
    )


def _user_rights(request, action: str, obj=None) -> bool:
    from doorstep.territory.people import rules, selectors

    user = request.user
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    if selectors.scope_for_kinds(user, rules.admin_kinds("core.user", action)).is_empty:
        return False
    return obj is None or manageable_users(user).filter(pk=obj.pk).exists()


@admin.register(User)
class DoorstepUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, (None, {"fields": ("display_name",)}))
    list_display = ("username", "display_name", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff")
    search_fields = ("username", "display_name")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        if not _user_rights(request, "view"):
            return qs.none()
        return qs.filter(pk__in=manageable_users(request.user).values("pk"))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            from django.http import Http404

            raise Http404
        return obj

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ()
        return ("is_superuser", "is_staff", "groups", "user_permissions", "last_login", "date_joined")

    def get_list_filter(self, request):
        return self.list_filter if not request.user.is_superuser else UserAdmin.list_filter

    def has_module_permission(self, request):
        return _user_rights(request, "view")

    def has_view_permission(self, request, obj=None):
        return _user_rights(request, "view", obj)

    def has_add_permission(self, request):
        return _user_rights(request, "add")

    def has_change_permission(self, request, obj=None):
        return _user_rights(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        return _user_rights(request, "delete", obj) and (obj is None or obj.pk != request.user.pk)

    def delete_queryset(self, request, queryset):
        if not request.user.is_superuser:
            allowed = manageable_users(request.user).filter(pk__in=queryset.values("pk")).count()
            if allowed != queryset.count() or queryset.filter(pk=request.user.pk).exists():
                raise PermissionDenied
        super().delete_queryset(request, queryset)


@admin.register(PiiAccess)
class PiiAccessAdmin(admin.ModelAdmin):
    """Read-only: the log is written by the services and never edited (PIPL; kept 6 months)."""

    list_display = ("at", "user", "subject_label", "field", "reason")
    list_filter = ("field",)
    search_fields = ("subject_label", "reason", "user__username")
    list_select_related = ("user",)

    def get_queryset(self, request):
        from doorstep.territory.people.selectors import access_log_visible

        if request.user.is_superuser:
            return super().get_queryset(request)
        return access_log_visible(request.user)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            from django.http import Http404

            raise Http404
        return obj

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        from doorstep.territory.people import rules, selectors

        user = request.user
        if not user.is_active:
            return False
        if user.is_superuser:
            return True
        if selectors.scope_for_kinds(user, rules.admin_kinds("core.piiaccess", "view")).is_empty:
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- work calendar ---------------------------------------------------------------------------

# The admin index shows the calendar warning (a year without data) above the app list.
if admin.site.index_template is None:
    admin.site.index_template = "core/admin/index.html"


class CalendarImportForm(forms.Form):
    file = forms.FileField(label=_("Schedule file (CSV or JSON)"))
    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=1949,
        max_value=2100,
        help_text=_("Leave empty to take the latest year in the file."),
    )
    replace = forms.BooleanField(label=_("Replace the year's schedule if it already has one"), required=False)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=200, help_text=_("For example the notice's number.")
    )


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ("date", "is_workday", "name")

    def clean(self):
        data = super().clean()
        day, is_workday = data.get("date"), data.get("is_workday")
        if day and is_workday and day.weekday() < 5:
            self.add_error(
                "is_workday",
                _(
                    "%(date)s is a weekday and a working day anyway; an adjusted working day falls on a weekend."
                )
                % {"date": day.isoformat()},
            )
        if day and not is_workday and not data.get("name"):
            self.add_error("name", _("A holiday needs a name, like 元旦."))
        return data


class CalendarYearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        return [(y, y) for y in CalendarYear.objects.order_by("-year").values_list("year", flat=True)]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(date__year=int(self.value()))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    form = CalendarDayForm
    list_display = ("date", "weekday", "kind", "name")
    list_filter = ("is_workday", CalendarYearFilter)
    search_fields = ("name",)
    date_hierarchy = "date"
    change_list_template = "core/admin/calendarday_change_list.html"

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        return WEEKDAYS[obj.date.weekday()]

    @admin.display(description=_("kind"))
    def kind(self, obj):
        return _("adjusted working day") if obj.is_workday else _("holiday")


def _day_count(is_workday: bool):
    return Coalesce(
        Subquery(
            CalendarDay.objects.filter(date__year=OuterRef("year"), is_workday=is_workday)
            .order_by()
            .values("is_workday")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "source", "holidays", "adjusted_workdays", "imported_at", "note")
    list_filter = ("source",)
    readonly_fields = ("imported_at",)
    change_list_template = "core/admin/calendaryear_change_list.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(holiday_count=_day_count(False), workday_count=_day_count(True))
        )

    @admin.display(description=_("holidays"), ordering="holiday_count")
    def holidays(self, obj):
        return obj.holiday_count

    @admin.display(description=_("adjusted working days"), ordering="workday_count")
    def adjusted_workdays(self, obj):
        return obj.workday_count

    def save_model(self, request, obj, form, change):
        if not obj.imported_at:
            obj.imported_at = timezone.now()
        super().save_model(request, obj, form, change)

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="core_calendaryear_import"),
            *super().get_urls(),
        ]

    def _may_import(self, request) -> bool:
        return self.has_change_permission(request) and self.has_add_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if self._may_import(request):
            extra_context.setdefault("import_form", CalendarImportForm())
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        """Upload a schedule file: all or nothing, every bad line listed."""
        if not self._may_import(request):
            raise PermissionDenied
        errors: list[str] = []
        form = CalendarImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = import_schedule(
                    upload.read(),
                    filename=upload.name,
                    year=form.cleaned_data["year"],
                    replace=form.cleaned_data["replace"],
                    note=form.cleaned_data["note"],
                )
            except ScheduleFileError as exc:
                errors = exc.messages
            else:
                messages.success(
                    request,
                    _("Imported the %(year)d schedule: %(days)d days.")
                    % {"year": result.years[0], "days": result.days + result.other_days},
                )
                return HttpResponseRedirect(reverse("admin:core_calendaryear_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import a year's schedule"),
            "import_form": form,
            "import_errors": errors,
        }
        return TemplateResponse(
            request, "core/admin/calendar_import.html", context, status=400 if errors else 200
        )
