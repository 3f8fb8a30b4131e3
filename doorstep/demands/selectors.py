"""Scoped reads for the staff side of the case loop: worklists, their counts, the case page.

Every function that returns cases takes the user. Who sees which case is one table
(`CASE_READ`): desk and field kinds see the cases of the regions their roles cover; a
department liaison or property staff member sees only the cases sent to their organisation
(as the handling unit or as a whistled part) inside their role's region. Everything else is
a 404 (a 403 would tell an outsider that the case exists).

Every page reads in a fixed number of queries, whatever the number of rows, events or photos:
lists are one query plus one per prefetched relation; the tab counts are one aggregate.
"""

import operator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce

from django.conf import settings
from django.db.models import Case as Switch
from django.db.models import Count, DateTimeField, Exists, F, OuterRef, Prefetch, Q, QuerySet, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.core.pii import mask_name, mask_phone
from doorstep.territory.models import Grid, Organization, PropertyService, Region, Role
from doorstep.territory.people.selectors import active_roles, scope_for_kinds
from doorstep.territory.selectors import subtree_ids

from . import routing
from .models import Case, CaseEvent, Category, Demand, Photo, Postponement, Rating, WhistlePart

S = Case.Status
K = Role.Kind

# --- Who reads which case ------------------------------------------------------------------------

# Kinds that see every case of the regions their roles cover.
CASE_READ_BY_REGION = frozenset({K.GRID_WORKER, K.COMMUNITY_STAFF, K.SUBDISTRICT_STAFF, K.LEADER, K.ADMIN})
# Kinds that see only the cases sent to the organisation their role names (as the handling unit
# or as a whistled department), inside the role's region.
CASE_READ_BY_ORGANIZATION = frozenset({K.DEPARTMENT_LIAISON, K.PROPERTY_STAFF})
# Kinds that take cases off the "to accept" / "to dispatch" lists (bulk actions are offered).
DESK_KINDS = frozenset({K.GRID_WORKER, K.COMMUNITY_STAFF, K.SUBDISTRICT_STAFF, K.ADMIN})

# The level whose office a desk role works in (its cases are "mine").
OFFICE_LEVEL = {K.COMMUNITY_STAFF: "community", K.SUBDISTRICT_STAFF: "subdistrict"}
# Organisations a case can be dispatched to, and people it can be assigned to.
UNIT_KINDS = (
    Organization.Kind.DEPARTMENT,
    Organization.Kind.RESIDENTS_COMMITTEE,
    Organization.Kind.PROPERTY_COMPANY,
    Organization.Kind.PARTY_WORKING_COMMITTEE,
)
ASSIGNEE_KINDS = (
    K.GRID_WORKER,
    K.COMMUNITY_STAFF,
    K.SUBDISTRICT_STAFF,
    K.DEPARTMENT_LIAISON,
    K.PROPERTY_STAFF,
)


def _org_roles(user) -> list[Role]:
    return [
        r for r in active_roles(user) if r.kind in CASE_READ_BY_ORGANIZATION and r.organization_id is not None
    ]


def _role_subtree(role: Role) -> set[int] | None:
    """The region ids a role covers (None: the whole territory)."""
    if role.region.parent_id is None:
        return None
    return subtree_ids(role.region)


def _served_compounds(company_id: int) -> list[int]:
    today = timezone.localdate()
    return sorted(
        PropertyService.objects.filter(company_id=company_id, start__lte=today)
        .filter(Q(end__isnull=True) | Q(end__gte=today))
        .values_list("compound_id", flat=True)
    )


def case_filter(user) -> Q:
    """The condition a visible case meets (no row: Q(pk__in=[]))."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    by_region = scope_for_kinds(user, CASE_READ_BY_REGION)
    if by_region.everything:
        return Q()
    q = Q(region_id__in=sorted(by_region.region_ids)) if by_region.region_ids else Q(pk__in=[])
    for role in _org_roles(user):
        org = role.organization_id
        sent = Q(unit_id=org) | Exists(WhistlePart.objects.filter(case=OuterRef("pk"), department_id=org))
        if role.kind == K.PROPERTY_STAFF:
            # The compounds the company serves today (as `actors.actor_kinds` counts them).
            sent |= Q(region_id__in=_served_compounds(org))
        covered = _role_subtree(role)
        q |= sent if covered is None else sent & Q(region_id__in=sorted(covered))
    return q


def cases_visible(user) -> QuerySet[Case]:
    return Case.objects.filter(case_filter(user))


def my_organization_ids(user) -> set[int]:
    """The units the user works for: the organisation a role names (a department, a property
    company), and the office of the level a desk role is held at (a community's residents'
    committee, a subdistrict's office: the units `routing` sends that level's cases to).
    Read once per request."""
    cached = getattr(user, "_doorstep_units", None)
    if cached is not None:
        return cached
    roles = active_roles(user)
    ids = {r.organization_id for r in roles if r.organization_id is not None}
    offices = [
        Q(region_id=r.region_id, kind__in=routing.LEVEL_UNIT_KINDS[OFFICE_LEVEL[r.kind]])
        for r in roles
        if r.kind in OFFICE_LEVEL and routing.LEVEL_UNIT_KINDS.get(OFFICE_LEVEL[r.kind])
    ]
    if offices:
        ids |= set(Organization.objects.filter(reduce(operator.or_, offices)).values_list("pk", flat=True))
    user._doorstep_units = ids
    return ids


def liaison_department_ids(user) -> set[int]:
    return {
        r.organization_id
        for r in active_roles(user)
        if r.kind == K.DEPARTMENT_LIAISON and r.organization_id is not None
    }


def has_case_desk(user) -> bool:
    """True when the user may see some cases at all (the 工单 menu link, the worklist page)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(
        r.kind in CASE_READ_BY_REGION or (r.kind in CASE_READ_BY_ORGANIZATION and r.organization_id)
        for r in active_roles(user)
    )


def offers_bulk(user) -> bool:
    return user.is_superuser or any(r.kind in DESK_KINDS for r in active_roles(user))


# --- Deadlines -------------------------------------------------------------------------------

# The deadline a case is working towards now, as the case loop counts it
# (`services.current_deadline`): acceptance while submitted, handling while it is being handled
# (whistled included); none once the result is reported.
HANDLING = (S.ACCEPTED, S.DISPATCHED, S.HANDLING, S.RETURNED, S.WHISTLED)
DUE = Switch(
    When(status=S.SUBMITTED, then=F("accept_due")),
    When(status__in=HANDLING, then=F("handle_due")),
    default=None,
    output_field=DateTimeField(),
)
# Statuses whose deadline still runs.
RUNNING = (S.SUBMITTED, *HANDLING)


def due_soon_window() -> timedelta:
    """How far ahead "due soon" looks: DOORSTEP_DUE_SOON_HOURS (default 24 hours)."""
    return timedelta(hours=float(getattr(settings, "DOORSTEP_DUE_SOON_HOURS", 24)))


# --- Worklists -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tab:
    key: str
    label: object
    hint: object


TABS = [
    Tab("accept", _("To accept"), _("Reported and not yet accepted.")),
    Tab("dispatch", _("To dispatch"), _("Accepted or returned, waiting for a handling unit.")),
    Tab("mine", _("Mine"), _("Assigned to me or to my unit, still open.")),
    Tab("due_soon", _("Due soon"), _("Open cases whose deadline falls within the next %(hours)s hours.")),
    Tab("overdue", _("Overdue"), _("Open cases past their deadline.")),
    Tab("whistled", _("Whistled"), _("Departments summoned; the parts' status.")),
    Tab("returned", _("Returned"), _("Sent back by the unit it was dispatched to.")),
    Tab("all", _("All"), _("Every case you may see, newest first.")),
]
TAB_KEYS = [t.key for t in TABS]


def tab_condition(user, key: str, now: datetime) -> Q:
    """The filter of one worklist tab (on a queryset with the `due` alias)."""
    if key == "accept":
        return Q(status=S.SUBMITTED)
    if key == "dispatch":
        return Q(status__in=[S.ACCEPTED, S.RETURNED])
    if key == "mine":
        mine = Q(assignee_id=user.pk)
        orgs = my_organization_ids(user)
        if orgs:
            mine |= Q(unit_id__in=sorted(orgs))
        return mine & Q(status__in=Case.OPEN)
    if key == "due_soon":
        return Q(status__in=RUNNING, due__gte=now, due__lt=now + due_soon_window())
    if key == "overdue":
        return Q(status__in=RUNNING, due__lt=now)
    if key == "whistled":
        return Q(status=S.WHISTLED)
    if key == "returned":
        return Q(status=S.RETURNED)
    if key == "all":
        return Q()
    raise Http404


@dataclass
class Filters:
    """The worklist filters, read from the query string (anything unreadable is ignored)."""

    category: int | None = None
    region: int | None = None
    grid: int | None = None
    channel: str = ""
    urgent: bool = False
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    status: str = ""

    @classmethod
    def parse(cls, data) -> "Filters":
        def num(name):
            value = (data.get(name) or "").strip()
            return int(value) if value.isdigit() else None

        def day(name):
            try:
                return date.fromisoformat((data.get(name) or "").strip())
            except ValueError:
                return None

        channel = data.get("channel") or ""
        status = data.get("status") or ""
        return cls(
            category=num("category"),
            region=num("region"),
            grid=num("grid"),
            channel=channel if channel in Demand.Channel.values else "",
            urgent=(data.get("urgent") or "") in {"1", "on", "true"},
            date_from=day("from"),
            date_to=day("to"),
            q=(data.get("q") or "").strip()[:64],
            status=status if status in S.values else "",
        )

    def as_query(self) -> dict[str, str]:
        """The non-empty filters as query-string values (for links that keep them)."""
        out = {
            "category": self.category,
            "region": self.region,
            "grid": self.grid,
            "channel": self.channel,
            "urgent": "1" if self.urgent else "",
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "q": self.q,
            "status": self.status,
        }
        return {k: str(v) for k, v in out.items() if v not in (None, "")}

    @property
    def active(self) -> bool:
        return bool(self.as_query())

    @property
    def narrowed(self) -> bool:
        """Any filter besides the search text (the page then shows the filter fields open)."""
        return bool(set(self.as_query()) - {"q"})

    def condition(self) -> Q:
        q = Q()
        if self.category:
            q &= Q(category_id=self.category) | Q(category__parent_id=self.category)
        if self.region:
            q &= Q(region__in=Region.objects.descendants(self.region, include_self=True).values("pk"))
        if self.grid:
            q &= Q(grid_id=self.grid)
        if self.channel:
            q &= Q(demand__channel=self.channel)
        if self.urgent:
            q &= Q(urgent=True)
        if self.date_from:
            q &= Q(received_at__gte=_start_of(self.date_from))
        if self.date_to:
            q &= Q(received_at__lt=_start_of(self.date_to + timedelta(days=1)))
        if self.q:
            text = self.q
            q &= (
                Q(number__icontains=text)
                | Q(demand__number__icontains=text)
                | Q(demand__external_ticket__icontains=text)
                | Q(demand__text__icontains=text)
                | Q(demand__address__icontains=text)
            )
        if self.status:
            q &= Q(status=self.status)
        return q


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _base(user, filters: Filters | None) -> QuerySet[Case]:
    qs = cases_visible(user).alias(due=DUE)
    if filters is not None:
        qs = qs.filter(filters.condition())
    return qs


def tab_counts(user, filters: Filters | None = None, *, now: datetime | None = None) -> dict[str, int]:
    """How many cases each tab holds under the filters, in two queries: one aggregate over the
    open cases (every tab but "all" holds open cases only, a small share of the table) and one
    count of everything for "all"."""
    now = now or timezone.now()
    base = _base(user, filters)
    counts = base.filter(status__in=Case.OPEN).aggregate(
        **{key: Count("pk", filter=tab_condition(user, key, now)) for key in TAB_KEYS if key != "all"}
    )
    counts["all"] = base.count()
    return counts


def worklist(user, tab: str, filters: Filters | None = None, *, now: datetime | None = None) -> QuerySet:
    """The ids of one tab's cases in order, ready to page: earliest deadline first (cases
    without one last); "all", which holds the whole history, newest first.

    Only ids: the page's rows are read with everything they show by `worklist_rows`, so a big
    scope sorts narrow index rows, not thousands of joined ones.
    """
    now = now or timezone.now()
    qs = _base(user, filters).filter(tab_condition(user, tab, now))
    if tab == "all":
        qs = qs.order_by("-received_at", "-pk")
    else:
        qs = qs.order_by(F("due").asc(nulls_last=True), "received_at", "pk")
    return qs.values_list("pk", flat=True)


def worklist_rows(ids) -> list[Case]:
    """The cases of one page, in the order of `ids`, with what the rows show (two queries)."""
    ids = list(ids)
    rows = (
        Case.objects.filter(pk__in=ids)
        .annotate(due_at=DUE)
        .select_related(
            "demand",
            "category",
            "category__parent",
            "region",
            "region__parent",
            "grid",
            "unit",
            "assignee",
        )
        .defer("region__boundary", "region__parent__boundary", "grid__boundary")
        .prefetch_related(
            Prefetch(
                "whistle_parts",
                queryset=WhistlePart.objects.select_related("department").order_by("report_in_due", "pk"),
            )
        )
    )
    place = {pk: i for i, pk in enumerate(ids)}
    return sorted(rows, key=lambda c: place[c.pk])


# --- Choices for filters and forms -----------------------------------------------------------


def filter_choices(user) -> dict:
    """Categories, regions (down to communities) and grids for the filter bar: three queries."""
    cats = list(Category.objects.filter(active=True).select_related("parent").order_by("code"))
    scope = scope_for_kinds(user, CASE_READ_BY_REGION)
    regions = Region.objects.filter(level__lte=Region.Level.COMMUNITY, level__gte=Region.Level.COUNTY)
    regions = scope.filter(regions, "pk").only("name", "level", "code", "parent").order_by("code")
    grids = scope.filter(Grid.objects.all(), "community").only("name", "code").order_by("code")
    return {"categories": cats, "regions": list(regions[:500]), "grids": list(grids[:500])}


def _reach(user) -> Q:
    """Regions units and assignees may come from: the user's scope and every region above it
    (a community dispatches to the county's departments)."""
    scope = scope_for_kinds(user, CASE_READ_BY_REGION | DESK_KINDS)
    if scope.everything:
        return Q()
    ids = sorted(scope.region_ids)
    if not ids:
        return Q(pk__in=[])
    above = Region.objects.filter(pk__in=ids).with_tree_fields().values_list("tree_path", flat=True)
    reach = set(ids)
    for path in above:
        reach.update(path if isinstance(path, list | tuple) else [])
    return Q(region_id__in=sorted(reach))


def unit_choices(user, case: Case | None = None) -> list[Organization]:
    """Organisations a case may be dispatched to: for one case, those above its region or inside
    it; for the worklist, those in or above the user's scope."""
    qs = Organization.objects.filter(kind__in=UNIT_KINDS)
    if case is not None:
        qs = qs.filter(
            Q(region__in=Region.objects.ancestors(case.region_id, include_self=True).values("pk"))
            | Q(region__in=Region.objects.descendants(case.region_id).values("pk"))
        )
    else:
        qs = qs.filter(_reach(user))
    return list(qs.select_related("region").defer("region__boundary").order_by("kind", "name")[:300])


def department_choices(case: Case) -> list[Organization]:
    """Departments a whistle can summon: those of the regions above the case (and its own)."""
    return list(
        Organization.objects.filter(
            kind=Organization.Kind.DEPARTMENT,
            region__in=Region.objects.ancestors(case.region_id, include_self=True).values("pk"),
        )
        .select_related("region")
        .defer("region__boundary")
        .order_by("name")
    )


@dataclass(frozen=True)
class Assignee:
    user: object
    label: str

    @property
    def user_id(self) -> int:
        return self.user.pk


def assignee_choices(user, case: Case | None = None) -> list[Assignee]:
    """People a case may be assigned to: holders of field roles in or above the case's region
    (or the user's scope), one line per user."""
    roles = Role.objects.filter(active=True, kind__in=ASSIGNEE_KINDS, user__is_active=True)
    if case is not None:
        roles = roles.filter(
            Q(region__in=Region.objects.ancestors(case.region_id, include_self=True).values("pk"))
            | Q(region__in=Region.objects.descendants(case.region_id).values("pk"))
        )
    else:
        roles = roles.filter(_reach(user))
    rows = (
        roles.select_related("user", "region", "organization")
        .defer("region__boundary")
        .order_by("region__code", "kind", "user__username")[:300]
    )
    seen: dict[int, Assignee] = {}
    for r in rows:
        if r.user_id in seen:
            continue
        place = r.organization.name if r.organization_id else r.region.name
        name = r.user.display_name or r.user.username
        seen[r.user_id] = Assignee(r.user, f"{name} · {r.get_kind_display()} · {place}")
    return list(seen.values())


def case_in_scope(user, pk: int) -> Case:
    """One case the user may see (Http404 otherwise), with what the forms need."""
    qs = cases_visible(user).select_related("demand", "category", "region", "unit", "assignee")
    qs = qs.defer("region__boundary")
    try:
        return qs.get(pk=pk)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def cases_by_pk(user, pks) -> dict[int, Case]:
    """The visible cases among `pks` (for bulk actions; the rest are reported as not found)."""
    pks = [int(p) for p in pks if str(p).isdigit()]
    if not pks:
        return {}
    qs = cases_visible(user).filter(pk__in=pks).select_related("demand", "category", "region")
    return {c.pk: c for c in qs.defer("region__boundary")}


def case_by_number(user, number: str) -> Case | None:
    number = (number or "").strip()
    if not number:
        return None
    return cases_visible(user).filter(number=number).defer().first()


def part_in_scope(user, pk: int) -> WhistlePart:
    """A whistle part of a visible case (Http404 otherwise)."""
    try:
        return (
            WhistlePart.objects.filter(case__in=cases_visible(user).values("pk"))
            .select_related("case", "department", "case__demand", "case__region")
            .defer("case__region__boundary")
            .get(pk=pk)
        )
    except (WhistlePart.DoesNotExist, ValueError):
        raise Http404 from None


def postponement_in_scope(user, pk: int) -> Postponement:
    try:
        return (
            Postponement.objects.filter(case__in=cases_visible(user).values("pk"))
            .select_related("case", "case__region")
            .defer("case__region__boundary")
            .get(pk=pk)
        )
    except (Postponement.DoesNotExist, ValueError):
        raise Http404 from None


# --- The case page ---------------------------------------------------------------------------


@dataclass
class Reporter:
    """Who reported it, as staff see it: masked, with what may be revealed (with a reason)."""

    anonymous: bool
    masked_name: str
    masked_phone: str
    person_id: int | None
    has_contact_phone: bool


@dataclass
class CasePage:
    """Everything the case page shows, read in a fixed number of queries."""

    case: Case
    demand: Demand
    photos: list[Photo]
    evidence: list[Photo]
    events: list[CaseEvent]
    parts: list[WhistlePart]
    postponements: list[Postponement]
    ratings: list[Rating]
    merged: list[Case]
    reporter: Reporter
    map_data: dict = field(default_factory=dict)

    @property
    def pending_postponement(self) -> Postponement | None:
        return next((p for p in self.postponements if p.status == Postponement.Status.REQUESTED), None)


def reporter_of(demand: Demand) -> Reporter:
    person = demand.reporter
    if demand.anonymous:
        name = ""
    elif person is not None:
        name = person.masked_name
    elif demand.reporter_user_id:
        u = demand.reporter_user
        name = mask_name(u.display_name or u.get_full_name() or u.username)
    else:
        name = ""
    phone = demand.contact_phone or (person.phone if person is not None else "")
    return Reporter(
        anonymous=demand.anonymous,
        masked_name=name,
        masked_phone=mask_phone(phone),
        person_id=person.pk if person is not None else None,
        has_contact_phone=bool(demand.contact_phone),
    )


def case_page(user, pk: int) -> CasePage:
    """The case page of a visible case (Http404 otherwise).

    Queries: the case with its demand, people, category, region (with the boundary for the map),
    grid and unit; then photos, events, parts, postponements, ratings and merged duplicates,
    one query each.
    """
    try:
        case = (
            cases_visible(user)
            .select_related(
                "demand",
                "demand__reporter",
                "demand__reporter_user",
                "demand__entered_by",
                "demand__suggested_category",
                "demand__category",
                "category",
                "category__parent",
                "region",
                "region__parent",
                "grid",
                "unit",
                "assignee",
            )
            .defer("region__parent__boundary")
            .get(pk=pk)
        )
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    demand = case.demand
    photos = list(Photo.objects.filter(demand_id=demand.pk).order_by("stage", "position", "pk"))
    events = list(CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "pk"))
    parts = list(
        WhistlePart.objects.filter(case=case).select_related("department").order_by("report_in_due", "pk")
    )
    postponements = list(
        Postponement.objects.filter(case=case)
        .select_related("requested_by", "decided_by")
        .order_by("created_at", "pk")
    )
    ratings = list(Rating.objects.filter(case=case).select_related("by").order_by("at", "pk"))
    merged = list(
        Case.objects.filter(demand__duplicate_of_id=demand.pk)
        .exclude(pk=case.pk)
        .select_related("demand")
        .order_by("received_at")
    )
    layers = []
    if case.region.boundary:
        layers.append({"kind": "compound", "label": case.region.name, "geometry": case.region.boundary})
    points = []
    if demand.lat is not None and demand.lng is not None:
        points.append({"lat": demand.lat, "lng": demand.lng, "label": demand.address or case.number})
    center = None
    if case.region.centroid_lat is not None:
        center = [case.region.centroid_lat, case.region.centroid_lng]
    return CasePage(
        case=case,
        demand=demand,
        photos=[p for p in photos if p.stage != "evidence"],
        evidence=[p for p in photos if p.stage == "evidence"],
        events=events,
        parts=parts,
        postponements=postponements,
        ratings=ratings,
        merged=merged,
        reporter=reporter_of(demand),
        map_data={"layers": layers, "points": points, "center": center},
    )


# --- The department liaison's view --------------------------------------------------------------


@dataclass
class DepartmentDesk:
    departments: list[Organization]
    parts: list[WhistlePart]
    cases: list[Case]


def department_desk(user) -> DepartmentDesk:
    """The whistle parts and the dispatched cases of the liaison's department(s), open first,
    earliest deadline first. Four queries whatever the number of rows."""
    orgs = sorted(liaison_department_ids(user))
    visible = cases_visible(user).values("pk")
    departments = list(Organization.objects.filter(pk__in=orgs).order_by("name"))
    parts = list(
        WhistlePart.objects.filter(department_id__in=orgs, case__in=visible)
        .select_related("case", "case__category", "case__region", "case__demand", "department")
        .defer("case__region__boundary")
        .annotate(
            open_rank=Switch(When(status=WhistlePart.Status.DONE, then=1), default=0),
            next_due=Switch(
                When(status=WhistlePart.Status.SUMMONED, then=F("report_in_due")), default=F("done_due")
            ),
        )
        .order_by("open_rank", F("next_due").asc(nulls_last=True), "pk")[:200]
    )
    cases = list(
        cases_visible(user)
        .filter(unit_id__in=orgs, status__in=Case.OPEN)
        .alias(due=DUE)
        .annotate(due_at=DUE)
        .select_related("category", "region", "demand", "unit")
        .defer("region__boundary")
        .order_by(F("due_at").asc(nulls_last=True), "pk")[:200]
    )
    return DepartmentDesk(departments=departments, parts=parts, cases=cases)
