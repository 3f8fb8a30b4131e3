from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import TimeStampedModel


class Grid(TimeStampedModel):
    """A grid (网格): the smallest unit of patrol and service, residential or dedicated (专属网格).

    One grid can carry several duties at once (多格合一: party building, comprehensive governance,
    urban management, civil affairs, fire safety, market supervision …).
    """

    class Kind(models.TextChoices):
        RESIDENTIAL = "residential", _("residential grid")
        SCHOOL = "school", _("school grid")
        HOSPITAL = "hospital", _("hospital grid")
        MARKET = "market", _("market grid")
        ENTERPRISE = "enterprise", _("enterprise grid")
        PARK = "park", _("industrial park grid")
        COMMERCIAL = "commercial", _("commercial district grid")
        OTHER = "other", _("other dedicated grid")

    class Duty(models.TextChoices):
        PARTY = "party", _("party building")
        GOVERNANCE = "governance", _("comprehensive governance")
        URBAN = "urban", _("urban management")
        CIVIL = "civil", _("civil affairs")
        FIRE = "fire", _("fire safety")
        MARKET = "market", _("market supervision")
        SAFETY = "safety", _("work safety")
        ENVIRONMENT = "environment", _("environmental protection")
        EMERGENCY = "emergency", _("emergency management")

    code = models.CharField(_("grid code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.RESIDENTIAL)
    duties = models.JSONField(_("merged duties"), default=list, blank=True)
    community = models.ForeignKey(
        "territory.Region", on_delete=models.PROTECT, related_name="grids", verbose_name=_("community")
    )
    compounds = models.ManyToManyField(
        "territory.Region", blank=True, related_name="covering_grids", verbose_name=_("compounds covered")
    )
    boundary = models.JSONField(_("boundary (GeoJSON, WGS-84)"), null=True, blank=True)
    centroid_lng = models.FloatField(_("centroid longitude"), null=True, blank=True)
    centroid_lat = models.FloatField(_("centroid latitude"), null=True, blank=True)
    geometry_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_dedicated(self) -> bool:
        return self.kind != self.Kind.RESIDENTIAL


class GridMember(models.Model):
    """A grid worker or the grid leader (网格员 / 网格长) of a grid."""

    class Position(models.TextChoices):
        WORKER = "worker", _("grid worker")
        LEADER = "leader", _("grid leader")
        ASSISTANT = "assistant", _("part-time grid worker")

    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="members", verbose_name=_("grid"))
    person = models.ForeignKey(
        "territory.Person", on_delete=models.CASCADE, related_name="grid_posts", verbose_name=_("person")
    )
    position = models.CharField(
        _("position"), max_length=16, choices=Position.choices, default=Position.WORKER
    )
    since = models.DateField(_("since"), null=True, blank=True)

    class Meta:
        verbose_name = _("grid member")
        verbose_name_plural = _("grid members")
        constraints = [models.UniqueConstraint(fields=["grid", "person"], name="grid_member_once")]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_position_display()}) @ {self.grid}"


class DepartmentContact(TimeStampedModel):
    """A department's resource stationed in a grid or compound, with a public contact (部门下沉)."""

    department = models.ForeignKey(
        "territory.Organization",
        on_delete=models.CASCADE,
        related_name="stationed_contacts",
        verbose_name=_("department"),
    )
    grid = models.ForeignKey(
        Grid,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="department_contacts",
        verbose_name=_("grid"),
    )
    compound = models.ForeignKey(
        "territory.Region",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="department_contacts",
        verbose_name=_("compound"),
    )
    name = models.CharField(_("contact name"), max_length=32)
    title = models.CharField(_("title"), max_length=64, blank=True)
    public_phone = models.CharField(_("public phone"), max_length=20)
    duties = models.CharField(_("what to contact them for"), max_length=200, blank=True)
    is_public = models.BooleanField(_("shown publicly"), default=True)

    class Meta:
        verbose_name = _("department contact")
        verbose_name_plural = _("department contacts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(grid__isnull=False) | models.Q(compound__isnull=False),
                name="department_contact_stationed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.department} · {self.name}"
