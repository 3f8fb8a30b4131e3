from django.db import models
from django.utils.translation import gettext_lazy as _
from tree_queries.models import TreeNode

from doorstep.core.models import TimeStampedModel


class Region(TreeNode, TimeStampedModel):
    """A node of the territory: city → county → subdistrict/town → community → compound (小区).

    Codes are GB/T 2260 (6 digits) for the city and counties, statistical division codes (12
    digits, 9 for a township) below; where no official code is known a local code is kept and
    `code_is_official` is false. Geometry is WGS-84: a GeoJSON Polygon/MultiPolygon and its centroid.
    """

    class Level(models.IntegerChoices):
        CITY = 1, _("city")
        COUNTY = 2, _("county")
        SUBDISTRICT = 3, _("subdistrict or town")
        COMMUNITY = 4, _("community")
        COMPOUND = 5, _("compound")

    class Kind(models.TextChoices):
        """Finer kind within a level (district vs county, subdistrict vs town …)."""

        PREFECTURE = "prefecture", _("prefecture-level city")
        DISTRICT = "district", _("district")
        COUNTY = "county", _("county")
        COUNTY_CITY = "county_city", _("county-level city")
        SUBDISTRICT = "subdistrict", _("subdistrict")
        TOWN = "town", _("town")
        TOWNSHIP = "township", _("township")
        COMMUNITY = "community", _("community")
        VILLAGE = "village", _("village")
        COMPOUND = "compound", _("compound")

    name = models.CharField(_("name"), max_length=64)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, blank=True)
    code = models.CharField(_("code"), max_length=32, unique=True)
    code_is_official = models.BooleanField(_("official code"), default=False)
    boundary = models.JSONField(_("boundary (GeoJSON, WGS-84)"), null=True, blank=True)
    centroid_lng = models.FloatField(_("centroid longitude"), null=True, blank=True)
    centroid_lat = models.FloatField(_("centroid latitude"), null=True, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # Compound facts (level = compound only).
    is_old_compound = models.BooleanField(_("old compound"), default=False)
    built_year = models.PositiveSmallIntegerField(_("year built"), null=True, blank=True)
    is_model_compound = models.BooleanField(_("model compound"), default=False)
    # Bumped on every boundary change so that point-location indexes know to rebuild.
    geometry_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "parent"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_compound(self) -> bool:
        return self.level == self.Level.COMPOUND
