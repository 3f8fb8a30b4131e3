"""Scoped reads of the three lists, projects and compound plans. Every read takes the user.

Staff (community, subdistrict, leaders, administrators) see what lies in their scope's regions; an
outsider of another community sees nothing (a 404 on the pages). Anyone may read a delivered
project's public page: no names, only what was built, what it cost and whom it serves.
"""

from dataclasses import dataclass

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from doorstep.demands.models import Demand
from doorstep.territory.models import Dwelling, Organization, Region
from doorstep.territory.selectors import scope_for

from . import ledger as ledger_rules
from .models import (
    AccountKind,
    Consultation,
    LedgerLine,
    Milestone,
    Need,
    PlanMeasure,
    Project,
    ProjectEvent,
    Resource,
)
from .services import ACTION_LABELS, MANAGERS, allowed


def _scope(user):
    if user is None or not user.is_authenticated:
        return None
    scope = scope_for(user)
    if not scope.everything and not scope.role_kinds & MANAGERS:
        return None
    return scope


def _filter(user, qs: QuerySet, field: str) -> QuerySet:
    scope = _scope(user)
    return qs.none() if scope is None else scope.filter(qs, field)


def is_manager(user) -> bool:
    return _scope(user) is not None and not _scope(user).is_empty


def projects_managed(user) -> QuerySet[Project]:
    return _filter(user, Project.objects.all(), "region")


def needs_managed(user) -> QuerySet[Need]:
    return _filter(user, Need.objects.all(), "region")


def resources_managed(user) -> QuerySet[Resource]:
    return _filter(user, Resource.objects.all(), "region")


def regions_managed(user) -> QuerySet[Region]:
    """Communities and compounds where this user may run projects."""
    return _filter(user, Region.objects.filter(level__gte=Region.Level.COMMUNITY), "pk")


def compounds_managed(user) -> QuerySet[Region]:
    return _filter(user, Region.objects.filter(level=Region.Level.COMPOUND), "pk")


def organizations_managed(user) -> QuerySet[Organization]:
    kinds = [
        Organization.Kind.CO_BUILDING_UNIT,
        Organization.Kind.RESIDENT_UNIT,
        Organization.Kind.VOLUNTEER_ORG,
        Organization.Kind.STATE_ENTERPRISE,
        Organization.Kind.PROPERTY_COMPANY,
        Organization.Kind.OTHER,
    ]
    return _filter(user, Organization.objects.filter(kind__in=kinds), "region")


def demand_in_scope(user, number: str) -> Demand | None:
    return _filter(user, Demand.objects.all(), "region").filter(number=(number or "").strip()).first()


def big_demands_waiting(user, limit: int = 50) -> list[Demand]:
    """Demands triaged as big matters that are in no project yet."""
    in_project = Need.objects.filter(projects__isnull=False).values("demand_id")
    qs = _filter(user, Demand.objects.filter(triage=Demand.Triage.BIG), "region")
    return list(
        qs.exclude(pk__in=in_project)
        .select_related("region")
        .only("number", "text", "received_at", "region__name")[:limit]
    )


def topics_waiting(user, limit: int = 50) -> list:
    """Council topics decided (or being carried out) in scope that are in no project yet."""
    from doorstep.council.models import Topic

    in_project = Need.objects.filter(projects__isnull=False, topic__isnull=False).values("topic_id")
    qs = _filter(user, Topic.objects.filter(stage__in=["decided", "carrying_out"]), "region")
    return list(qs.exclude(pk__in=in_project).select_related("region").order_by("-pk")[:limit])


def topic_in_scope(user, pk) -> object | None:
    from doorstep.council.models import Topic

    try:
        return _filter(user, Topic.objects.select_related("region"), "region").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def _sum(field: str):
    return Coalesce(
        Subquery(
            LedgerLine.objects.filter(project=OuterRef("pk"))
            .order_by()
            .values("project")
            .annotate(s=Sum(field))
            .values("s"),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        ),
        Value(0),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def project_rows(user) -> QuerySet[Project]:
    """The staff list: each project with its totals and progress, in one query."""
    return annotate_rows(projects_managed(user))


def annotate_rows(qs: QuerySet[Project]) -> QuerySet[Project]:
    """Projects with total_budget, total_spent, avg_progress and need_count, in one query."""
    progress = Subquery(
        Milestone.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(a=Avg("progress"))
        .values("a")
    )
    return (
        qs.select_related("region")
        .annotate(
            total_budget=_sum("budget"),
            total_spent=_sum("spent"),
            avg_progress=Coalesce(progress, Value(0.0)),
            need_count=Coalesce(
                Subquery(
                    Project.needs.through.objects.filter(project=OuterRef("pk"))
                    .order_by()
                    .values("project")
                    .annotate(c=Count("pk"))
                    .values("c"),
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
        )
        .order_by("-created_at", "-pk")
    )


def progress_of(milestones) -> int:
    """A project's progress: the mean of its milestones' progress, rounded down (0 without any)."""
    values = [m.progress for m in milestones]
    return sum(values) // len(values) if values else 0


def mark_late(milestones, today=None) -> None:
    """Give each milestone `.days_late`: days past its planned date (finished late, or still
    open after it); 0 when on time."""
    today = today or timezone.localdate()
    for m in milestones:
        end = m.actual_date or (today if m.progress < 100 else m.planned_date)
        m.days_late = max((end - m.planned_date).days, 0)


@dataclass
class ProjectPage:
    project: Project
    ledger: ledger_rules.Ledger
    milestones: list
    consultations: list
    needs: list
    resources: list
    events: list
    compounds: list
    dwellings: list
    progress: int
    actions: list
    kinds: list
    measures: list


def project_page(user, pk: int, *, public: bool = False, project: Project | None = None) -> ProjectPage:
    """Everything the project page shows, in a fixed number of queries. With `public`, only a
    delivered project, and no people's names."""
    if project is None:  # else: one the caller has already found in their scope
        if public:
            qs = Project.objects.filter(status__in=[Project.Status.DELIVERED, Project.Status.REPORTED])
        else:
            qs = projects_managed(user)
        project = qs.select_related("region").get(pk=pk)
    public = public or user is None
    lines = list(LedgerLine.objects.filter(project=project).select_related("kind"))
    milestones = list(Milestone.objects.filter(project=project))
    mark_late(milestones)
    events = []
    if not public:
        events = list(ProjectEvent.objects.filter(project=project).select_related("by"))
        for e in events:
            e.label = ACTION_LABELS.get(e.action, e.action)
    return ProjectPage(
        project=project,
        ledger=ledger_rules.summarize(lines),
        milestones=milestones,
        consultations=list(Consultation.objects.filter(project=project)),
        needs=list(project.needs.select_related("demand").order_by("pk")),
        resources=list(project.resources.select_related("organization").order_by("kind", "name")),
        events=events,
        compounds=list(project.beneficiary_compounds.order_by("code")),
        dwellings=list(
            project.beneficiary_dwellings.select_related("building").order_by(
                "building__number", "stairwell_unit", "room"
            )
        ),
        progress=progress_of(milestones),
        actions=[] if public else allowed(project, user),
        kinds=[] if public else list(AccountKind.objects.filter(active=True)),
        measures=list(project.measures.select_related("compound")),
    )


def dwellings_for(project: Project, limit: int = 600) -> list[Dwelling]:
    """The dwellings a project's beneficiaries may be chosen from: those of its region."""
    if project.region.level == Region.Level.COMPOUND:
        qs = Dwelling.objects.filter(building__compound_id=project.region_id)
    else:
        qs = Dwelling.objects.filter(building__compound__parent_id=project.region_id)
    return list(qs.select_related("building").order_by("building__number", "stairwell_unit", "room")[:limit])


def compound_plan(user, compound_pk: int) -> tuple[Region, list[PlanMeasure]]:
    compound = compounds_managed(user).get(pk=compound_pk)
    measures = list(
        PlanMeasure.objects.filter(compound=compound)
        .prefetch_related("demands", "projects")
        .order_by("created_at", "pk")
    )
    return compound, measures


def plan_overview(user) -> QuerySet[Region]:
    """Compounds in scope with how many plan measures they have and how many are done."""
    return (
        compounds_managed(user)
        .select_related("parent")
        .annotate(
            measure_count=Count("plan_measures"),
            done_count=Count("plan_measures", filter=Q(plan_measures__status=PlanMeasure.Status.DONE)),
        )
        .order_by("code")
    )


def home_compound(user) -> Region | None:
    """The compound a logged-in resident lives in (their person record's home region)."""
    if user is None or not user.is_authenticated:
        return None
    region = (
        Region.objects.filter(residents__user=user, level=Region.Level.COMPOUND).only("pk", "name").first()
    )
    return region


def delivered_projects(compound_pk: int | None = None) -> QuerySet[Project]:
    qs = Project.objects.filter(
        status__in=[Project.Status.DELIVERED, Project.Status.REPORTED]
    ).select_related("region")
    if compound_pk:
        qs = qs.filter(Q(region_id=compound_pk) | Q(beneficiary_compounds=compound_pk)).distinct()
    return qs.order_by("-delivered_at", "-pk")


def make_project_link(user, *, demand=None, topic=None) -> dict | None:
    """For the staff page of a big-matter demand's case or a decided topic: the projects already
    made from it, and the link that makes one (转为项目). None when the user may not make projects
    of that place."""
    from django.urls import reverse

    from .services import can_manage

    source = demand if demand is not None else topic
    if source is None or source.region_id is None or not can_manage(user, source.region_id):
        return None
    if demand is not None:
        needs = Q(needs__demand=demand)
        url = reverse("projects:create") + f"?demand={demand.number}"
    else:
        needs = Q(needs__topic=topic)
        if topic.demand_id:
            needs |= Q(needs__demand_id=topic.demand_id)
        url = reverse("projects:create") + f"?topic={topic.pk}"
    projects = list(Project.objects.filter(needs).distinct().only("title", "status").order_by("pk")[:10])
    return {"url": url, "projects": projects}
