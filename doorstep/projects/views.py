"""Pages of 大事建: the three lists, projects with their ledger, the compound plan (staff, scoped
by the user's region: outside it a 404), and the public page of a delivered project (phone).

Views parse input and call one service; reads come from projects.selectors.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .models import AccountKind, Consultation, LedgerLine, Milestone, Need, PlanMeasure, Project, Resource

STAGES = [
    Project.Status.PLANNED,
    Project.Status.APPROVED,
    Project.Status.UNDER_WAY,
    Project.Status.DELIVERED,
    Project.Status.REPORTED,
]


def stages(project: Project) -> list[dict]:
    """The stage line: done, now, or to come (a cancelled project shows where it stopped)."""
    current = project.status
    reached = STAGES.index(current) if current in STAGES else -1
    out = [
        {"label": s.label, "state": "done" if i < reached else "now" if i == reached else ""}
        for i, s in enumerate(STAGES)
    ]
    if current == Project.Status.CANCELLED:
        out.append({"label": Project.Status.CANCELLED.label, "state": "now"})
    return out


def _manager(request) -> None:
    if not selectors.is_manager(request.user):
        raise Http404


def _project(request, pk) -> Project:
    return get_object_or_404(selectors.projects_managed(request.user).select_related("region"), pk=pk)


def _done(request, exc: ValidationError | None, ok: str) -> None:
    if exc is None:
        messages.success(request, ok)
    else:
        messages.error(request, " ".join(exc.messages))


def _run(request, fn, ok: str, **kwargs):
    try:
        result = fn(**kwargs)
    except ValidationError as exc:
        _done(request, exc, ok)
        return None
    _done(request, None, ok)
    return result


# --- the three lists --------------------------------------------------------------------------


@login_required
def lists(request):
    """需求清单 · 资源清单 · 项目清单."""
    _manager(request)
    return render(
        request,
        "projects/lists.html",
        {
            "waiting": selectors.big_demands_waiting(request.user),
            "topics": selectors.topics_waiting(request.user),
            "needs": selectors.needs_managed(request.user)
            .select_related("region", "demand")
            .prefetch_related("projects")[:200],
            "resources": selectors.resources_managed(request.user).select_related("region", "organization")[
                :200
            ],
            "projects": selectors.project_rows(request.user)[:50],
            "regions": selectors.regions_managed(request.user).order_by("level", "code"),
            "organizations": selectors.organizations_managed(request.user).order_by("name")[:300],
            "resource_kinds": Resource.Kind.choices,
            "need_sources": [(v, label) for v, label in Need.Source.choices if v != Need.Source.DEMAND],
        },
    )


def _region(request, field="region"):
    try:
        return selectors.regions_managed(request.user).get(pk=int(request.POST.get(field, "")))
    except (ValueError, ObjectDoesNotExist):
        return None


@login_required
@require_POST
def need_add(request):
    _manager(request)
    region = _region(request)
    if region is None:
        messages.error(request, _("Please choose a community or compound in your area."))
    else:
        _run(
            request,
            services.add_need,
            _("The need is on the list."),
            region=region,
            title=request.POST.get("title", ""),
            description=request.POST.get("description", ""),
            source=request.POST.get("source", Need.Source.VISIT),
            topic_ref=request.POST.get("topic_ref", ""),
            by=request.user,
        )
    return redirect("projects:lists")


@login_required
@require_POST
def resource_add(request):
    _manager(request)
    region = _region(request)
    org = None
    if request.POST.get("organization"):
        org = selectors.organizations_managed(request.user).filter(pk=request.POST["organization"]).first()
    if region is None:
        messages.error(request, _("Please choose a community or compound in your area."))
    else:
        _run(
            request,
            services.add_resource,
            _("The resource is on the list."),
            region=region,
            kind=request.POST.get("kind", ""),
            name=request.POST.get("name", ""),
            organization=org,
            amount=request.POST.get("amount", ""),
            description=request.POST.get("description", ""),
            by=request.user,
        )
    return redirect("projects:lists")


# --- projects ---------------------------------------------------------------------------------


@login_required
def project_list(request):
    _manager(request)
    return render(request, "projects/list.html", {"projects": selectors.project_rows(request.user)[:200]})


@login_required
def project_create(request):
    """A new project, usually from a demand (?demand=NUMBER): its place and text come along."""
    _manager(request)
    number = request.GET.get("demand") or request.POST.get("demand", "")
    demand = selectors.demand_in_scope(request.user, number) if number else None
    if number and demand is None:
        raise Http404
    topic_pk = request.GET.get("topic") or request.POST.get("topic", "")
    topic = selectors.topic_in_scope(request.user, topic_pk) if topic_pk else None
    if topic_pk and topic is None:
        raise Http404
    source = demand or topic
    regions = selectors.regions_managed(request.user).order_by("level", "code")
    values = {
        "title": request.POST.get("title", topic.title if topic else ""),
        "description": request.POST.get(
            "description", demand.text if demand else topic.description if topic else ""
        ),
        "region": request.POST.get("region", str(source.region_id) if source else ""),
    }
    if request.method == "POST":
        region = _region(request)
        if region is None:
            messages.error(request, _("Please choose a community or compound in your area."))
        else:
            project = _run(
                request,
                services.create_project,
                _("The project is planned; add its account lines and milestones."),
                region=region,
                title=values["title"],
                description=values["description"],
                demands=[demand] if demand else [],
                topics=[topic] if topic else [],
                by=request.user,
            )
            if project is not None:
                return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/create.html",
        {"demand": demand, "topic": topic, "regions": regions, "values": values},
    )


@login_required
def project_detail(request, pk):
    _manager(request)
    try:
        page = selectors.project_page(request.user, pk)
    except Project.DoesNotExist:
        raise Http404 from None
    chosen = {d.pk for d in page.dwellings}
    return render(
        request,
        "projects/detail.html",
        {
            "p": page,
            "project": page.project,
            "stages": stages(page.project),
            "professions": Consultation.Profession.choices,
            "dwelling_choices": selectors.dwellings_for(page.project),
            "chosen_dwellings": chosen,
            "compound_choices": selectors.compounds_managed(request.user).order_by("code")[:200],
            "chosen_compounds": {c.pk for c in page.compounds},
            "open_needs": selectors.needs_managed(request.user)
            .filter(status=Need.Status.OPEN)
            .exclude(projects=page.project)[:100],
            "free_resources": selectors.resources_managed(request.user).exclude(projects=page.project)[:100],
            "editable": page.project.status not in (Project.Status.REPORTED, Project.Status.CANCELLED),
        },
    )


@login_required
@require_POST
def project_action(request, pk, action):
    project = _project(request, pk)
    rule = services.TABLE.get(action)
    if rule is None:
        raise Http404
    _run(
        request,
        services.transition,
        _("Done: %(action)s.") % {"action": rule.label},
        project=project,
        action=action,
        note=request.POST.get("note", ""),
        by=request.user,
    )
    return redirect("projects:detail", pk=project.pk)


@login_required
@require_POST
def line_add(request, pk):
    project = _project(request, pk)
    kind = AccountKind.objects.filter(pk=request.POST.get("kind") or 0, active=True).first()
    if kind is None:
        messages.error(request, _("Please choose the account."))
    else:
        _run(
            request,
            services.add_line,
            _("The account line is added."),
            project=project,
            kind=kind,
            item=request.POST.get("item", ""),
            budget=request.POST.get("budget", ""),
            spent=request.POST.get("spent", "") or "0",
            note=request.POST.get("note", ""),
            by=request.user,
        )
    return redirect("projects:detail", pk=project.pk)


@login_required
@require_POST
def line_change(request, pk, line):
    project = _project(request, pk)
    row = get_object_or_404(LedgerLine, pk=line, project=project)
    _run(
        request,
        services.change_line,
        _("The account line is updated."),
        line=row,
        budget=request.POST.get("budget", ""),
        spent=request.POST.get("spent", ""),
        by=request.user,
    )
    return redirect("projects:detail", pk=project.pk)


@login_required
@require_POST
def milestone_add(request, pk):
    project = _project(request, pk)
    _run(
        request,
        services.add_milestone,
        _("The milestone is added."),
        project=project,
        title=request.POST.get("title", ""),
        planned_date=request.POST.get("planned_date", ""),
        progress=request.POST.get("progress", "") or 0,
        by=request.user,
    )
    return redirect("projects:detail", pk=project.pk)


@login_required
@require_POST
def milestone_change(request, pk, milestone):
    project = _project(request, pk)
    row = get_object_or_404(Milestone, pk=milestone, project=project)
    _run(
        request,
        services.change_milestone,
        _("The milestone is updated."),
        milestone=row,
        progress=request.POST.get("progress", ""),
        actual_date=request.POST.get("actual_date", ""),
        by=request.user,
    )
    return redirect("projects:detail", pk=project.pk)


@login_required
@require_POST
def consultation_add(request, pk):
    project = _project(request, pk)
    _run(
        request,
        services.add_consultation,
        _("The consultation is recorded."),
        project=project,
        profession=request.POST.get("profession", ""),
        expert=request.POST.get("expert", ""),
        affiliation=request.POST.get("affiliation", ""),
        held_on=request.POST.get("held_on", ""),
        advice=request.POST.get("advice", ""),
        by=request.user,
    )
    return redirect("projects:detail", pk=project.pk)


def _ids(request, name) -> list[int]:
    out = []
    for v in request.POST.getlist(name):
        try:
            out.append(int(v))
        except ValueError:
            continue
    return out


@login_required
@require_POST
def beneficiaries(request, pk):
    project = _project(request, pk)
    dwellings = [d for d in selectors.dwellings_for(project) if d.pk in set(_ids(request, "dwellings"))]
    compounds = list(selectors.compounds_managed(request.user).filter(pk__in=_ids(request, "compounds")))
    _run(
        request,
        services.set_beneficiaries,
        _("The beneficiaries are saved."),
        project=project,
        count=request.POST.get("count", "").strip() or "x",
        compounds=compounds,
        dwellings=dwellings,
        by=request.user,
    )
    return redirect("projects:detail", pk=project.pk)


@login_required
@require_POST
def project_link(request, pk):
    project = _project(request, pk)
    needs = list(selectors.needs_managed(request.user).filter(pk__in=_ids(request, "needs")))
    resources = list(selectors.resources_managed(request.user).filter(pk__in=_ids(request, "resources")))
    if not needs and not resources:
        messages.error(request, _("Choose a need or a resource."))
    else:
        _run(
            request,
            services.link,
            _("Linked to the project."),
            project=project,
            needs=needs,
            resources=resources,
            by=request.user,
        )
    return redirect("projects:detail", pk=project.pk)


# --- the compound plan ------------------------------------------------------------------------


@login_required
def plans(request):
    _manager(request)
    return render(request, "projects/plans.html", {"compounds": selectors.plan_overview(request.user)[:300]})


@login_required
def plan(request, compound):
    _manager(request)
    try:
        region, measures = selectors.compound_plan(request.user, compound)
    except ObjectDoesNotExist:
        raise Http404 from None
    projects = selectors.projects_managed(request.user).filter(region__in=[region.pk, region.parent_id])
    return render(
        request,
        "projects/plan.html",
        {
            "compound": region,
            "measures": measures,
            "projects": projects.order_by("-created_at")[:100],
            "statuses": PlanMeasure.Status.choices,
        },
    )


@login_required
@require_POST
def measure_add(request, compound):
    _manager(request)
    region = get_object_or_404(selectors.compounds_managed(request.user), pk=compound)
    numbers = [n.strip() for n in request.POST.get("demands", "").replace("，", ",").split(",") if n.strip()]
    demands = [selectors.demand_in_scope(request.user, n) for n in numbers]
    missing = [n for n, d in zip(numbers, demands, strict=True) if d is None]
    if missing:
        messages.error(
            request, _("No such demand in your area: %(numbers)s.") % {"numbers": "、".join(missing)}
        )
        return redirect("projects:plan", compound=region.pk)
    projects = list(selectors.projects_managed(request.user).filter(pk__in=_ids(request, "projects")))
    _run(
        request,
        services.add_measure,
        _("The measure is in the plan."),
        compound=region,
        title=request.POST.get("title", ""),
        description=request.POST.get("description", ""),
        demands=demands,
        projects=projects,
        by=request.user,
    )
    return redirect("projects:plan", compound=region.pk)


@login_required
@require_POST
def measure_status(request, compound, measure):
    _manager(request)
    row = get_object_or_404(
        PlanMeasure.objects.filter(compound__in=selectors.compounds_managed(request.user)),
        pk=measure,
        compound=compound,
    )
    _run(
        request,
        services.set_measure_status,
        _("The measure is updated."),
        measure=row,
        status=request.POST.get("status", ""),
        by=request.user,
    )
    return redirect("projects:plan", compound=compound)


# --- public -----------------------------------------------------------------------------------


def public(request, pk):
    """A delivered project as residents see it on the phone: what was built, when, for whom,
    what it cost by account. No names."""
    try:
        page = selectors.project_page(None, pk, public=True)
    except Project.DoesNotExist:
        raise Http404 from None
    return render(
        request, "projects/public.html", {"p": page, "project": page.project, "stages": stages(page.project)}
    )


def public_list(request):
    """Delivered projects: of the resident's own compound first (?all=1 for every one), or of
    ?compound=ID."""
    compound = request.GET.get("compound", "")
    home = None if request.GET.get("all") else selectors.home_compound(request.user)
    pk = int(compound) if compound.isdigit() and len(compound) < 12 else (home.pk if home else None)
    qs = selectors.delivered_projects(pk)
    return render(request, "projects/public_list.html", {"projects": qs[:100], "home": home if pk else None})
