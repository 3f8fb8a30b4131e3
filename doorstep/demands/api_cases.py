"""Demands and cases in the JSON API: scoped, paginated lists, a case with its timeline, and the
case loop's moves as POST actions (/api/v1/cases/{number}/accept, .../dispatch, ...).

Reads: a logged-in user sees the cases the worklist shows them (`selectors.cases_visible`), an
API key the cases of its jurisdictions (public events only, no names). Moves are made by a
logged-in user through the same service functions as the case page; each body may carry the
`version` the caller saw: if someone changed the case since, the answer is 409 `stale_version`
and nothing is written. A move the table does not allow now is 409 `not_allowed_now`, one the
caller may not make 403 `forbidden`, a case outside the caller's area 404.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from doorstep.core.api import AUTH, READ_ERRORS, WRITE_ERRORS, ApiError, caller
from doorstep.territory.models import Region

from . import selectors
from .api_intake import router as intake_router
from .models import Case, CaseEvent, Category, Demand, Postponement, WhistlePart
from .workflow import TABLE, ConflictError, WorkflowError, action_label, allowed

router = Router(tags=["cases"], auth=AUTH)

S = Case.Status
MAX_PAGE_SIZE = 100
CODE = r"^[0-9A-Za-z_\-]{1,32}$"


# --- schemas -----------------------------------------------------------------------------------


class ListIn(Schema):
    status: str | None = Field(None, description="A case status, e.g. submitted, handling, closed.")
    category: str | None = Field(None, pattern=CODE, description="A major or minor class code.")
    region: str | None = Field(None, pattern=CODE, description="A region code: that region and below.")
    received_from: date | None = Field(None, description="Received on or after this day (Shanghai).")
    received_to: date | None = Field(None, description="Received on or before this day (Shanghai).")
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


class NamedOut(Schema):
    code: str
    name: str


class CaseRowOut(Schema):
    number: str
    demand: str = Field(description="The demand's number.")
    status: str
    status_label: str
    category: NamedOut
    region: NamedOut
    grid: NamedOut | None
    unit: str | None = Field(description="The unit handling it now.")
    level: str
    urgent: bool
    received_at: datetime
    accept_due: datetime | None
    handle_due: datetime | None
    closed_at: datetime | None
    version: int


class CasePageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[CaseRowOut]


class EventOut(Schema):
    at: datetime
    action: str
    label: str
    from_status: str
    to_status: str
    note: str
    actor: str | None = Field(description="Who acted (staff callers only).")
    public: bool


class DemandOut(Schema):
    number: str
    channel: str
    text: str
    address: str
    lng: float | None
    lat: float | None
    triage: str
    received_at: datetime
    me_too: int
    reporter: str = Field(description="Masked name; empty when anonymous or for API keys.")
    phone: str = Field(description="Masked phone; empty for API keys.")


class CaseOut(CaseRowOut):
    demand_detail: DemandOut
    responded_at: datetime | None
    feedback_at: datetime | None
    escalation: int
    timeline: list[EventOut]
    actions: list[str] = Field(description="The moves the caller may make now.")


class DemandRowOut(Schema):
    number: str
    channel: str
    triage: str
    text: str
    region: NamedOut | None
    category: NamedOut | None
    case: str | None
    received_at: datetime


class DemandPageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[DemandRowOut]


class DemandListIn(Schema):
    triage: str | None = Field(None, description="small, hard, big, duplicate, outside, pending.")
    region: str | None = Field(None, pattern=CODE)
    received_from: date | None = None
    received_to: date | None = None
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


class MovedOut(Schema):
    number: str
    action: str
    status: str
    status_label: str
    version: int
    event: EventOut


class VersionIn(Schema):
    version: int | None = Field(None, ge=0, description="The case version you saw (409 if it moved).")


class ReasonIn(VersionIn):
    reason: str = Field(min_length=1, max_length=1000)


class NoteIn(VersionIn):
    note: str = Field("", max_length=1000)


class DispatchIn(VersionIn):
    unit: int | None = Field(None, ge=1, description="An organisation id (dispatch choices).")
    assignee: int | None = Field(None, ge=1, description="A user id (assignee choices).")


class FeedbackIn(VersionIn):
    text: str = Field(min_length=1, max_length=2000)


class VerifyIn(VersionIn):
    solved: bool
    note: str = Field("", max_length=1000)


class RateIn(VersionIn):
    score: int = Field(ge=1, le=5)
    solved: bool
    comment: str = Field("", max_length=1000)


class MergeIn(VersionIn):
    into: str = Field(min_length=1, max_length=20, description="The open case's number.")


class WhistleIn(VersionIn):
    departments: list[int] = Field(min_length=1, max_length=20, description="Department ids.")
    task: str = Field("", max_length=200)


class PostponeIn(VersionIn):
    working_days: int = Field(ge=1, le=60)
    reason: str = Field(min_length=1, max_length=1000)


class PartIn(Schema):
    part: int = Field(ge=1, description="The whistle part's id.")


class PartDoneIn(PartIn):
    result: str = Field(min_length=1, max_length=2000)


# --- reads -------------------------------------------------------------------------------------


def _not_found() -> ApiError:
    return ApiError(404, "not_found", _("Not found, or not within your area."))


def _cases(request):
    who = caller(request)
    if who.user is not None:
        # The worklist's cases, and a resident's own reports (to follow, rate or reopen them).
        return Case.objects.filter(selectors.case_filter(who.user) | Q(demand__reporter_user=who.user))
    return who.scope.filter(Case.objects.all(), "region")


def _day_start(day: date):
    return selectors._start_of(day)


def _region_id(code: str | None) -> int | None:
    if not code:
        return None
    pk = Region.objects.filter(code=code).values_list("pk", flat=True).first()
    if pk is None:
        raise ApiError(422, "invalid", _("Unknown region code."), {"region": [_("Unknown region code.")]})
    return pk


def _named(obj) -> dict | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def _row(c: Case) -> dict:
    return {
        "number": c.number,
        "demand": c.demand.number,
        "status": c.status,
        "status_label": str(c.get_status_display()),
        "category": _named(c.category),
        "region": _named(c.region),
        "grid": _named(c.grid),
        "unit": c.unit.name if c.unit_id else None,
        "level": c.level,
        "urgent": c.urgent,
        "received_at": c.received_at,
        "accept_due": c.accept_due,
        "handle_due": c.handle_due,
        "closed_at": c.closed_at,
        "version": c.version,
    }


def _page(qs, page: int, page_size: int) -> tuple[int, list]:
    count = qs.count()
    start = (page - 1) * page_size
    return count, list(qs[start : start + page_size]) if start < count else []


@router.get("/cases", response={200: CasePageOut, **READ_ERRORS}, summary="Cases in your area")
def case_list(request: HttpRequest, params: Query[ListIn]):
    """The cases the caller may see, newest first, filtered by status, category (a major class
    includes its minor classes), region (and below) and day of receipt; `page`/`page_size`."""
    if params.status and params.status not in S.values:
        raise ApiError(422, "invalid", _("Unknown status."), {"status": [", ".join(S.values)]})
    filters = selectors.Filters(status=params.status or "", region=_region_id(params.region))
    if params.category:
        filters.category = Category.objects.filter(code=params.category).values_list("pk", flat=True).first()
        if filters.category is None:
            raise ApiError(422, "invalid", _("Unknown category."), {"category": [_("Unknown category.")]})
    filters.date_from, filters.date_to = params.received_from, params.received_to
    qs = (
        _cases(request)
        .filter(filters.condition())
        .select_related("demand", "category", "region", "grid", "unit")
        .only(*_ROW_FIELDS)
        .order_by("-received_at", "-pk")
    )
    count, rows = _page(qs, params.page, params.page_size)
    return {
        "count": count,
        "page": params.page,
        "page_size": params.page_size,
        "items": [_row(c) for c in rows],
    }


_ROW_FIELDS = (
    "number",
    "status",
    "level",
    "urgent",
    "received_at",
    "accept_due",
    "handle_due",
    "closed_at",
    "version",
    "demand__number",
    "category__code",
    "category__name",
    "region__code",
    "region__name",
    "grid__code",
    "grid__name",
    "unit__name",
)


def _event(e: CaseEvent, staff: bool) -> dict:
    actor = None
    if staff and e.actor_id:
        actor = e.actor.display_name or e.actor.username
    return {
        "at": e.at,
        "action": e.action,
        "label": action_label(e.action),
        "from_status": e.from_status,
        "to_status": e.to_status,
        "note": e.note if staff or e.public else "",
        "actor": actor,
        "public": e.public,
    }


def _get_case(request, number: str) -> Case:
    found = (
        _cases(request)
        .select_related(
            "demand", "demand__reporter", "demand__reporter_user", "category", "region", "grid", "unit"
        )
        .defer("region__boundary", "grid__boundary")
        .filter(number=number)
        .first()
    )
    if found is None:
        raise _not_found()
    return found


def _case_out(request, case: Case) -> dict:
    who = caller(request)
    # Staff see every event with names; a reporter and an API key see the public steps only.
    staff = who.user is not None and selectors.has_case_desk(who.user)
    events = CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "pk")
    if not staff:
        events = events.filter(public=True)
    demand = case.demand
    reporter = selectors.reporter_of(demand) if staff else None
    actions = []
    if who.user is not None:
        from .actors import actor_kinds

        actions = [t.action for t in allowed(case, actor_kinds(who.user, case)) if "system" not in t.actors]
    return {
        **_row(case),
        "demand_detail": {
            "number": demand.number,
            "channel": demand.channel,
            "text": demand.text,
            "address": demand.address,
            "lng": demand.lng,
            "lat": demand.lat,
            "triage": demand.triage,
            "received_at": demand.received_at,
            "me_too": demand.me_too_count,
            "reporter": reporter.masked_name if reporter else "",
            "phone": reporter.masked_phone if reporter else "",
        },
        "responded_at": case.responded_at,
        "feedback_at": case.feedback_at,
        "escalation": case.escalation,
        "timeline": [_event(e, staff) for e in events],
        "actions": actions,
    }


@router.get("/cases/{number}", response={200: CaseOut, **READ_ERRORS}, summary="One case with its timeline")
def case_detail(request: HttpRequest, number: str):
    """A case of the caller's area: its demand (reporter masked), deadlines, every event (API
    keys: the public ones, without names) and the moves the logged-in caller may make now."""
    return _case_out(request, _get_case(request, number))


def _demands(request):
    who = caller(request)
    qs = who.scope.filter(Demand.objects.all(), "region")
    if who.user is not None:
        qs = Demand.objects.filter(who.scope.q("region") | Q(reporter_user=who.user))
    return qs


# GET /demands lives on the router of POST /demands (one URL pattern per path: a second router
# with the same path would answer 405 to one of the methods).
@intake_router.get(
    "/demands", auth=AUTH, response={200: DemandPageOut, **READ_ERRORS}, summary="Demands in your area"
)
def demand_list(request: HttpRequest, params: Query[DemandListIn]):
    """Demands (every voice, small matters with their case, hard and big matters, duplicates)
    of the caller's area, plus a user's own reports; newest first, paginated."""
    qs = _demands(request)
    if params.triage:
        if params.triage not in Demand.Triage.values:
            raise ApiError(
                422, "invalid", _("Unknown triage."), {"triage": [", ".join(Demand.Triage.values)]}
            )
        qs = qs.filter(triage=params.triage)
    region = _region_id(params.region)
    if region:
        qs = qs.filter(region__in=Region.objects.descendants(region, include_self=True).values("pk"))
    if params.received_from:
        qs = qs.filter(received_at__gte=_day_start(params.received_from))
    if params.received_to:
        qs = qs.filter(received_at__lt=_day_start(params.received_to) + timedelta(days=1))
    qs = (
        qs.select_related("region", "category", "case")
        .only(
            "number",
            "channel",
            "triage",
            "text",
            "received_at",
            "region__code",
            "region__name",
            "category__code",
            "category__name",
            "case__number",
        )
        .order_by("-received_at", "-pk")
    )
    count, rows = _page(qs, params.page, params.page_size)
    items = []
    for d in rows:
        try:
            case_number = d.case.number
        except Case.DoesNotExist:
            case_number = None
        items.append(
            {
                "number": d.number,
                "channel": d.channel,
                "triage": d.triage,
                "text": d.text,
                "region": _named(d.region),
                "category": _named(d.category),
                "case": case_number,
                "received_at": d.received_at,
            }
        )
    return {"count": count, "page": params.page, "page_size": params.page_size, "items": items}


# --- moves -------------------------------------------------------------------------------------


def _move(request, number: str, action: str, run, version: int | None = None):
    """Call a service on a visible case; map its refusals to 403/409/422."""
    user = caller(request).require_user()
    case = _get_case(request, number)
    if version is not None:
        case.version = version
    try:
        event = run(case, user)
    except ConflictError as exc:
        raise ApiError(409, "stale_version", str(exc)) from exc
    except PermissionDenied as exc:
        raise ApiError(403, "forbidden", str(exc) or _("You may not do this to the case.")) from exc
    except WorkflowError as exc:
        raise ApiError(409, "not_allowed_now", str(exc)) from exc
    case.refresh_from_db(fields=["status", "version"])
    return {
        "number": case.number,
        "action": action,
        "status": case.status,
        "status_label": str(case.get_status_display()),
        "version": case.version,
        "event": _event(event, True),
    }


def _services():
    from . import services

    return services


def _doc(action: str) -> dict:
    """Summary and responses of a move's endpoint (its description names the source statuses)."""
    from doorstep.open311.keys import CASE_MOVES

    t = TABLE[action]
    if action in CASE_MOVES:
        which = " or ".join(
            {"own": "cases it filed", "handed": "cases handed to it"}[w] for w in sorted(CASE_MOVES[action])
        )
        who = f"A logged-in user, or an API key with the `cases` scope on {which}."
    else:
        who = "Needs a logged-in user (not a key)."
    return {
        "summary": f"Case: {action.replace('_', ' ')}",
        "description": f"Allowed from: {', '.join(sorted(t.sources))}. {who}",
        "response": {200: MovedOut, **WRITE_ERRORS},
    }


@router.post("/cases/{number}/accept", **_doc("accept"))
def case_accept(request: HttpRequest, number: str, body: VersionIn):
    return _move(request, number, "accept", lambda c, u: _services().accept(c, u), body.version)


@router.post("/cases/{number}/reject", **_doc("reject"))
def case_reject(request: HttpRequest, number: str, body: ReasonIn):
    return _move(
        request, number, "reject", lambda c, u: _services().reject(c, u, reason=body.reason), body.version
    )


@router.post("/cases/{number}/dispatch", **_doc("dispatch"))
def case_dispatch(request: HttpRequest, number: str, body: DispatchIn):
    user = caller(request).require_user()
    case = _get_case(request, number)
    unit = assignee = None
    if body.unit is not None:
        unit = next((o for o in selectors.unit_choices(user, case) if o.pk == body.unit), None)
        if unit is None:
            raise ApiError(422, "invalid", _("Choose a unit to dispatch to."), {"unit": [_("Unknown unit.")]})
    if body.assignee is not None:
        found = next((a for a in selectors.assignee_choices(user, case) if a.user_id == body.assignee), None)
        if found is None:
            raise ApiError(
                422,
                "invalid",
                _("Choose a unit or a person to dispatch to."),
                {"assignee": [_("Unknown person.")]},
            )
        assignee = found.user
    return _move(
        request,
        number,
        "dispatch",
        lambda c, u: _services().dispatch(c, u, unit=unit, assignee=assignee),
        body.version,
    )


@router.post("/cases/{number}/sign", **_doc("sign"))
def case_sign(request: HttpRequest, number: str, body: VersionIn):
    return _move(request, number, "sign", lambda c, u: _services().sign(c, u), body.version)


@router.post("/cases/{number}/return", **_doc("return"))
def case_return(request: HttpRequest, number: str, body: ReasonIn):
    return _move(
        request,
        number,
        "return",
        lambda c, u: _services().return_case(c, u, reason=body.reason),
        body.version,
    )


@router.post("/cases/{number}/escalate", **_doc("escalate"))
def case_escalate(request: HttpRequest, number: str, body: ReasonIn):
    return _move(
        request, number, "escalate", lambda c, u: _services().escalate(c, u, reason=body.reason), body.version
    )


@router.post("/cases/{number}/feedback", **_doc("feedback"))
def case_feedback(request: HttpRequest, number: str, body: FeedbackIn):
    return _move(
        request, number, "feedback", lambda c, u: _services().feedback(c, u, text=body.text), body.version
    )


@router.post("/cases/{number}/verify", **_doc("verify"))
def case_verify(request: HttpRequest, number: str, body: VerifyIn):
    """Solved: the case is closed. Not solved (a note saying what is wrong): back to handling."""
    if not body.solved and not body.note.strip():
        raise ApiError(422, "invalid", _("Please say what is still wrong."), {"note": [_("Required.")]})
    action = "verify" if body.solved else "verify_fail"
    return _move(
        request,
        number,
        action,
        lambda c, u: _services().verify(c, u, solved=body.solved, note=body.note),
        body.version,
    )


@router.post("/cases/{number}/rate", **_doc("rate"))
def case_rate(request: HttpRequest, number: str, body: RateIn):
    return _move(
        request,
        number,
        "rate",
        lambda c, u: _services().rate(c, u, score=body.score, solved=body.solved, comment=body.comment),
        body.version,
    )


@router.post("/cases/{number}/reopen", **_doc("reopen"))
def case_reopen(request: HttpRequest, number: str, body: ReasonIn):
    return _move(
        request, number, "reopen", lambda c, u: _services().reopen(c, u, reason=body.reason), body.version
    )


@router.post("/cases/{number}/merge", **_doc("merge"))
def case_merge(request: HttpRequest, number: str, body: MergeIn):
    """Merge this case as a duplicate into another open case of the caller's area."""
    caller(request).require_user()
    into = _cases(request).filter(number=body.into.strip()).first()
    if into is None:
        raise ApiError(
            422, "invalid", _("Choose another case to merge into."), {"into": [_("Unknown case.")]}
        )
    return _move(request, number, "merge", lambda c, u: _services().merge(c, into, u), body.version)


@router.post("/cases/{number}/whistle", **_doc("whistle"))
def case_whistle(request: HttpRequest, number: str, body: WhistleIn):
    """Summon departments (ids from the regions above the case) to report in and do their part."""
    caller(request).require_user()
    case = _get_case(request, number)
    choices = {o.pk: o for o in selectors.department_choices(case)}
    unknown = [pk for pk in body.departments if pk not in choices]
    if unknown:
        raise ApiError(
            422, "invalid", _("Only government departments can be summoned."), {"departments": [str(unknown)]}
        )
    departments = [choices[pk] for pk in dict.fromkeys(body.departments)]
    return _move(
        request,
        number,
        "whistle",
        lambda c, u: _services().whistle(c, u, departments=departments, task=body.task),
        body.version,
    )


@router.post("/cases/{number}/request_postpone", **_doc("request_postpone"))
def case_request_postpone(request: HttpRequest, number: str, body: PostponeIn):
    return _move(
        request,
        number,
        "request_postpone",
        lambda c, u: _services().request_postponement(
            c, u, working_days=body.working_days, reason=body.reason
        ),
        body.version,
    )


def _decide(request, number: str, body: NoteIn, approve: bool):
    caller(request).require_user()
    case = _get_case(request, number)
    pending = Postponement.objects.filter(case=case, status=Postponement.Status.REQUESTED).first()
    if pending is None:
        raise ApiError(409, "not_allowed_now", _("There is no request for more time to decide."))
    pending.case = case
    action = "approve_postpone" if approve else "deny_postpone"
    return _move(
        request,
        number,
        action,
        lambda c, u: _services().decide_postponement(pending, u, approve=approve, note=body.note),
        body.version,
    )


@router.post("/cases/{number}/approve_postpone", **_doc("approve_postpone"))
def case_approve_postpone(request: HttpRequest, number: str, body: NoteIn):
    return _decide(request, number, body, True)


@router.post("/cases/{number}/deny_postpone", **_doc("deny_postpone"))
def case_deny_postpone(request: HttpRequest, number: str, body: NoteIn):
    return _decide(request, number, body, False)


def _part(request, number: str, pk: int) -> WhistlePart:
    case = _get_case(request, number)
    part = WhistlePart.objects.filter(case=case, pk=pk).select_related("department").first()
    if part is None:
        raise _not_found()
    part.case = case
    return part


@router.post("/cases/{number}/report_in", **_doc("report_in"))
def case_report_in(request: HttpRequest, number: str, body: PartIn):
    """A summoned department's liaison reports in for its part."""
    caller(request).require_user()
    part = _part(request, number, body.part)
    return _move(request, number, "report_in", lambda c, u: _services().report_in(part, u))


@router.post("/cases/{number}/part_done", **_doc("part_done"))
def case_part_done(request: HttpRequest, number: str, body: PartDoneIn):
    """A summoned department finishes its part (the last one moves the case to feedback)."""
    caller(request).require_user()
    part = _part(request, number, body.part)
    return _move(
        request, number, "part_done", lambda c, u: _services().finish_part(part, u, result=body.result)
    )
