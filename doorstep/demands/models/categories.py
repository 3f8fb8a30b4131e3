from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import TimeStampedModel


class TimeLimit(models.TextChoices):
    """Units a category's limits are counted in (cases.md: limits are local configuration)."""

    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")
    HOURS = "hours", _("hours")


class Category(TimeStampedModel):
    """A class of demand: a major class (parent empty) or a minor class under one.

    Each minor class carries who is responsible and its limits for accepting, responding and
    handling, each a value and a unit; admins edit them (they differ from city to city).
    """

    class Level(models.TextChoices):
        GRID = "grid", _("grid")
        COMMUNITY = "community", _("community")
        SUBDISTRICT = "subdistrict", _("subdistrict")
        COUNTY = "county", _("county")
        DEPARTMENT = "department", _("department")
        PROPERTY = "property", _("property company")

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=64)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("major class"),
    )
    responsible_level = models.CharField(
        _("responsible level"), max_length=16, choices=Level.choices, default=Level.COMMUNITY
    )
    department_kind = models.CharField(
        _("responsible department"),
        max_length=32,
        blank=True,
        help_text=_("Name of the department that handles it when the level is department, e.g. 城管."),
    )
    accept_limit = models.PositiveIntegerField(_("accept within"), default=24)
    accept_unit = models.CharField(
        _("unit"), max_length=16, choices=TimeLimit.choices, default=TimeLimit.HOURS
    )
    respond_limit = models.PositiveIntegerField(_("respond within"), default=1)
    respond_unit = models.CharField(
        _("unit"), max_length=16, choices=TimeLimit.choices, default=TimeLimit.WORKING_DAYS
    )
    handle_limit = models.PositiveIntegerField(_("handle within"), default=5)
    handle_unit = models.CharField(
        _("unit"), max_length=16, choices=TimeLimit.choices, default=TimeLimit.WORKING_DAYS
    )
    urgent = models.BooleanField(_("urgent"), default=False)
    duplicate_radius_m = models.PositiveIntegerField(_("duplicate radius (m)"), default=250)
    keywords = models.TextField(
        _("keywords"), blank=True, help_text=_("Words that suggest this class, one per line.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id and self.parent else self.name
