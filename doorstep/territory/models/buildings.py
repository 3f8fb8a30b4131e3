from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import TimeStampedModel


class Building(TimeStampedModel):
    """A building (楼栋) of a compound."""

    compound = models.ForeignKey(
        "territory.Region", on_delete=models.CASCADE, related_name="buildings", verbose_name=_("compound")
    )
    number = models.CharField(_("building number"), max_length=16)
    floors = models.PositiveSmallIntegerField(_("floors"), default=1)
    stairwell_units = models.PositiveSmallIntegerField(_("stairwell units"), default=1)
    has_elevator = models.BooleanField(_("elevator"), default=False)
    built_year = models.PositiveSmallIntegerField(_("year built"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["compound", "number"]
        constraints = [models.UniqueConstraint(fields=["compound", "number"], name="building_unique_number")]

    def __str__(self) -> str:
        return f"{self.compound} {self.number}"


class Dwelling(TimeStampedModel):
    """An exclusive unit (专有部分): a home or a shop, with its exclusive area as an exact decimal."""

    class Use(models.TextChoices):
        RESIDENTIAL = "residential", _("residential")
        COMMERCIAL = "commercial", _("commercial")

    class AreaSource(models.TextChoices):
        REGISTER = "register", _("real-estate register")
        SURVEY = "survey", _("survey")
        CONTRACT = "contract", _("sale contract")

    building = models.ForeignKey(
        Building, on_delete=models.CASCADE, related_name="dwellings", verbose_name=_("building")
    )
    stairwell_unit = models.PositiveSmallIntegerField(_("stairwell unit"), default=1)
    room = models.CharField(_("room"), max_length=16)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    exclusive_area = models.DecimalField(_("exclusive area (m²)"), max_digits=10, decimal_places=2)
    area_source = models.CharField(
        _("area source"), max_length=16, choices=AreaSource.choices, default=AreaSource.REGISTER
    )
    use = models.CharField(_("use"), max_length=16, choices=Use.choices, default=Use.RESIDENTIAL)

    class Meta:
        verbose_name = _("dwelling")
        verbose_name_plural = _("dwellings")
        ordering = ["building", "stairwell_unit", "room"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "stairwell_unit", "room"], name="dwelling_unique_room"
            ),
            models.CheckConstraint(condition=Q(exclusive_area__gt=0), name="dwelling_area_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.building} {self.stairwell_unit}-{self.room}"


class Ownership(TimeStampedModel):
    """Who owns a dwelling. Co-owners are several rows of one dwelling; together they are one owner.

    The owner is a person, or an organisation (a developer holding unsold units, a company).
    `ended_on` is set when the unit is sold on; current owners have none.
    """

    dwelling = models.ForeignKey(
        Dwelling, on_delete=models.CASCADE, related_name="ownerships", verbose_name=_("dwelling")
    )
    person = models.ForeignKey(
        "territory.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ownerships",
        verbose_name=_("person"),
    )
    organization = models.ForeignKey(
        "territory.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ownerships",
        verbose_name=_("organisation"),
    )
    is_developer_unsold = models.BooleanField(_("developer's unsold unit"), default=False)
    registered_on = models.DateField(_("registration date"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    certificate_no = models.CharField(_("certificate number"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("ownership")
        verbose_name_plural = _("ownerships")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, organization__isnull=True)
                | Q(person__isnull=True, organization__isnull=False),
                name="ownership_one_owner",
            )
        ]
        indexes = [models.Index(fields=["dwelling", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.dwelling}: {self.person or self.organization}"


class Household(TimeStampedModel):
    """The people living in a dwelling (户)."""

    dwelling = models.ForeignKey(
        Dwelling, on_delete=models.CASCADE, related_name="households", verbose_name=_("dwelling")
    )
    head = models.ForeignKey(
        "territory.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("head of household"),
    )
    moved_in_on = models.DateField(_("moved in on"), null=True, blank=True)
    moved_out_on = models.DateField(_("moved out on"), null=True, blank=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return f"{self.dwelling}"


class HouseholdMember(models.Model):
    class Relation(models.TextChoices):
        HEAD = "head", _("head of household")
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("child")
        PARENT = "parent", _("parent")
        OTHER = "other", _("other relative")
        TENANT = "tenant", _("tenant")

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="members", verbose_name=_("household")
    )
    person = models.ForeignKey(
        "territory.Person",
        on_delete=models.CASCADE,
        related_name="household_memberships",
        verbose_name=_("person"),
    )
    relation = models.CharField(
        _("relation"), max_length=16, choices=Relation.choices, default=Relation.OTHER
    )

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        constraints = [models.UniqueConstraint(fields=["household", "person"], name="household_member_once")]

    def __str__(self) -> str:
        return f"{self.person} @ {self.household}"
