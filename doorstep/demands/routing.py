"""Routing (按责转办): which level and which unit a case goes to.

A category names its responsible level. Grid, community, subdistrict and county mean the region
at that level above the place of the case (the grid's worker handles a grid case; the
community's residents' committee, the subdistrict's office …). Department means the department
of the case's county whose name carries the category's `department_kind` (城管 finds
袁州区城市管理局 through the aliases below). Property means the company serving the compound
today. When nothing matches, the case goes to the community, and the route says why.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.territory.models import Grid, GridMember, Organization, Region, Role

L = Region.Level
K = Organization.Kind

LEVELS = {"grid": None, "community": L.COMMUNITY, "subdistrict": L.SUBDISTRICT, "county": L.COUNTY}
# One level up (上报): a grid or property case goes to the community, a department's to the county.
LEVEL_UP = {
    "grid": "community",
    "property": "community",
    "community": "subdistrict",
    "subdistrict": "county",
    "department": "county",
}
# The organisation that stands for a level's office (its office hours count working hours).
LEVEL_UNIT_KINDS = {
    "grid": (K.RESIDENTS_COMMITTEE,),
    "community": (K.RESIDENTS_COMMITTEE,),
    "subdistrict": (K.DEPARTMENT,),  # 街道办事处 / 镇人民政府 sit at the subdistrict
    "county": (),
}
# Short names used in categories and the words the departments' full names carry.
DEPARTMENT_ALIASES = {
    "城管": ("城管", "城市管理"),
    "市监": ("市监", "市场监督"),
    "市场监管": ("市场监督",),
    "公安": ("公安",),
    "消防": ("消防",),
    "住建": ("住建", "住房和城乡建设"),
    "环保": ("环保", "生态环境"),
    "生态环境": ("生态环境",),
    "民政": ("民政",),
    "卫健": ("卫健", "卫生健康"),
    "司法": ("司法",),
    "应急": ("应急",),
    "人社": ("人社", "人力资源和社会保障"),
    "水务": ("水务", "水利"),
    "交通": ("交通",),
    "园林": ("园林",),
}


@dataclass(frozen=True)
class Route:
    """Where a case goes: a level, the region of that level, a unit, maybe a person."""

    level: str
    region: Region | None
    unit: Organization | None = None
    assignee: object = None  # a User: the grid's worker for a grid case
    note: str = ""


def level_label(level: str) -> str:
    from .models import Category

    try:
        return str(Category.Level(level).label)
    except ValueError:
        return level


PATH_FIELDS = ("name", "level", "kind", "code", "parent")


def region_path(region: Region | None) -> list[Region]:
    """The region and its ancestors, from the city down.

    Walked up by primary key (a query per level, at most five): cheaper than a recursive query,
    which ranks the whole region tree to answer for one branch.
    """
    if region is None:
        return []
    path = [region]
    seen = {region.pk}
    parent_id = region.parent_id
    while parent_id is not None and parent_id not in seen and len(path) < 16:
        parent = Region.objects.only(*PATH_FIELDS).get(pk=parent_id)
        path.append(parent)
        seen.add(parent.pk)
        parent_id = parent.parent_id
    return path[::-1]


def region_at(path: list[Region], level: int) -> Region | None:
    return next((r for r in path if r.level == level), None)


def department_words(kind: str) -> tuple[str, ...]:
    aliases = {**DEPARTMENT_ALIASES, **getattr(settings, "DOORSTEP_DEPARTMENT_ALIASES", {})}
    return tuple(aliases.get(kind, (kind,)))


def find_department(county: Region | None, kind: str) -> Organization | None:
    """The department of the county whose name carries `kind` (or one of its aliases)."""
    if county is None or not kind.strip():
        return None
    q = Q()
    for word in department_words(kind.strip()):
        q |= Q(name__contains=word)
    return Organization.objects.filter(q, kind=K.DEPARTMENT, region=county).order_by("name", "pk").first()


def level_unit(level: str, region: Region | None) -> Organization | None:
    kinds = LEVEL_UNIT_KINDS.get(level, ())
    if region is None or not kinds:
        return None
    return Organization.objects.filter(region=region, kind__in=kinds).order_by("pk").first()


def grid_worker(grid: Grid | None):
    """The login of the grid's worker: a grid-worker role naming the grid, else the grid member
    (worker before leader) who has a login."""
    if grid is None:
        return None
    role = (
        Role.objects.filter(kind=Role.Kind.GRID_WORKER, grid=grid, active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if role is not None:
        return role.user
    member = (
        GridMember.objects.filter(grid=grid, person__user__isnull=False)
        .exclude(position=GridMember.Position.ASSISTANT)
        .select_related("person__user")
        .order_by("-position", "pk")  # "worker" sorts after "leader": workers first
        .first()
    )
    return member.person.user if member else None


def property_company(compound: Region | None, on=None) -> Organization | None:
    if compound is None or compound.level != L.COMPOUND:
        return None
    from doorstep.territory.property import service_on

    service = service_on(compound, on or timezone.localdate())
    return service.company if service and service.company_id else None


def route_to_level(level: str, region: Region, grid: Grid | None = None, *, path=None, note="") -> Route:
    """The route to a region level (grid, community, subdistrict, county) above `region`."""
    path = path if path is not None else region_path(region)
    if level == "grid":
        worker = grid_worker(grid)
        community = region_at(path, L.COMMUNITY) or (grid.community if grid else None)
        if grid is not None and worker is not None:
            return Route("grid", community, level_unit("grid", community), worker, note)
        note = note or _("No grid worker found for this place: sent to the community.")
        level = "community"
    target = region_at(path, LEVELS[level])
    if target is None:
        # Above or beside the expected tree (a case located to a subdistrict only): the finest
        # region we have above it.
        target = path[-1] if path else region
        note = note or _("No %(level)s above this place: sent to %(region)s.") % {
            "level": level_label(level),
            "region": target,
        }
    return Route(level, target, level_unit(level, target), None, note)


def route(category, region: Region, grid: Grid | None = None, *, on=None) -> Route:
    """The route for a new case of `category` at `region` (the finest region found)."""
    path = region_path(region)
    level = category.responsible_level
    if level == "department":
        dept = find_department(region_at(path, L.COUNTY), category.department_kind)
        if dept is not None:
            return Route("department", dept.region, dept)
        note = _("No department “%(kind)s” found in this county: sent to the community.") % {
            "kind": category.department_kind or "?"
        }
        return route_to_level("community", region, grid, path=path, note=note)
    if level == "property":
        company = property_company(region_at(path, L.COMPOUND), on)
        if company is not None:
            return Route("property", region_at(path, L.COMPOUND), company)
        note = _("No property company serves this compound: sent to the community.")
        return route_to_level("community", region, grid, path=path, note=note)
    if level not in LEVELS:
        level = "community"
    return route_to_level(level, region, grid, path=path)


def route_up(case) -> Route | None:
    """Where an escalated case goes: one level up from the case's level; None at the top."""
    up = LEVEL_UP.get(case.level)
    if up is None:
        return None
    return route_to_level(up, case.region, case.grid)
