"""Projects in the JSON API: GET /api/v1/projects (a caller's projects, newest first, with budget,
spending and progress) and GET /api/v1/projects/{id} (the ledger by account, milestones,
beneficiaries). Amounts are decimal strings in yuan. A session user reads the projects they
manage; an API key those of its jurisdictions; anything else is a 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from ninja import Query, Router, Schema

from doorstep.core.api import AUTH, READ_ERRORS, caller

from . import selectors
from .ledger import yuan
from .models import Project

router = Router(tags=["projects"])


class ListIn(Schema):
    status: str | None = None
    limit: int = 50
    offset: int = 0


class ProjectRow(Schema):
    id: int
    title: str
    region: str
    region_code: str
    status: str
    status_label: str
    budget: str
    spent: str
    progress: int


class ProjectList(Schema):
    count: int
    items: list[ProjectRow]


class LineOut(Schema):
    item: str
    budget: str
    spent: str
    balance: str
    over_budget: bool


class AccountOut(Schema):
    code: str
    name: str
    budget: str
    spent: str
    balance: str
    lines: list[LineOut]


class MilestoneOut(Schema):
    title: str
    planned_date: str
    actual_date: str | None
    progress: int
    days_late: int


class ProjectOut(ProjectRow):
    description: str
    balance: str
    over_budget: bool
    delivered_at: str | None
    report: str
    accounts: list[AccountOut]
    milestones: list[MilestoneOut]
    beneficiaries: int
    beneficiary_compounds: list[str]
    needs: list[str]
    demands: list[str]


def _visible(request) -> QuerySet[Project]:
    who = caller(request)
    if who.user is not None:
        return selectors.project_rows(who.user)
    scope = who.scope
    if scope.is_empty:
        return Project.objects.none()
    return selectors.annotate_rows(scope.filter(Project.objects.all(), "region"))


def _row(p) -> dict:
    return {
        "id": p.pk,
        "title": p.title,
        "region": p.region.name,
        "region_code": p.region.code,
        "status": p.status,
        "status_label": str(p.get_status_display()),
        "budget": str(yuan(p.total_budget)),
        "spent": str(yuan(p.total_spent)),
        "progress": int(p.avg_progress or 0),
    }


@router.get("/projects", auth=AUTH, response={200: ProjectList, **READ_ERRORS}, summary="Projects")
def api_projects(request, params: Query[ListIn]):
    qs = _visible(request)
    if params.status:
        qs = qs.filter(status=params.status)
    limit, offset = max(1, min(params.limit, 200)), min(max(params.offset, 0), 10**9)
    return {"count": qs.count(), "items": [_row(p) for p in qs[offset : offset + limit]]}


@router.get(
    "/projects/{project_id}", auth=AUTH, response={200: ProjectOut, **READ_ERRORS}, summary="A project"
)
def api_project(request, project_id: int):
    if not 0 < project_id < 2**63:
        raise Http404
    p = _visible(request).filter(pk=project_id).first()
    if p is None:
        raise Http404
    page = selectors.project_page(None, p.pk, project=p)
    ledger = page.ledger
    return {
        **_row(p),
        "description": p.description,
        "balance": str(ledger.total.balance),
        "over_budget": ledger.total.over,
        "delivered_at": p.delivered_at.isoformat() if p.delivered_at else None,
        "report": p.report,
        "accounts": [
            {
                "code": a.kind.code,
                "name": a.kind.name,
                "budget": str(a.sums.budget),
                "spent": str(a.sums.spent),
                "balance": str(a.sums.balance),
                "lines": [
                    {
                        "item": line.item,
                        "budget": str(line.sums.budget),
                        "spent": str(line.sums.spent),
                        "balance": str(line.sums.balance),
                        "over_budget": line.sums.over,
                    }
                    for line in a.lines
                ],
            }
            for a in ledger.accounts
        ],
        "milestones": [
            {
                "title": m.title,
                "planned_date": m.planned_date.isoformat(),
                "actual_date": m.actual_date.isoformat() if m.actual_date else None,
                "progress": m.progress,
                "days_late": m.days_late,
            }
            for m in page.milestones
        ],
        "beneficiaries": p.beneficiary_count,
        "beneficiary_compounds": [c.name for c in page.compounds],
        "needs": [n.title for n in page.needs],
        "demands": [n.demand.number for n in page.needs if n.demand_id],
    }
