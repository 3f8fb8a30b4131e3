"""The council (难事议) in the JSON API: topics, meetings, owners' votes and their results.

Reads are scoped like the pages. Topics: a logged-in resident reads the topics where they live
(`where=near`), staff the topics of their area (`where=area`); an API key with the "read" scope
reads the topics of its jurisdictions. Meetings: staff of the area and API keys (the meeting
desk is a staff page). Votes to take part in and ballots: the logged-in owner only. Announced
results: anyone, as the public announcement page (counts and shares, never names).

Writes go through the same services as the pages (session cookie and CSRF token; a key acts for
no person): support a topic (+1, once), post in its discussion, move its stage (staff; the body
may carry the `stage` you saw — if it moved since, 409 `stale_stage`), cast my ballot online
(one per owner; sent twice, taken once; changed only if the vote allows it, else 409).
Errors: 404 `not_found` (also outside one's area), 403 `forbidden`, 409 `not_allowed_now` /
`stale_stage` / `vote_not_open` / `ballot_final`, 422 `invalid` with the field.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from doorstep.core.api import AUTH, READ_ERRORS, WRITE_ERRORS, ApiError, Session, caller
from doorstep.core.pii import mask_name
from doorstep.territory.selectors import scope_for

from . import meetings as meeting_services
from . import result_sheet, selectors, services, topic_selectors
from . import tally as tally_rules
from . import topics as topic_services
from .meeting_models import Meeting, MeetingAttendee, MeetingDecision
from .models import Ballot, Vote, VoteUnit, VoteVoter
from .topic_models import Topic, TopicPost

router = Router(tags=["council"])

MAX_PAGE_SIZE = 100
MAX_ID = 2**63 - 1
St = Topic.Stage
MOVES = tuple(a for a, t in topic_services.TABLE.items() if t.manual)
OPEN_FIRST = Case(
    When(stage__in=[St.CLOSED, St.REPORTED_BACK], then=Value(1)),
    default=Value(0),
    output_field=IntegerField(),
)


# --- schemas -----------------------------------------------------------------------------------


class CouncilNamedOut(Schema):
    code: str
    name: str


class CouncilTopicListIn(Schema):
    where: Literal["near", "area"] = Field(
        "near", description="near: where I live or own (residents); area: my staff area (or a key's)."
    )
    stage: str | None = Field(None, description="A stage: " + ", ".join(St.values) + ".")
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


class CouncilTopicRowOut(Schema):
    id: int
    number: str
    title: str
    stage: str
    stage_label: str
    scope_level: str
    scope: str = Field(description="Community, compound, building or stairwell unit, as words.")
    region: CouncilNamedOut
    support_count: int
    post_count: int
    vote_id: int | None
    created_at: datetime
    stage_changed_at: datetime | None


class CouncilTopicPageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[CouncilTopicRowOut]


class CouncilPostOut(Schema):
    id: int
    author: str = Field(description="Masked name (staff posts say so).")
    staff: bool
    at: datetime
    hidden: bool
    text: str = Field(description="Empty when the post is hidden.")
    hidden_reason: str = Field(description="Why a hidden post was hidden (shown in its place).")


class CouncilTopicOut(CouncilTopicRowOut):
    description: str
    origin: str
    decision: str
    report: str
    close_reason: str
    supported: bool = Field(description="Whether the calling user has supported it.")
    actions: list[str] = Field(description="The stage moves the calling user may make now.")
    posts: list[CouncilPostOut]


class CouncilSupportOut(Schema):
    topic_id: int
    counted: bool = Field(description="False if you had supported it already (counted once).")
    support_count: int


class CouncilPostIn(Schema):
    text: str = Field(min_length=1, max_length=topic_services.MAX_POST)


class CouncilMoveIn(Schema):
    action: Literal[MOVES]  # type: ignore[valid-type]
    note: str = Field("", max_length=2000, description="Required by decide, report_back and close.")
    stage: str | None = Field(None, max_length=16, description="The stage you saw (409 if it moved).")


class CouncilMovedOut(Schema):
    id: int
    action: str
    stage: str
    stage_label: str


class CouncilMeetingListIn(Schema):
    date_from: date | None = Field(None, description="Starting on or after this day (Shanghai).")
    date_to: date | None = Field(None, description="Starting on or before this day (Shanghai).")
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


class CouncilMeetingRowOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    region: CouncilNamedOut
    starts_at: datetime
    venue: str


class CouncilMeetingPageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[CouncilMeetingRowOut]


class CouncilAgendaTopicOut(Schema):
    id: int
    title: str
    stage: str


class CouncilAttendeeOut(Schema):
    seat: str
    label: str = Field(description="The seat and who holds it (API keys: names masked).")
    signed_in_at: datetime | None


class CouncilDecisionOut(Schema):
    text: str
    topic_id: int | None
    at: datetime


class CouncilMeetingOut(CouncilMeetingRowOut):
    agenda: str
    topics: list[CouncilAgendaTopicOut]
    attendees: list[CouncilAttendeeOut]
    decisions: list[CouncilDecisionOut]
    minutes: str
    cancel_reason: str


class CouncilMyBallotOut(Schema):
    choice: str
    choice_label: str
    origin: str
    changes: int
    at: datetime


class CouncilMyOwnerOut(Schema):
    owner: str = Field(description="The owner key to send with a ballot.")
    units: list[str]
    area: str
    ballot: CouncilMyBallotOut | None


class CouncilMyVoteOut(Schema):
    id: int
    title: str
    description: str
    matter: str
    matter_label: str
    scope: str
    status: str
    status_label: str
    opened_at: datetime | None
    closes_at: datetime | None
    changeable_ballots: bool
    can_vote: bool
    owners: list[CouncilMyOwnerOut]


class CouncilMyVotesOut(Schema):
    items: list[CouncilMyVoteOut]


class CouncilBallotIn(Schema):
    choice: Literal["yes", "no", "abstain"]
    owner: str | None = Field(None, max_length=64, description="Needed when you vote for several owners.")


class CouncilBallotOut(Schema):
    vote_id: int
    owner: str
    choice: str
    choice_label: str
    origin: str
    changes: int


class CouncilResultListIn(Schema):
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


class CouncilResultRowOut(Schema):
    id: int
    title: str
    scope: str
    matter: str
    matter_label: str
    passed: bool
    announced_at: datetime | None


class CouncilResultPageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[CouncilResultRowOut]


class CouncilWeightOut(Schema):
    area: str = Field(description="Exclusive area in m², a decimal string.")
    headcount: int


class CouncilShareOut(Schema):
    area: str = Field(description="Six decimal places.")
    headcount: str
    area_exact: str = Field(description="The exact fraction, e.g. 5/6.")
    headcount_exact: str


class CouncilFollowMajorityOut(Schema):
    enabled: bool
    used: bool
    side: str | None
    added: CouncilWeightOut
    clause: str


class CouncilOriginCountOut(Schema):
    origin: str
    label: str
    ballots: int


class CouncilResultOut(CouncilResultRowOut):
    kind: str
    thresholds: list[str]
    opened_at: datetime | None
    closed_at: datetime | None
    units: int
    total: CouncilWeightOut
    participated: CouncilWeightOut
    yes: CouncilWeightOut
    no: CouncilWeightOut
    abstain: CouncilWeightOut
    turnout: CouncilShareOut
    yes_share: CouncilShareOut = Field(description="Of those taking part.")
    no_share: CouncilShareOut
    abstain_share: CouncilShareOut
    consent: CouncilShareOut = Field(description="As counted for the decision (with 从众 if applied).")
    follow_majority: CouncilFollowMajorityOut
    reason: str
    ballots_by_origin: list[CouncilOriginCountOut]
    sheet_url: str


# --- helpers -----------------------------------------------------------------------------------


def _not_found() -> ApiError:
    return ApiError(404, "not_found", _("Not found, or not within your area."))


def _check_id(value: int) -> int:
    if not 0 < value <= MAX_ID:
        raise _not_found()
    return value


def _page(qs, page: int, page_size: int) -> tuple[int, list]:
    count = qs.count()
    start = (page - 1) * page_size
    return count, list(qs[start : start + page_size]) if start < count else []


def _refused(exc: ValidationError, conflicts: dict[str, str], field: str = "__all__") -> ApiError:
    """A service's refusal as the API's error: 403, 409 with a stable code, or 422."""
    code = getattr(exc, "code", None)
    message = " ".join(exc.messages)
    if code == "forbidden":
        return ApiError(403, "forbidden", message)
    if code in conflicts:
        return ApiError(409, conflicts[code], message)
    return ApiError(422, "invalid", message, {field: list(exc.messages)})


def _named(region) -> dict:
    return {"code": region.code, "name": region.name}


# --- topics ------------------------------------------------------------------------------------


def _topics(request, where: str = "area") -> QuerySet[Topic]:
    who = caller(request)
    if who.user is not None:
        if where == "near":
            return topic_selectors.topics_near_me(who.user)
        return topic_selectors.topics_managed(who.user)
    return who.scope.filter(Topic.objects.all(), "region")


def _topic_row(t: Topic) -> dict:
    return {
        "id": t.pk,
        "number": t.number,
        "title": t.title,
        "stage": t.stage,
        "stage_label": str(t.get_stage_display()),
        "scope_level": t.scope_level,
        "scope": t.scope_label,
        "region": _named(t.region),
        "support_count": t.support_count,
        "post_count": t.post_count,
        "vote_id": t.vote_id,
        "created_at": t.created_at,
        "stage_changed_at": t.stage_changed_at,
    }


def _with_places(qs: QuerySet[Topic]) -> QuerySet[Topic]:
    return qs.select_related("region", "building").defer("region__boundary")


@router.get(
    "/council/topics",
    auth=AUTH,
    response={200: CouncilTopicPageOut, **READ_ERRORS},
    summary="Topics near me or of my area",
)
def topic_list(request: HttpRequest, params: Query[CouncilTopicListIn]):
    """Topics (议题), open ones first, newest move first; filter by `stage`."""
    if params.stage and params.stage not in St.values:
        raise ApiError(422, "invalid", _("Unknown stage."), {"stage": [", ".join(St.values)]})
    qs = _topics(request, params.where)
    if params.stage:
        qs = qs.filter(stage=params.stage)
    qs = _with_places(qs).annotate(done=OPEN_FIRST).order_by("done", "-stage_changed_at", "-id")
    count, rows = _page(qs, params.page, params.page_size)
    return {
        "count": count,
        "page": params.page,
        "page_size": params.page_size,
        "items": [_topic_row(t) for t in rows],
    }


def _visible_topic(request, topic_id: int) -> Topic:
    """A topic the caller may read: where the user lives or works (the page's rule), or within a
    key's jurisdictions."""
    _check_id(topic_id)
    who = caller(request)
    qs = (
        topic_selectors.topics_visible(who.user)
        if who.user is not None
        else who.scope.filter(Topic.objects.all(), "region")
    )
    found = _with_places(qs).filter(pk=topic_id).first()
    if found is None:
        raise _not_found()
    return found


def _post(p: TopicPost) -> dict:
    hidden = p.hidden_at is not None
    return {
        "id": p.pk,
        "author": p.author_label,
        "staff": p.is_staff_post,
        "at": p.at,
        "hidden": hidden,
        "text": "" if hidden else p.text,
        "hidden_reason": p.hidden_reason if hidden else "",
    }


@router.get(
    "/council/topics/{topic_id}",
    auth=AUTH,
    response={200: CouncilTopicOut, **READ_ERRORS},
    summary="A topic with its discussion",
)
def topic_detail(request: HttpRequest, topic_id: int):
    """A topic: where it stands, the decision or report, its discussion (a hidden post shows only
    the reason it was hidden), whether you supported it and the moves you may make."""
    t = _visible_topic(request, topic_id)
    user = caller(request).user
    return {
        **_topic_row(t),
        "description": t.description,
        "origin": t.origin,
        "decision": t.decision,
        "report": t.report,
        "close_reason": t.close_reason,
        "supported": topic_selectors.has_supported(t, user) if user is not None else False,
        "actions": [m.action for m in topic_services.allowed(t, user)] if user is not None else [],
        "posts": [_post(p) for p in topic_selectors.posts(t)],
    }


@router.post(
    "/council/topics/{topic_id}/support",
    auth=[Session()],
    response={200: CouncilSupportOut, **WRITE_ERRORS},
    summary="Support a topic (+1)",
)
def topic_support(request: HttpRequest, topic_id: int):
    """+1 from you; a second press counts once (`counted` false)."""
    t = _visible_topic(request, topic_id)
    try:
        counted = topic_services.support(t, by=caller(request).require_user())
    except ValidationError as exc:
        raise _refused(exc, {"closed": "topic_closed"}) from None
    t.refresh_from_db(fields=["support_count"])
    return {"topic_id": t.pk, "counted": counted, "support_count": t.support_count}


@router.post(
    "/council/topics/{topic_id}/posts",
    auth=[Session()],
    response={201: CouncilPostOut, **WRITE_ERRORS},
    summary="Post in a topic's discussion",
)
def topic_post(request: HttpRequest, topic_id: int, body: CouncilPostIn):
    t = _visible_topic(request, topic_id)
    try:
        p = topic_services.post(t, by=caller(request).require_user(), text=body.text)
    except ValidationError as exc:
        raise _refused(exc, {"closed": "topic_closed"}, field="text") from None
    return Status(201, _post(p))


@router.post(
    "/council/topics/{topic_id}/move",
    auth=[Session()],
    response={200: CouncilMovedOut, **WRITE_ERRORS},
    summary="Move a topic's stage (staff)",
)
def topic_move(request: HttpRequest, topic_id: int, body: CouncilMoveIn):
    """One manual move of the stage table (discuss, meet, decide, carry_out, report_back, close);
    the vote stage is reached by opening an owners' vote. 403 for who may not manage the topic,
    409 `not_allowed_now` if the table does not allow it from the current stage, 409
    `stale_stage` if `stage` is given and the topic has moved since."""
    t = _visible_topic(request, topic_id)
    user = caller(request).require_user()
    if not topic_services.can_manage(user, t):
        raise ApiError(403, "forbidden", _("You may not manage topics here."))
    try:
        with transaction.atomic():
            current = Topic.objects.select_for_update().get(pk=t.pk)
            if body.stage is not None and body.stage != current.stage:
                raise ApiError(
                    409,
                    "stale_stage",
                    _("The topic has moved to “%(stage)s” since you saw it.")
                    % {"stage": current.get_stage_display()},
                )
            moved = topic_services.transition(current, body.action, by=user, note=body.note)
    except ValidationError as exc:
        raise _refused(exc, {"conflict": "not_allowed_now"}, field="note") from None
    return {
        "id": moved.pk,
        "action": body.action,
        "stage": moved.stage,
        "stage_label": str(moved.get_stage_display()),
    }


# --- meetings ----------------------------------------------------------------------------------


def _meetings(request) -> QuerySet[Meeting]:
    """Meetings of the caller's staff area (a key's jurisdictions), and for a user also those the
    resident pages show them (the notice reached them: a seat, a topic they reported or supported,
    an owners' assembly where they live or own)."""
    who = caller(request)
    if who.user is not None:
        mine = meeting_services.meetings_concerning(who.user)
        if who.user.is_superuser:
            return Meeting.objects.all()
        scope = scope_for(who.user)
        if scope.is_empty:
            return mine
        return scope.filter(Meeting.objects.all(), "region") | mine
    return who.scope.filter(Meeting.objects.all(), "region")


def _staff_of(request, m: Meeting) -> bool:
    user = caller(request).user
    return user is not None and (user.is_superuser or scope_for(user).covers_region(m.region_id))


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def _day_start(day: date) -> datetime:
    day = min(max(day, FIRST_DAY), LAST_DAY)
    return timezone.make_aware(datetime.combine(day, time.min))


def _meeting_row(m: Meeting) -> dict:
    return {
        "id": m.pk,
        "title": m.title,
        "kind": m.kind,
        "kind_label": str(m.get_kind_display()),
        "status": m.status,
        "status_label": str(m.get_status_display()),
        "region": _named(m.region),
        "starts_at": m.starts_at,
        "venue": m.venue,
    }


@router.get(
    "/council/meetings",
    auth=AUTH,
    response={200: CouncilMeetingPageOut, **READ_ERRORS},
    summary="Meetings of my area",
)
def meeting_list(request: HttpRequest, params: Query[CouncilMeetingListIn]):
    """Meetings in the caller's area by starting time, optionally from/to a day (Shanghai)."""
    if params.date_from and params.date_to and params.date_from > params.date_to:
        message = _("The first day is after the last day.")
        raise ApiError(422, "invalid", message, {"date_from": [message]})
    qs = _meetings(request)
    if params.date_from:
        qs = qs.filter(starts_at__gte=_day_start(params.date_from))
    if params.date_to:
        qs = qs.filter(starts_at__lt=_day_start(params.date_to) + timedelta(days=1))
    qs = qs.select_related("region").defer("region__boundary", "minutes").order_by("starts_at", "id")
    count, rows = _page(qs, params.page, params.page_size)
    return {
        "count": count,
        "page": params.page,
        "page_size": params.page_size,
        "items": [_meeting_row(m) for m in rows],
    }


def _attendee_label(a: MeetingAttendee, staff: bool) -> str:
    if staff:
        return a.label
    who = a.organization.name if a.organization_id else mask_name(a.person.name) if a.person_id else ""
    seat = a.get_seat_display() if a.seat else ""
    return " · ".join(x for x in (seat, who) if x) or mask_name(a.label)


@router.get(
    "/council/meetings/{meeting_id}",
    auth=AUTH,
    response={200: CouncilMeetingOut, **READ_ERRORS},
    summary="A meeting",
)
def meeting_detail(request: HttpRequest, meeting_id: int):
    """A meeting: agenda and its topics, attendees and sign-in (staff; keys with names masked),
    decisions, minutes (read only)."""
    _check_id(meeting_id)
    m = _meetings(request).select_related("region").defer("region__boundary").filter(pk=meeting_id).first()
    if m is None:
        raise _not_found()
    who = caller(request)
    staff = _staff_of(request, m)
    # Staff see who is expected and who came; a key sees seats with names masked; a resident's
    # page shows no list of attendees, and neither does this.
    attendees = (
        MeetingAttendee.objects.filter(meeting=m).select_related("organization", "person").order_by("id")
        if staff or who.user is None
        else []
    )
    return {
        **_meeting_row(m),
        "agenda": m.agenda,
        "topics": [
            {"id": t.pk, "title": t.title, "stage": t.stage}
            for t in m.topics.only("title", "stage").order_by("pk")
        ],
        "attendees": [
            {"seat": a.seat, "label": _attendee_label(a, staff), "signed_in_at": a.signed_in_at}
            for a in attendees
        ],
        "decisions": [
            {"text": d.text, "topic_id": d.topic_id, "at": d.at}
            for d in MeetingDecision.objects.filter(meeting=m).order_by("at", "id")
        ],
        "minutes": m.minutes if m.status == Meeting.Status.MINUTED else "",
        "cancel_reason": m.cancel_reason,
    }


# --- my votes and ballots ----------------------------------------------------------------------


def _my_votes(user, vote_ids=None) -> list[dict]:
    """The votes I am an owner in with my units and ballots: four queries for any number."""
    votes = selectors.votes_for_owner(user).select_related("compound", "building").defer("compound__boundary")
    if vote_ids is not None:
        votes = votes.filter(pk__in=vote_ids)
    votes = list(votes.defer("result").order_by("-opened_at", "-id")[:100])
    ids = [v.pk for v in votes]
    keys: dict[int, list[str]] = {}
    for vote_id, key in (
        VoteVoter.objects.filter(vote__in=ids, user=user)
        .order_by("owner_key")
        .values_list("vote_id", "owner_key")
    ):
        keys.setdefault(vote_id, []).append(key)
    mine = Q(pk__in=[])
    for vote_id, owner_keys in keys.items():
        mine |= Q(vote_id=vote_id, owner_key__in=owner_keys)
    units: dict[tuple[int, str], list] = {}
    for vote_id, key, label, area in (
        VoteUnit.objects.filter(mine).order_by("label").values_list("vote_id", "owner_key", "label", "area")
    ):
        units.setdefault((vote_id, key), []).append((label, area))
    ballots = {(b.vote_id, b.owner_key): b for b in Ballot.objects.filter(mine)}
    choice_labels = dict(Ballot.Choice.choices)
    out = []
    for v in votes:
        owners = []
        for key in keys.get(v.pk, []):
            b = ballots.get((v.pk, key))
            mine_units = units.get((v.pk, key), [])
            owners.append(
                {
                    "owner": key,
                    "units": [label for label, _a in mine_units],
                    "area": str(sum((a for _l, a in mine_units), Decimal(0))),
                    "ballot": {
                        "choice": b.choice,
                        "choice_label": str(choice_labels[b.choice]),
                        "origin": b.origin,
                        "changes": b.changes,
                        "at": b.updated_at,
                    }
                    if b
                    else None,
                }
            )
        out.append(
            {
                "id": v.pk,
                "title": v.title,
                "description": v.description,
                "matter": v.matter,
                "matter_label": str(v.get_matter_display()),
                "scope": v.scope_label,
                "status": v.status,
                "status_label": str(v.get_status_display()),
                "opened_at": v.opened_at,
                "closes_at": v.closes_at,
                "changeable_ballots": v.changeable_ballots,
                "can_vote": v.status == Vote.Status.OPEN,
                "owners": owners,
            }
        )
    out.sort(key=lambda row: row["status"] != Vote.Status.OPEN)
    return out


@router.get(
    "/council/votes",
    auth=[Session()],
    response={200: CouncilMyVotesOut, **READ_ERRORS},
    summary="My owners' votes",
)
def my_votes(request: HttpRequest):
    """The votes you take part in as an owner (open ones first), your units and your ballots."""
    return {"items": _my_votes(caller(request).require_user())}


@router.get(
    "/council/votes/{vote_id}",
    auth=[Session()],
    response={200: CouncilMyVoteOut, **READ_ERRORS},
    summary="One of my votes",
)
def my_vote(request: HttpRequest, vote_id: int):
    _check_id(vote_id)
    rows = _my_votes(caller(request).require_user(), vote_ids=[vote_id])
    if not rows:
        raise _not_found()
    return rows[0]


@router.post(
    "/council/votes/{vote_id}/ballot",
    auth=[Session()],
    response={200: CouncilBallotOut, **WRITE_ERRORS},
    summary="Cast my ballot online",
)
def my_ballot(request: HttpRequest, vote_id: int, body: CouncilBallotIn):
    """Your ballot, as on the vote page: one per owner (sent twice, taken once); a different
    choice changes it only while the vote is open and if its rules allow changes (409
    `ballot_final` otherwise); 409 `vote_not_open` once it is closed."""
    _check_id(vote_id)
    user = caller(request).require_user()
    vote = selectors.votes_for_owner(user).filter(pk=vote_id).first()
    if vote is None:
        raise _not_found()
    keys = selectors.owner_keys(vote, user)
    owner = body.owner
    if owner is None:
        if len(keys) != 1:
            message = _("You vote for several owners: say which one (`owner`).")
            raise ApiError(422, "invalid", message, {"owner": [message]})
        owner = keys[0]
    elif owner not in keys:
        message = _("You do not vote for this owner.")
        raise ApiError(422, "invalid", message, {"owner": [message]})
    try:
        b = services.cast_ballot(vote, owner_key=owner, choice=body.choice, by=user)
    except ValidationError as exc:
        raise _refused(exc, {"closed": "vote_not_open", "voted": "ballot_final"}, field="choice") from None
    return {
        "vote_id": vote.pk,
        "owner": b.owner_key,
        "choice": b.choice,
        "choice_label": str(b.get_choice_display()),
        "origin": b.origin,
        "changes": b.changes,
    }


# --- announced results (public, as the announcement page) ---------------------------------------


def _result_row(v: Vote) -> dict:
    return {
        "id": v.pk,
        "title": v.title,
        "scope": v.scope_label,
        "matter": v.matter,
        "matter_label": str(v.get_matter_display()),
        "passed": bool(v.passed),
        "announced_at": v.announced_at,
    }


def _announced() -> QuerySet[Vote]:
    return selectors.votes_announced().select_related("compound", "building").defer("compound__boundary")


@router.get(
    "/council/results",
    auth=None,
    response={200: CouncilResultPageOut, **READ_ERRORS},
    summary="Announced vote results",
)
def result_list(request: HttpRequest, params: Query[CouncilResultListIn]):
    """Announced results of owners' votes, newest first (public, like the announcement page)."""
    qs = _announced().defer("result", "description").order_by("-announced_at", "-id")
    count, rows = _page(qs, params.page, params.page_size)
    return {
        "count": count,
        "page": params.page,
        "page_size": params.page_size,
        "items": [_result_row(v) for v in rows],
    }


def _share(part, whole) -> dict:
    whole = Fraction(Decimal(str(whole)))
    value = Fraction(Decimal(str(part))) / whole if whole else Fraction(0)
    return {
        "area": tally_rules.decimal_string(value),
        "headcount": "",
        "area_exact": tally_rules.fraction_string(value),
        "headcount_exact": "",
    }


def _choice_share(weight: dict, participated: dict) -> dict:
    area = _share(weight["area"], participated["area"])
    head = _share(weight["headcount"], participated["headcount"])
    return {**area, "headcount": head["area"], "headcount_exact": head["area_exact"]}


@router.get(
    "/council/results/{vote_id}",
    auth=None,
    response={200: CouncilResultOut, **READ_ERRORS},
    summary="An announced result",
)
def result_detail(request: HttpRequest, vote_id: int):
    """The announced result with exact shares (six places and the fraction), whether 从众 was
    applied and under which clause, the reason, and the ballots by how they came in. No names."""
    _check_id(vote_id)
    v = _announced().filter(pk=vote_id).first()
    if v is None:
        raise _not_found()
    from django.db.models import Count
    from django.urls import reverse

    r = v.result or {}
    empty = {"area": "0", "headcount": 0}
    part = r.get("participated", empty)
    fm = r.get("follow_majority") or {}
    counts = dict(Ballot.objects.filter(vote=v).values_list("origin").annotate(n=Count("id")).order_by())
    no_share = {"area": "0", "headcount": "0", "area_exact": "0/1", "headcount_exact": "0/1"}
    return {
        **_result_row(v),
        "kind": r.get("kind", str(tally_rules.matter_kind(v.matter))),
        "thresholds": result_sheet.thresholds(v, r.get("kind", str(tally_rules.matter_kind(v.matter)))),
        "opened_at": v.opened_at,
        "closed_at": v.closed_at,
        "units": VoteUnit.objects.filter(vote=v).count(),
        "total": r.get("total", empty),
        "participated": part,
        "yes": r.get("yes", empty),
        "no": r.get("no", empty),
        "abstain": r.get("abstain", empty),
        "turnout": r.get("turnout", no_share),
        "yes_share": _choice_share(r.get("yes", empty), part),
        "no_share": _choice_share(r.get("no", empty), part),
        "abstain_share": _choice_share(r.get("abstain", empty), part),
        "consent": r.get("consent", no_share),
        "follow_majority": {
            "enabled": bool(fm.get("enabled")),
            "used": bool(fm.get("used")),
            "side": fm.get("side"),
            "added": fm.get("added", empty),
            "clause": v.follow_majority_clause,
        },
        "reason": r.get("reason", ""),
        "ballots_by_origin": [
            {"origin": o, "label": str(label), "ballots": counts.get(o, 0)}
            for o, label in Ballot.Origin.choices
        ],
        "sheet_url": reverse("council:result_sheet", args=[v.pk]),
    }
