"""The admin for the demands app, scoped by roles like the territory admin
(territory/people/admin_scope.py; rights in territory/people/rules.py ADMIN_RIGHTS).

One section per model. Categories are city-wide settings (no region): administrators over the
city change them, other staff with a right only read them.
"""

import copy

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from doorstep.territory.people.admin_scope import ScopedAdmin

from . import categories, models

# --- Category --------------------------------------------------------------------------------


class CategoryForm(forms.ModelForm):
    class Meta:
        model = models.Category
        fields = (
            "code",
            "name",
            "parent",
            "active",
            "responsible_level",
            "department_kind",
            "accept_limit",
            "accept_unit",
            "respond_limit",
            "respond_unit",
            "handle_limit",
            "handle_unit",
            "urgent",
            "duplicate_radius_m",
            "keywords",
        )
        widgets = {"keywords": forms.Textarea(attrs={"rows": 8, "cols": 40})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "parent" in self.fields:
            majors = models.Category.objects.filter(parent__isnull=True)
            if self.instance.pk:
                majors = majors.exclude(pk=self.instance.pk)
            self.fields["parent"].queryset = majors.order_by("code")
            self.fields["parent"].help_text = _("Empty for a major class; a major class for a minor class.")

    def clean(self):
        data = super().clean()
        probe = copy.copy(self.instance)
        for name, value in data.items():
            if name in {f.name for f in models.Category._meta.fields}:
                setattr(probe, name, value)
        try:
            categories.validate_category(probe)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                if field in self.fields:
                    if field not in self.errors:
                        self.add_error(field, messages)
                else:
                    self.add_error(None, messages)
        return data


@admin.register(models.Category)
class CategoryAdmin(ScopedAdmin):
    form = CategoryForm
    list_display = (
        "code",
        "name",
        "parent",
        "responsible_level",
        "department_kind",
        "limits",
        "urgent",
        "duplicate_radius_m",
        "active",
    )
    list_display_links = ("code", "name")
    list_filter = ("active", "urgent", "responsible_level", ("parent", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "name", "keywords", "department_kind")
    ordering = ("code",)
    list_per_page = 100
    list_select_related = ("parent",)
    fieldsets = (
        (None, {"fields": ("code", "name", "parent", "active")}),
        (_("Who handles it"), {"fields": ("responsible_level", "department_kind")}),
        (
            _("Limits, counted from receipt"),
            {
                "fields": (
                    ("accept_limit", "accept_unit"),
                    ("respond_limit", "respond_unit"),
                    ("handle_limit", "handle_unit"),
                    "urgent",
                )
            },
        ),
        (_("Duplicates and suggestion"), {"fields": ("duplicate_radius_m", "keywords")}),
    )

    @admin.display(description=_("limits (accept / respond / handle)"))
    def limits(self, obj):
        units = dict(models.TimeLimit.choices)
        return " / ".join(
            f"{getattr(obj, f'{n}_limit')} {units.get(getattr(obj, f'{n}_unit'), '')}"
            for n in categories.LIMIT_FIELDS
        )

    def save_model(self, request, obj, form, change):
        categories.save_category(obj, by=request.user)
        self.check_saved(request, obj)
        from .suggest import invalidate

        invalidate()  # new keywords or names count in this process at once (others within seconds)
