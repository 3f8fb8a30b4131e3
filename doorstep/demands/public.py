"""What residents and the public may read about demands: my reports, followed reports, the
public map and a report's public page.

Privacy rules (PIPL; see /work/shared/domain/identity.md), enforced here and nowhere else:

- Public reads (map points, public page) never carry the reporter (name, phone, ID, login), the
  description, the address typed in, nor staff names or notes: only category, public stage,
  dates, the place name (compound or community), counts, and photos staff have published.
- Public coordinates: a report located inside a compound (its finest region is a compound, where
  people live) is shown at the centre of a fixed 0.0005° × 0.0005° cell (≈ 55 m north–south and
  ≈ 49 m east–west at Yichun's 27.8° N), so a point never singles out a home; a report outside
  compounds (streets, squares: public places) is shown at 5 decimals (≈ 1 m).
- Not accepted reports, reports outside the territory and duplicates merged into another report
  are not on the map; a merged report's page points to the report it was merged into.
- The reporter's own view shows their text and photos, the public steps of the timeline with
  their notes, and staff shown by the name of their unit (never a person's name).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from doorstep.territory.models import Region, Role

from .models import Case, Category, Demand, Follow, Photo

S = Case.Status
T = Demand.Triage

# --- Public stages: what a passer-by needs to know, not the internal status -------------------

RECEIVED, HANDLING, CHECKING, CLOSED = "received", "handling", "checking", "closed"
DELIBERATION, PROJECT = "deliberation", "project"
NOT_ACCEPTED, MERGED = "not_accepted", "merged"

STAGE_LABELS = {
    RECEIVED: _("received"),
    HANDLING: _("being handled"),
    CHECKING: _("result being checked"),
    CLOSED: _("closed"),
    DELIBERATION: _("for residents' deliberation"),
    PROJECT: _("taken up as a project"),
    NOT_ACCEPTED: _("not accepted"),
    MERGED: _("merged into another report"),
}
# Stages shown on the map and offered as its filter, in order.
MAP_STAGES = (RECEIVED, HANDLING, CHECKING, CLOSED, DELIBERATION, PROJECT)

CASE_STAGE = {
    S.SUBMITTED: RECEIVED,
    S.ACCEPTED: HANDLING,
    S.DISPATCHED: HANDLING,
    S.HANDLING: HANDLING,
    S.WHISTLED: HANDLING,
    S.RETURNED: HANDLING,
    S.FEEDBACK: CHECKING,
    S.CLOSED: CLOSED,
    S.RATED: CLOSED,
    S.NOT_ACCEPTED: NOT_ACCEPTED,
    S.MERGED: MERGED,
}
TRIAGE_STAGE = {
    T.PENDING: RECEIVED,
    T.SMALL: RECEIVED,  # a small matter whose case is not open yet
    T.HARD: DELIBERATION,
    T.BIG: PROJECT,
    T.DUPLICATE: MERGED,
}
HIDDEN_TRIAGE = (T.OUTSIDE, T.DUPLICATE)
HIDDEN_CASE = (S.NOT_ACCEPTED, S.MERGED)


def stage_of(triage: str, case_status: str | None) -> str | None:
    """The public stage of a demand; None for one that is never public (outside the territory)."""
    if triage == T.OUTSIDE:
        return None
    if triage == T.DUPLICATE:
        return MERGED
    if case_status:
        return CASE_STAGE.get(case_status, HANDLING)
    return TRIAGE_STAGE.get(triage, RECEIVED)


def public_demands() -> QuerySet[Demand]:
    """Demands that may be shown in public at all (their page, following, "me too"): inside the
    territory, not merged away and not refused. The map takes those with a point."""
    return Demand.objects.exclude(triage__in=HIDDEN_TRIAGE).exclude(case__status__in=HIDDEN_CASE)


# --- Public coordinates --------------------------------------------------------------------------

COMPOUND_CELL_DEG = 0.0005  # ≈ 55 m × 49 m at 27.8° N (see the module docstring)


def public_position(lat: float, lng: float, *, in_compound: bool) -> tuple[float, float]:
    """The coordinates shown in public: snapped to the ~50 m cell centre inside a compound."""
    if in_compound:
        cell = COMPOUND_CELL_DEG
        lat = (math.floor(lat / cell) + 0.5) * cell
        lng = (math.floor(lng / cell) + 0.5) * cell
        return round(lat, 6), round(lng, 6)
    return round(lat, 5), round(lng, 5)


# --- The public map ------------------------------------------------------------------------------

MAP_LIMIT = 300
MAP_MAX_LIMIT = 500
MAP_SCAN = 10000  # more reports than this in the box: read newest first (see map_points)


@dataclass(frozen=True)
class BBox:
    min_lng: float
    min_lat: float
    max_lng: float
    max_lat: float

    @classmethod
    def parse(cls, text: str) -> BBox:
        """ "minLng,minLat,maxLng,maxLat" (WGS-84), as Leaflet's toBBoxString() gives it."""
        try:
            parts = [float(p) for p in text.split(",")]
        except (AttributeError, ValueError):
            raise ValueError("bbox") from None
        if len(parts) != 4 or not all(math.isfinite(p) for p in parts):
            raise ValueError("bbox")
        w, s, e, n = parts
        w, e = max(w, -180.0), min(e, 180.0)
        s, n = max(s, -90.0), min(n, 90.0)
        if w > e or s > n:
            raise ValueError("bbox")
        return cls(w, s, e, n)


@dataclass
class MapPage:
    points: list[dict]
    next_cursor: str  # empty: nothing more in this view
    limit: int


def _cursor(received_at: datetime, pk: int) -> str:
    return f"{received_at.isoformat()}~{pk}"


def _parse_cursor(text: str) -> tuple[datetime, int] | None:
    if not text:
        return None
    at, _sep, pk = text.rpartition("~")
    when = parse_datetime(at) if at else None
    if when is None or not pk.isdigit():
        raise ValueError("cursor")
    return when, int(pk)


_POINT_FIELDS = (
    "pk",
    "number",
    "lat",
    "lng",
    "received_at",
    "triage",
    "me_too_count",
    "case__status",
    "category__code",
    "category__parent__code",
    "category__name",
    "category__parent__name",
    "region__name",
    "region__level",
)


def _keep(r: dict, *, category: str, stage: str) -> bool:
    """The map's filters on one fetched row (the sparse plan filters in Python)."""
    st = stage_of(r["triage"], r["case__status"])
    if st is None or st in (MERGED, NOT_ACCEPTED) or (stage and st != stage):
        return False
    return not category or category in (r["category__code"], r["category__parent__code"])


def _probe(bbox: BBox) -> list[tuple]:
    """(received_at, pk) of at most MAP_SCAN + 1 reports in the box, from the box index alone.

    Executed on a plain cursor: Django making ten thousand dates timezone-aware costs three
    times the query. The raw values (aware datetimes on PostgreSQL, naive UTC ones on SQLite)
    sort alike, and compare with values put in the same form (`_like`)."""
    qs = Demand.objects.filter(
        lat__gte=bbox.min_lat, lat__lte=bbox.max_lat, lng__gte=bbox.min_lng, lng__lte=bbox.max_lng
    ).order_by()
    sql, params = qs.values_list("received_at", "pk")[: MAP_SCAN + 1].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _like(sample, moment: datetime):
    """`moment` in the form the probe's raw values take: an aware datetime (PostgreSQL), a
    naive one in UTC (SQLite through Django's converters) or the stored ISO text."""
    if isinstance(sample, str):
        return connection.ops.adapt_datetimefield_value(moment)
    if timezone.is_naive(sample):
        return timezone.make_naive(moment, UTC)
    return moment


def _sparse_rows(probe, *, category: str, stage: str, since, after, limit: int) -> list[dict]:
    """A box's (received_at, pk) pairs, newest first, fetched by primary key until the page
    and one more row are found (see map_points)."""
    if not probe:
        return []
    sample = probe[0][0]
    since = _like(sample, since) if since is not None else None
    after = (_like(sample, after[0]), after[1]) if after is not None else None
    pairs = sorted(
        (p for p in probe if (since is None or p[0] >= since) and (after is None or p < after)),
        reverse=True,
    )
    rows: list[dict] = []
    first = 2 * (limit + 1)
    for chunk in (pairs[:first], pairs[first:]):
        if not chunk or len(rows) > limit:
            break
        fetched = {
            r["pk"]: r for r in Demand.objects.filter(pk__in=[pk for _at, pk in chunk]).values(*_POINT_FIELDS)
        }
        for _at, pk in chunk:
            r = fetched.get(pk)
            if r is not None and _keep(r, category=category, stage=stage):
                rows.append(r)
                if len(rows) > limit:
                    break
    return rows


def map_points(
    bbox: BBox,
    *,
    category: str = "",
    stage: str = "",
    days: int | None = None,
    cursor: str = "",
    limit: int = MAP_LIMIT,
    now: datetime | None = None,
) -> MapPage:
    """The newest public reports in a bounding box, one page at a time (keyset paging on
    received_at, pk). `category` is a major or minor class code.

    Fast with a million reports because the plan follows the box, whatever the database's
    planner would guess without statistics:

    - the probe reads (id, received_at) of the box from the (lat, lng, received_at) index
      alone, at most MAP_SCAN + 1 entries;
    - a box with no more than that (a street, a compound, a district) is sorted newest first in
      Python and its rows fetched by primary key, the next 2 × limit first, the rest (a few
      thousand at most) only when the filters turned most of those down;
    - a denser box (the whole city) is read newest first along the received_at index until
      the page is full; there every other test is written as an expression (`lat + 0`,
      `COALESCE(status, '')`) so that no database walks a whole (lat, lng) range, a status
      or a category and sorts it.

    Then one query for the first published photo of each point: 3 queries for a page
    (4 when the filters are very selective), whatever its size.
    """
    limit = max(1, min(int(limit), MAP_MAX_LIMIT))
    if stage and stage not in MAP_STAGES:
        raise ValueError("stage")
    after = _parse_cursor(cursor)
    since = (now or timezone.now()) - timedelta(days=int(days)) if days else None
    probe = _probe(bbox)
    if len(probe) <= MAP_SCAN:
        rows = _sparse_rows(probe, category=category, stage=stage, since=since, after=after, limit=limit)
    else:
        rows = _dense_rows(bbox, category=category, stage=stage, since=since, after=after, limit=limit)
    more = len(rows) > limit
    rows = rows[:limit]
    thumbs: dict[int, str] = {}
    if rows:
        for demand_id, token in (
            Photo.objects.filter(demand_id__in=[r["pk"] for r in rows], is_public=True)
            .order_by("-demand_id", "stage", "position", "pk")
            .values_list("demand_id", "token")
        ):
            thumbs.setdefault(demand_id, token)
    points = []
    for r in rows:
        in_compound = r["region__level"] == Region.Level.COMPOUND
        lat, lng = public_position(r["lat"], r["lng"], in_compound=in_compound)
        st = stage_of(r["triage"], r["case__status"])
        points.append(
            {
                "number": r["number"],
                "lat": lat,
                "lng": lng,
                "approximate": in_compound,
                "category": _category_label(r["category__parent__name"], r["category__name"]),
                "stage": st,
                "stage_label": str(STAGE_LABELS[st]),
                "date": timezone.localtime(r["received_at"]).date().isoformat(),
                "place": r["region__name"] or "",
                "me_too": r["me_too_count"],
                "thumb": thumbs.get(r["pk"], ""),
            }
        )
    next_cursor = _cursor(rows[-1]["received_at"], rows[-1]["pk"]) if more else ""
    return MapPage(points=points, next_cursor=next_cursor, limit=limit)


def _dense_rows(bbox: BBox, *, category: str, stage: str, since, after, limit: int) -> list[dict]:
    """Newest first along the received_at index; nothing else indexable (see map_points)."""
    status = Coalesce(F("case__status"), Value(""))
    qs = Demand.objects.alias(
        _lat=F("lat") + 0.0,
        _lng=F("lng") + 0.0,
        _triage=Coalesce(F("triage"), Value("")),
        _status=status,
    ).filter(
        _lat__gte=bbox.min_lat,
        _lat__lte=bbox.max_lat,
        _lng__gte=bbox.min_lng,
        _lng__lte=bbox.max_lng,
    )
    qs = qs.exclude(_triage__in=HIDDEN_TRIAGE).exclude(_status__in=HIDDEN_CASE)
    if category:
        qs = qs.alias(
            _code=Coalesce(F("category__code"), Value("")),
            _major=Coalesce(F("category__parent__code"), Value("")),
        ).filter(Q(_code=category) | Q(_major=category))
    if stage:
        statuses = [st for st, value in CASE_STAGE.items() if value == stage]
        triages = [t for t, value in TRIAGE_STAGE.items() if value == stage and t != T.DUPLICATE]
        q = Q(_status__in=statuses) if statuses else Q(pk__in=[])
        if triages:
            q |= Q(_status="", _triage__in=triages)
        qs = qs.filter(q)
    if since is not None:
        qs = qs.filter(received_at__gte=since)
    if after:
        at, pk = after
        qs = qs.filter(Q(received_at__lt=at) | Q(received_at=at, pk__lt=pk))
    return list(qs.order_by("-received_at", "-pk").values(*_POINT_FIELDS)[: limit + 1])


def _category_label(major: str | None, minor: str | None) -> str:
    if major and minor:
        return f"{major} / {minor}"
    return minor or str(_("not classified yet"))


def map_categories() -> list[Category]:
    """Major classes for the map's filter."""
    return list(Category.objects.filter(parent__isnull=True, active=True).only("code", "name"))


def map_bounds() -> list[list[float]] | None:
    """Where the map opens: the city's extent [[south, west], [north, east]] (one small query;
    the boundary itself is read only when it changed since the last time)."""
    row = (
        Region.objects.filter(level=Region.Level.CITY, boundary__isnull=False)
        .order_by("pk")
        .values_list("pk", "geometry_version")
        .first()
    )
    if row is None:
        return None
    return _bounds_of(*row)


@lru_cache(maxsize=8)
def _bounds_of(pk: int, geometry_version: int) -> list[list[float]] | None:
    from doorstep.territory.geometry import boundary_shape

    shape = boundary_shape(Region.objects.values_list("boundary", flat=True).get(pk=pk))
    if shape is None or shape.is_empty:
        return None
    west, south, east, north = shape.bounds
    return [[round(south, 5), round(west, 5)], [round(north, 5), round(east, 5)]]


# --- A report's public page -----------------------------------------------------------------------


@dataclass
class PublicReport:
    demand: Demand
    stage: str
    stage_label: str
    category: str
    place: str
    lat: float | None
    lng: float | None
    approximate: bool
    photos: list[Photo]
    steps: list[dict]
    merged_into: Demand | None = None
    followers: int = 0


# Past-tense wording of the case actions for timelines (the table's labels are imperatives).
ACTION_LABELS = {
    "accept": _("accepted"),
    "reject": _("not accepted"),
    "merge": _("merged as a duplicate"),
    "dispatch": _("sent to the handling unit"),
    "sign": _("the handling unit took it on"),
    "return": _("returned for re-dispatch"),
    "request_postpone": _("more time requested"),
    "approve_postpone": _("more time approved"),
    "deny_postpone": _("more time refused"),
    "escalate": _("escalated to the level above"),
    "whistle": _("departments summoned (whistle)"),
    "report_in": _("a department reported in"),
    "part_done": _("a department finished its part"),
    "whistle_done": _("every summoned department finished"),
    "merged_in": _("a report of the same problem was merged in"),
    "feedback": _("result reported"),
    "verify": _("result checked: closed"),
    "verify_fail": _("result checked: not solved, handled again"),
    "rate": _("rated"),
    "reopen": _("reopened: not solved"),
    "remind": _("reminder sent"),
}
# Steps a passer-by sees on the public page: the milestones, without notes or names.
PUBLIC_PAGE_ACTIONS = frozenset(
    {
        "accept",
        "dispatch",
        "sign",
        "escalate",
        "whistle",
        "whistle_done",
        "feedback",
        "verify",
        "verify_fail",
        "reopen",
    }
)
# Events the timeline leaves out: "submit" is the report itself, shown from the demand.
SKIPPED_ACTIONS = frozenset({"submit"})


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    if label is None:
        from . import workflow

        return workflow.action_label(action)
    return str(label)


def _demand_with_case(qs: QuerySet[Demand]) -> QuerySet[Demand]:
    return qs.select_related(
        "case", "case__category", "case__unit", "category", "category__parent", "region", "duplicate_of"
    )


def public_report(number: str) -> PublicReport:
    """A report's public page data; Http404 for one that is never public."""
    demand = _demand_with_case(Demand.objects.filter(number=number)).first()
    if demand is None:
        raise Http404
    case = getattr(demand, "case", None)
    stage = stage_of(demand.triage, case.status if case else None)
    if stage is None:
        raise Http404
    in_compound = bool(demand.region_id and demand.region.level == Region.Level.COMPOUND)
    lat = lng = None  # a report placed by picking its compound has no point
    if demand.lat is not None and demand.lng is not None:
        lat, lng = public_position(demand.lat, demand.lng, in_compound=in_compound)
    report = PublicReport(
        demand=demand,
        stage=stage,
        stage_label=str(STAGE_LABELS[stage]),
        category=_category_label(
            demand.category.parent.name if demand.category_id and demand.category.parent_id else None,
            demand.category.name if demand.category_id else None,
        ),
        place=demand.region.name if demand.region_id else "",
        lat=lat,
        lng=lng,
        approximate=in_compound,
        photos=[],
        steps=[],
    )
    if stage == MERGED:
        report.merged_into = demand.duplicate_of
        return report
    if stage == NOT_ACCEPTED:
        return report  # no photos, no steps: it was refused, the page only says so
    report.photos = list(demand.photos.filter(is_public=True).order_by("stage", "position", "pk"))
    report.followers = demand.follows.count()
    steps = [{"at": demand.received_at, "label": str(_("reported"))}]
    if case:
        for e in case.events.filter(public=True, action__in=PUBLIC_PAGE_ACTIONS).order_by("at", "pk"):
            steps.append({"at": e.at, "label": action_label(e.action)})
    report.steps = steps
    return report


# --- The resident's own reports ------------------------------------------------------------------


def _mine_q(user) -> Q:
    """Reports sent from the user's login, or given in their name (a person linked to the
    login) — written as two indexed tests, not a join, so a million reports stay fast."""
    from doorstep.territory.models import Person

    return Q(reporter_user=user) | Q(reporter__in=Person.objects.filter(user=user).values("pk"))


def my_reports(user) -> QuerySet[Demand]:
    """The user's own reports, newest first, with what the list shows (one query)."""
    if not user.is_authenticated:
        return Demand.objects.none()
    return _demand_with_case(Demand.objects.filter(_mine_q(user))).order_by("-received_at", "-pk")


def my_report(user, number: str) -> Demand:
    """One of the user's own reports; Http404 for anyone else's (never say it exists)."""
    demand = my_reports(user).filter(number=number).first()
    if demand is None:
        raise Http404
    return demand


def is_mine(user, demand: Demand) -> bool:
    if not user.is_authenticated:
        return False
    if demand.reporter_user_id == user.pk:
        return True
    return bool(demand.reporter_id and demand.reporter.user_id == user.pk)


def my_photos(demand: Demand) -> list[Photo]:
    """Photos the reporter sees on their own report: all they sent, and the handler's evidence
    once it is published."""
    return list(
        demand.photos.filter(Q(stage="report") | Q(is_public=True)).order_by("stage", "position", "pk")
    )


def followed_reports(user) -> QuerySet[Demand]:
    """Reports the user follows (or said "me too" to), most recently followed first."""
    if not user.is_authenticated:
        return Demand.objects.none()
    return (
        _demand_with_case(public_demands().filter(follows__user=user))
        .annotate(me_too_by_me=Exists(Follow.objects.filter(demand=OuterRef("pk"), user=user, me_too=True)))
        .order_by("-follows__at", "-pk")
    )


def following(user, demand: Demand) -> Follow | None:
    if not user.is_authenticated:
        return None
    return Follow.objects.filter(demand=demand, user=user).first()


# --- Timeline for the reporter ------------------------------------------------------------------


@dataclass
class Step:
    at: datetime
    label: str
    who: str
    note: str = ""
    extra: dict = field(default_factory=dict)


ROLE_ORDER = ("department_liaison", "property_staff", "grid_worker", "community_staff", "subdistrict_staff")


def _unit_labels(case: Case, actor_ids: set[int]) -> dict[int, str]:
    """How staff appear to the reporter: their unit (department, company, or the region and
    role), never their name. One query for all actors."""
    labels: dict[int, str] = {}
    roles = (
        Role.objects.filter(user_id__in=actor_ids, active=True)
        .select_related("region", "organization")
        .order_by("-region__level", "pk")
    )
    best: dict[int, Role] = {}
    for role in roles:
        current = best.get(role.user_id)
        rank = ROLE_ORDER.index(role.kind) if role.kind in ROLE_ORDER else len(ROLE_ORDER)
        if current is None:
            best[role.user_id] = role
            continue
        current_rank = ROLE_ORDER.index(current.kind) if current.kind in ROLE_ORDER else len(ROLE_ORDER)
        if rank < current_rank:
            best[role.user_id] = role
    for user_id, role in best.items():
        if role.organization_id:
            labels[user_id] = role.organization.name
        else:
            labels[user_id] = f"{role.region.name}{role.get_kind_display()}"
    return labels


def timeline(demand: Demand, viewer) -> list[Step]:
    """The reporter's timeline: their report, then the public events of the case with notes;
    staff shown by unit, the reporter as "me", the background worker as "the system"."""
    steps = [Step(at=demand.received_at, label=str(_("reported")), who=str(_("me")))]
    case = getattr(demand, "case", None)
    if case is None:
        return steps
    events = list(case.events.filter(public=True).exclude(action__in=SKIPPED_ACTIONS).order_by("at", "pk"))
    actor_ids = {e.actor_id for e in events if e.actor_id and e.actor_id != viewer.pk}
    units = _unit_labels(case, actor_ids) if actor_ids else {}
    fallback = case.unit.name if case.unit_id else str(_("staff"))
    for e in events:
        if e.actor_id is None:
            who = str(_("the system"))
        elif e.actor_id == viewer.pk:
            who = str(_("me"))
        else:
            who = units.get(e.actor_id, fallback)
        steps.append(Step(at=e.at, label=action_label(e.action), who=who, note=e.note, extra=e.data or {}))
    return steps


# --- Rows and pages -------------------------------------------------------------------------------


def current_due(case: Case | None) -> tuple[datetime | None, str]:
    """The deadline that matters now for an open case and its unit (accept, then handle)."""
    if case is None or case.status not in Case.OPEN:
        return None, ""
    if case.status == S.SUBMITTED:
        return case.accept_due, case.category.accept_unit
    return case.handle_due, case.category.handle_unit


def due_text(case: Case | None, now: datetime | None = None, *, cal=None) -> str:
    """ "还剩 2 个工作日" / "已超期 3 小时" for an open case; empty otherwise. Lists pass one
    calendar snapshot (`cal`) for all their rows."""
    due, unit = current_due(case)
    if due is None:
        return ""
    from .deadlines import due_label

    return due_label(due, now, unit=unit, schedule=case.unit if case.unit_id else None, cal=cal)


def report_rows(demands) -> list[dict]:
    """Rows for a list of reports, one calendar snapshot for all of them."""
    from doorstep.core.workcalendar import get_calendar

    demands = list(demands)
    cal = get_calendar() if demands else None
    return [report_row(d, cal=cal) for d in demands]


def report_row(demand: Demand, *, cal=None) -> dict:
    """What a list of reports shows for one (no queries: the list selects what it needs)."""
    case = getattr(demand, "case", None)
    stage = stage_of(demand.triage, case.status if case else None) or RECEIVED
    due, _unit = current_due(case)
    overdue = bool(due and due < timezone.now())
    return {
        "demand": demand,
        "case": case,
        "stage": stage,
        "stage_label": STAGE_LABELS[stage],
        "category": _category_label(
            demand.category.parent.name if demand.category_id and demand.category.parent_id else None,
            demand.category.name if demand.category_id else None,
        ),
        "place": demand.region.name if demand.region_id else "",
        "due": due_text(case, cal=cal),
        "overdue": overdue,
        "me_too_by_me": getattr(demand, "me_too_by_me", False),
    }


def resident_actions(case: Case | None, user) -> dict:
    """What the reporter may do now, from the transition table and their actor kinds."""
    result = {"verify": False, "rate": False, "reopen": False, "kinds": frozenset()}
    if case is None:
        return result
    from .actors import actor_kinds
    from .workflow import allowed

    kinds = actor_kinds(user, case)
    moves = {t.action for t in allowed(case, kinds)} if "reporter" in kinds else set()
    result.update(
        kinds=kinds,
        verify="verify" in moves,
        rate="rate" in moves,
        reopen="reopen" in moves,
    )
    return result


def reopen_state(case: Case, now: datetime | None = None) -> dict | None:
    """Whether the reporter may still ask for a closed case to be handled again (重办), until
    when, and what to tell them once the window (DOORSTEP_REOPEN_WITHIN_DAYS after closing) has
    passed. None while the case is not closed."""
    if case.status not in (S.CLOSED, S.RATED) or case.closed_at is None:
        return None
    from .deadlines import rules
    from .services import reopen_deadline

    days = rules().reopen_within_days
    until = reopen_deadline(case)
    still = (now or timezone.now()) <= until
    message = (
        ""
        if still
        else str(
            _(
                "More than %(days)d days have passed since the case was closed, so it can no longer be "
                "reopened here (reopening is possible within %(days)d days of closing). If the problem "
                "is back, please send a new report."
            )
            % {"days": days}
        )
    )
    return {"open": still, "until": until, "days": days, "message": message}


def report_page(demand: Demand, user) -> dict:
    """The reporter's page: the report, its timeline, photos, deadline, rating, actions."""
    case = getattr(demand, "case", None)
    row = report_row(demand)
    actions = resident_actions(case, user)
    rating = case.ratings.order_by("-at").first() if case else None
    reopen = reopen_state(case) if case and "reporter" in actions["kinds"] else None
    if reopen and not reopen["open"]:
        actions["reopen"] = False
    return {
        **row,
        "steps": timeline(demand, user),
        "photos": my_photos(demand),
        "actions": actions,
        "rating": rating,
        "reopen_state": reopen,
        "unit": case.unit.name if case and case.unit_id else "",
    }


# --- Staff: photos to redact and publish -------------------------------------------------------------

REDACTOR_KINDS = frozenset({"grid_worker", "community_staff", "subdistrict_staff", "admin"})


def may_redact(user, demand: Demand) -> bool:
    """Staff holding a desk or grid role over the demand's region may redact and publish."""
    from doorstep.territory.selectors import scope_for

    if user.is_superuser:
        return True
    scope = scope_for(user)
    return bool(scope.role_kinds & REDACTOR_KINDS) and scope.covers_region(demand.region_id)


def photos_to_publish(user) -> QuerySet[Photo]:
    """Photos in the user's scope not yet public, newest first (for the redaction queue)."""
    from doorstep.territory.selectors import scope_for

    scope = scope_for(user)
    if not (scope.role_kinds & REDACTOR_KINDS or user.is_superuser):
        return Photo.objects.none()
    return (
        scope.filter(Photo.objects.filter(is_public=False), "demand__region")
        .exclude(demand__triage__in=HIDDEN_TRIAGE)
        .exclude(demand__case__status__in=HIDDEN_CASE)
        .select_related("demand", "demand__category", "demand__region")
        .order_by("-created_at", "-pk")
    )
