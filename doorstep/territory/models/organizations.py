from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from tree_queries.models import TreeNode

from doorstep.core.models import TimeStampedModel


class Organization(TreeNode, TimeStampedModel):
    """Every organisation at the door: the five-level party structure and the 1+3+N bodies.

    Party organisations form a tree (街道党工委 → 社区党组织 → 小区/网格党支部 → 楼栋党小组 → 党员中心户)
    and each is attached where it works: a region, a grid, a building or a dwelling.
    """

    class Kind(models.TextChoices):
        # Party structure
        PARTY_WORKING_COMMITTEE = "party_working_committee", _("subdistrict party working committee")
        PARTY_COMMITTEE = "party_committee", _("party committee")
        PARTY_GENERAL_BRANCH = "party_general_branch", _("party general branch")
        PARTY_BRANCH = "party_branch", _("party branch")
        PARTY_GROUP = "party_group", _("building party group")
        CENTER_HOUSEHOLD = "center_household", _("party member center household")
        # 1 + 3 + N
        OWNERS_COMMITTEE = "owners_committee", _("owners' committee")
        PROPERTY_MANAGEMENT_COMMITTEE = "property_management_committee", _("property management committee")
        PROPERTY_COMPANY = "property_company", _("property company")
        CO_BUILDING_UNIT = "co_building_unit", _("co-building unit")
        RESIDENT_UNIT = "resident_unit", _("resident unit")
        VOLUNTEER_ORG = "volunteer_org", _("volunteer organisation")
        PLATFORM = "platform", _("new-employment platform")
        STATION = "station", _("delivery station")
        DEPARTMENT = "department", _("government department")
        DEVELOPER = "developer", _("real-estate developer")
        # Sponsors of public-welfare property companies (街道、社区、国有企业领办).
        RESIDENTS_COMMITTEE = "residents_committee", _("community residents' committee")
        STATE_ENTERPRISE = "state_enterprise", _("state-owned enterprise")
        JOINT_BODY = "joint_body", _("five-party joint body")
        OTHER = "other", _("other organisation")

    PARTY_KINDS = frozenset(
        {
            Kind.PARTY_WORKING_COMMITTEE,
            Kind.PARTY_COMMITTEE,
            Kind.PARTY_GENERAL_BRANCH,
            Kind.PARTY_BRANCH,
            Kind.PARTY_GROUP,
            Kind.CENTER_HOUSEHOLD,
        }
    )

    class CompanyMode(models.TextChoices):
        MARKET = "market", _("market company")
        PUBLIC_WELFARE = "public_welfare", _("public-welfare company")

    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, db_index=True)
    region = models.ForeignKey(
        "territory.Region", on_delete=models.PROTECT, related_name="organizations", verbose_name=_("region")
    )
    grid = models.ForeignKey(
        "territory.Grid",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("grid"),
    )
    building = models.ForeignKey(
        "territory.Building",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("building"),
    )
    dwelling = models.ForeignKey(
        "territory.Dwelling",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("dwelling"),
    )
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    phone = models.CharField(_("public phone"), max_length=20, blank=True)
    term_start = models.DateField(_("term start"), null=True, blank=True)
    term_end = models.DateField(_("term end"), null=True, blank=True)
    company_mode = models.CharField(_("company mode"), max_length=16, choices=CompanyMode.choices, blank=True)
    sponsor = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sponsored",
        verbose_name=_("sponsor (for public-welfare companies)"),
    )
    office_schedule = models.JSONField(_("office hours"), null=True, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["region", "kind", "name"]
        indexes = [models.Index(fields=["region", "kind"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_party(self) -> bool:
        return self.kind in self.PARTY_KINDS


class OrgMembership(TimeStampedModel):
    """A person's seat in an organisation (committee member, secretary, director …) over a term."""

    class Position(models.TextChoices):
        SECRETARY = "secretary", _("secretary")
        DEPUTY_SECRETARY = "deputy_secretary", _("deputy secretary")
        DIRECTOR = "director", _("director")
        DEPUTY_DIRECTOR = "deputy_director", _("deputy director")
        MEMBER = "member", _("member")
        MANAGER = "manager", _("manager")
        LEADER = "leader", _("group leader")
        LIAISON = "liaison", _("liaison")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("organisation")
    )
    person = models.ForeignKey(
        "territory.Person", on_delete=models.CASCADE, related_name="org_memberships", verbose_name=_("person")
    )
    position = models.CharField(
        _("position"), max_length=24, choices=Position.choices, default=Position.MEMBER
    )
    term_start = models.DateField(_("term start"), null=True, blank=True)
    term_end = models.DateField(_("term end"), null=True, blank=True)

    class Meta:
        verbose_name = _("organisation membership")
        verbose_name_plural = _("organisation memberships")

    def __str__(self) -> str:
        return f"{self.person} · {self.get_position_display()} · {self.organization}"


class JointBodySeat(models.Model):
    """One of the five seats of a compound's 红色物业 five-party joint body."""

    class Seat(models.TextChoices):
        PARTY = "party", _("community party organisation")
        PROPERTY_COMPANY = "property_company", _("property company")
        OWNERS_COMMITTEE = "owners_committee", _("owners' committee")
        CO_BUILDING_UNIT = "co_building_unit", _("co-building unit")
        RESIDENTS = "residents", _("resident representatives")

    body = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="seats",
        verbose_name=_("joint body"),
        limit_choices_to={"kind": Organization.Kind.JOINT_BODY},
    )
    seat = models.CharField(_("seat"), max_length=24, choices=Seat.choices)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="joint_seats",
        verbose_name=_("organisation holding the seat"),
    )
    representative = models.ForeignKey(
        "territory.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="joint_seats",
        verbose_name=_("representative"),
    )

    class Meta:
        verbose_name = _("joint body seat")
        verbose_name_plural = _("joint body seats")
        constraints = [models.UniqueConstraint(fields=["body", "seat"], name="joint_body_seat_once")]

    def __str__(self) -> str:
        return f"{self.body} · {self.get_seat_display()}"


class PropertyService(TimeStampedModel):
    """Who manages a compound's property over a period, and how (物业模式)."""

    class Mode(models.TextChoices):
        MARKET = "market", _("market")
        PUBLIC_WELFARE = "public_welfare", _("public welfare")
        SELF_MANAGED = "self_managed", _("self-managed")
        NONE = "none", _("none")

    compound = models.ForeignKey(
        "territory.Region",
        on_delete=models.CASCADE,
        related_name="property_services",
        verbose_name=_("compound"),
    )
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices)
    company = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="services",
        verbose_name=_("company or committee"),
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)

    class Meta:
        verbose_name = _("property service")
        verbose_name_plural = _("property services")
        ordering = ["compound", "-start"]
        indexes = [models.Index(fields=["compound", "start", "end"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="property_service_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.compound} · {self.get_mode_display()} · {self.start}"
