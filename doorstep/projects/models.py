"""大事建: the three lists (needs, resources, projects), a project's ledger (算笔账) and the
compound plan (一区一策).

A Need comes from a demand (triaged as a big matter) or a council topic; a Resource is what
co-building units, volunteers, funds and spaces offer; a Project matches needs with resources
and keeps its ledger: account lines by kind (the kinds are a table the city configures), budget
against spending in exact yuan, milestones, beneficiaries and the consultations of the three
professionals (三师: planner, architect, engineer). A project moves through one transition table
(projects.services.TABLE); every move is a ProjectEvent row.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.core.models import StatusEvent, TimeStampedModel

MONEY = {"max_digits": 14, "decimal_places": 2}


class AccountKind(models.Model):
    """A kind of account line (政策账, 经济账, 资源账, 民生账 …); the city adds its own."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=32)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("account kind")
        verbose_name_plural = _("account kinds")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class Need(TimeStampedModel):
    """需求清单: one need, from a demand, a council topic, or a visit."""

    class Source(models.TextChoices):
        DEMAND = "demand", _("demand")
        TOPIC = "topic", _("council topic")
        VISIT = "visit", _("found on a visit")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        MATCHED = "matched", _("in a project")
        MET = "met", _("met")

    region = models.ForeignKey(
        "territory.Region", on_delete=models.PROTECT, related_name="needs", verbose_name=_("region")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.DEMAND)
    demand = models.OneToOneField(
        "demands.Demand",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="need",
        verbose_name=_("demand"),
    )
    # A council topic (议题) decided together and to be built: services.need_from_topic. A need
    # raised outside doorstep's topics keeps the reference it was given (topic_ref).
    topic = models.ForeignKey(
        "council.Topic",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="needs",
        verbose_name=_("topic"),
    )
    topic_ref = models.CharField(_("topic reference"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return self.title


class Resource(TimeStampedModel):
    """资源清单: what a co-building unit, volunteers, a fund or a space can give."""

    class Kind(models.TextChoices):
        UNIT = "unit", _("co-building unit")
        VOLUNTEERS = "volunteers", _("volunteers")
        FUNDS = "funds", _("funds")
        SPACE = "space", _("space")
        OTHER = "other", _("other")

    region = models.ForeignKey(
        "territory.Region",
        on_delete=models.PROTECT,
        related_name="project_resources",
        verbose_name=_("region"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    organization = models.ForeignKey(
        "territory.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="project_resources",
        verbose_name=_("organisation"),
    )
    amount = models.DecimalField(_("amount (yuan)"), null=True, blank=True, **MONEY)
    description = models.TextField(_("what it offers"), blank=True)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="resource_amount_ok"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Project(TimeStampedModel):
    """项目清单: a project matching needs with resources, with its ledger and milestones."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("project planned")
        APPROVED = "approved", _("project approved")
        UNDER_WAY = "under_way", _("work under way")
        DELIVERED = "delivered", _("project delivered")
        REPORTED = "reported", _("reported back to residents")
        CANCELLED = "cancelled", _("project cancelled")

    region = models.ForeignKey(
        "territory.Region", on_delete=models.PROTECT, related_name="projects", verbose_name=_("region")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    needs = models.ManyToManyField(Need, blank=True, related_name="projects", verbose_name=_("needs"))
    resources = models.ManyToManyField(
        Resource, blank=True, related_name="projects", verbose_name=_("resources")
    )
    beneficiary_count = models.PositiveIntegerField(_("residents who benefit"), default=0)
    beneficiary_compounds = models.ManyToManyField(
        "territory.Region", blank=True, related_name="+", verbose_name=_("compounds that benefit")
    )
    beneficiary_dwellings = models.ManyToManyField(
        "territory.Dwelling", blank=True, related_name="+", verbose_name=_("dwellings that benefit")
    )
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    report = models.TextField(_("report back"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status in (self.Status.DELIVERED, self.Status.REPORTED)


class ProjectEvent(StatusEvent):
    """One row per transition and per change of the ledger: who, when, from, to, what."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="events", verbose_name=_("project")
    )

    class Meta:
        verbose_name = _("project event")
        verbose_name_plural = _("project events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["project", "at"])]

    def __str__(self) -> str:
        return f"{self.project_id} {self.action}"


class LedgerLine(models.Model):
    """One account line: what for, which account, the budget and what has been spent (yuan)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="lines", verbose_name=_("project")
    )
    kind = models.ForeignKey(
        AccountKind, on_delete=models.PROTECT, related_name="+", verbose_name=_("account")
    )
    item = models.CharField(_("item"), max_length=200)
    budget = models.DecimalField(_("budget (yuan)"), **MONEY)
    spent = models.DecimalField(_("spent (yuan)"), default=0, **MONEY)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("account line")
        verbose_name_plural = _("account lines")
        ordering = ["project", "kind__position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__gte=0) & Q(spent__gte=0), name="ledger_line_not_negative"
            )
        ]

    def __str__(self) -> str:
        return self.item


class Milestone(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("project")
    )
    title = models.CharField(_("milestone"), max_length=200)
    planned_date = models.DateField(_("planned date"))
    actual_date = models.DateField(_("actual date"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["project", "planned_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="milestone_progress_le_100")
        ]

    def __str__(self) -> str:
        return self.title


class Consultation(models.Model):
    """三师进社区: a planner's, architect's or engineer's advice on the project."""

    class Profession(models.TextChoices):
        PLANNER = "planner", _("planner")
        ARCHITECT = "architect", _("architect")
        ENGINEER = "engineer", _("engineer")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="consultations", verbose_name=_("project")
    )
    profession = models.CharField(_("profession"), max_length=16, choices=Profession.choices)
    expert = models.CharField(_("expert"), max_length=64)
    affiliation = models.CharField(_("affiliation"), max_length=128, blank=True)
    held_on = models.DateField(_("date"))
    advice = models.TextField(_("advice"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["project", "held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_profession_display()} {self.expert}"


class PlanMeasure(TimeStampedModel):
    """一区一策: one measure of a compound's plan, with the demands and projects behind it."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")

    compound = models.ForeignKey(
        "territory.Region", on_delete=models.PROTECT, related_name="plan_measures", verbose_name=_("compound")
    )
    title = models.CharField(_("measure"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    demands = models.ManyToManyField(
        "demands.Demand", blank=True, related_name="plan_measures", verbose_name=_("demands")
    )
    projects = models.ManyToManyField(
        Project, blank=True, related_name="measures", verbose_name=_("projects")
    )

    class Meta:
        verbose_name = _("plan measure")
        verbose_name_plural = _("plan measures")
        ordering = ["compound", "created_at", "pk"]

    def __str__(self) -> str:
        return self.title
