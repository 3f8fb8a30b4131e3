"""Talent pool (人才库, 三师进社区): experts, consultation requests and visits.

Staff of an area keep the pool and ask experts for consultations for a community of their area.
A request moves through one transition table; `transition` is the only place its status
changes and writes a ConsultationEvent on every move. The expert (or staff of the area) accepts,
declines, logs each visit and closes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.core.phones import normalize_phone
from doorstep.territory.models import Person, Region
from doorstep.territory.people.selectors import scope_for_kinds
from doorstep.territory.selectors import subtree_ids

from .activities import READ_KINDS, WRITE_KINDS, check_scope
from .talent_models import ConsultationEvent, ConsultationRequest, Expert, ExpertVisit

S = ConsultationRequest.Status


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    label: object
    by_expert: bool = True  # the expert may take it (staff of the area always may)
    needs_note: bool = False


TABLE: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("accept", frozenset({S.REQUESTED}), S.ACCEPTED, gettext_lazy("Accept the request")),
        Transition(
            "decline", frozenset({S.REQUESTED, S.ACCEPTED}), S.DECLINED, gettext_lazy("Decline"), True, True
        ),
        Transition("visit", frozenset({S.ACCEPTED, S.VISITED}), S.VISITED, gettext_lazy("Log a visit")),
        Transition("close", frozenset({S.VISITED}), S.CLOSED, gettext_lazy("Close the request")),
    ]
}

ACTION_LABELS = {
    "request": gettext_lazy("Requested"),
    "accept": gettext_lazy("Request accepted"),
    "decline": gettext_lazy("Declined"),
    "visit": gettext_lazy("Visit logged"),
    "close": gettext_lazy("Request closed"),
}


def allowed(request: ConsultationRequest) -> list[Transition]:
    return [t for t in TABLE.values() if request.status in t.sources]


# --- the pool ------------------------------------------------------------------------------------


def expert_add(
    by,
    *,
    person: Person,
    kind: str,
    region: Region,
    organization: str = "",
    specialities: str = "",
    phone: str = "",
    joined_on: date | None = None,
) -> Expert:
    check_scope(by, region.pk if region else None)
    errors: dict[str, list] = {}
    if kind not in Expert.Kind.values:
        errors["kind"] = [_("Choose the kind of expert.")]
    phone = (phone or "").strip()
    if phone:
        try:
            phone = normalize_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return Expert.objects.create(
                person=person,
                kind=kind,
                region=region,
                organization=(organization or "").strip()[:128],
                specialities=(specialities or "").strip()[:200],
                phone=phone or person.phone,
                joined_on=joined_on or timezone.localdate(),
                created_by=by,
            )
    except IntegrityError:
        raise ValidationError(
            {"kind": [_("This person is already in the pool as this kind of expert.")]}
        ) from None


@transaction.atomic
def expert_leave(by, expert: Expert, on: date | None = None) -> Expert:
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    check_scope(by, expert.region_id)
    if expert.left_on:
        raise ValidationError(_("This expert has already left the pool."))
    expert.left_on = on or timezone.localdate()
    expert.save(update_fields=["left_on", "updated_at"])
    return expert


# --- consultations -------------------------------------------------------------------------------


def _event(request, action, by, *, from_status="", to_status="", note="") -> None:
    ConsultationEvent.objects.create(
        request=request, action=action, by=by, from_status=from_status, to_status=to_status, note=note
    )


def consultation_request(
    by, *, expert: Expert, community: Region, topic: str, detail: str = ""
) -> ConsultationRequest:
    """A community asks an expert of the pool for advice or a visit."""
    check_scope(by, community.pk if community else None)
    errors: dict[str, list] = {}
    if community.level not in (Region.Level.COMMUNITY, Region.Level.COMPOUND):
        errors["community"] = [_("A consultation is asked for a community or a compound.")]
    if expert.left_on:
        errors["expert"] = [_("This expert has left the pool.")]
    elif not (
        expert.region_id in subtree_ids(community)
        or expert.region_id in {r.pk for r in community.ancestors()}
    ):
        errors["expert"] = [_("This expert does not serve that area.")]
    topic = (topic or "").strip()[:200]
    if not topic:
        errors["topic"] = [_("Say what the consultation is about.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        request = ConsultationRequest.objects.create(
            expert=expert,
            region=community,
            topic=topic,
            detail=(detail or "").strip()[:2000],
            requested_by=by,
        )
        _event(request, "request", by, to_status=request.status)
    from doorstep.core.notify import notify

    if expert.person.user_id:
        notify(
            expert.person.user,
            _("%(community)s asks for a consultation: %(topic)s")
            % {"community": community.name, "topic": topic},
            kind="consultation",
            url=reverse("resources:expert_me"),
        )
    return request


def _is_expert(by, request: ConsultationRequest) -> bool:
    return by is not None and by.is_authenticated and request.expert.person.user_id == by.pk


def transition(
    by,
    request: ConsultationRequest,
    action: str,
    *,
    note: str = "",
    visited_on=None,
    outcome: str = "",
) -> ConsultationRequest:
    rule = TABLE.get(action)
    if rule is None:
        raise ValidationError(_("Unknown action."))
    note = (note or "").strip()[:2000]
    with transaction.atomic():
        locked = ConsultationRequest.objects.select_for_update().get(pk=request.pk)
        locked = ConsultationRequest.objects.select_related("expert__person").get(pk=locked.pk)
        if not (rule.by_expert and _is_expert(by, locked)):
            check_scope(by, locked.region_id)
        if locked.status not in rule.sources:
            raise ValidationError(
                _("The request is %(status)s; it cannot be “%(action)s” now.")
                % {"status": locked.get_status_display(), "action": rule.label}
            )
        if rule.needs_note and not note:
            raise ValidationError({"note": [_("Please give the reason.")]})
        if action == "visit":
            errors = {}
            try:
                day = (
                    visited_on if isinstance(visited_on, date) else date.fromisoformat(str(visited_on or ""))
                )
                if day > timezone.localdate():
                    errors["visited_on"] = [_("The visit date cannot be in the future.")]
            except ValueError:
                errors["visited_on"] = [_("Enter the date of the visit.")]
            if not note:
                errors["note"] = [_("Write down what was seen and advised.")]
            outcome = (outcome or "").strip()[:200]
            if not outcome:
                errors["outcome"] = [_("Write the outcome of the visit.")]
            if errors:
                raise ValidationError(errors)
            ExpertVisit.objects.create(request=locked, visited_on=day, notes=note, outcome=outcome, by=by)
        source = locked.status
        locked.status = rule.target
        locked.save(update_fields=["status", "updated_at"])
        _event(locked, action, by, from_status=source, to_status=locked.status, note=note)
    return locked


# --- reads ---------------------------------------------------------------------------------------


def _in_or_above(user, kinds) -> list[int] | None:
    """Regions of the user's area and the regions above it (None: everything)."""
    scope = scope_for_kinds(user, kinds)
    if scope.everything:
        return None
    ids = set(scope.region_ids)
    for region in Region.objects.filter(pk__in=scope.region_ids, level=Region.Level.COMMUNITY).defer(
        "boundary"
    ):
        ids |= {r.pk for r in region.ancestors()}
    return sorted(ids)


def _serving(user, kinds) -> QuerySet[Expert]:
    ids = _in_or_above(user, kinds)
    qs = Expert.objects.select_related("person", "region").defer("region__boundary")
    return qs if ids is None else qs.filter(region__in=ids)


def experts_visible(user) -> QuerySet[Expert]:
    """Experts serving the user's area (or above it), with their open requests counted (one query)."""
    return _serving(user, READ_KINDS).annotate(
        open_requests=Count("requests", filter=Q(requests__status__in=[S.REQUESTED, S.ACCEPTED, S.VISITED]))
    )


def experts_for(user) -> QuerySet[Expert]:
    """Experts the user's communities may ask: serving in or above the area."""
    return _serving(user, WRITE_KINDS).filter(left_on__isnull=True)


def requests_visible(user) -> QuerySet[ConsultationRequest]:
    return (
        scope_for_kinds(user, READ_KINDS)
        .filter(ConsultationRequest.objects.all())
        .select_related("expert__person", "region")
        .defer("region__boundary")
        .annotate(visit_count=Count("visits"))
    )


def requests_of_expert(user) -> QuerySet[ConsultationRequest]:
    """The requests made to the user as an expert (any kind they are in the pool as)."""
    if user is None or not user.is_authenticated:
        return ConsultationRequest.objects.none()
    return (
        ConsultationRequest.objects.filter(expert__person__user=user)
        .select_related("expert", "region")
        .defer("region__boundary")
        .annotate(visit_count=Count("visits"))
    )


def request_for(user, pk) -> ConsultationRequest:
    """One request for staff of its area or for its expert; Http404 for anyone else."""
    row = (
        (requests_visible(user) | requests_of_expert(user)).filter(pk=pk).first()
        if user.is_authenticated
        else None
    )
    if row is None:
        raise Http404
    return row


@dataclass
class TalentFigures:
    start: date
    end: date
    experts_by_kind: dict[str, int] = field(default_factory=dict)
    consultations: int = 0  # requested within the period
    visits: int = 0  # visits made within the period
    observers: int = 0  # observers in post on some day of the period
    suggestions: int = 0  # made within the period
    adopted: int = 0  # of all suggestions, adopted within the period
    not_adopted: int = 0
    training_sessions: int = 0
    trainees: int = 0  # distinct persons who attended a session of the period
    activities_held: int = 0  # joint activities of the period whose attendance was taken
    activity_attendance: int = 0  # attendances at them
    units_active: int = 0  # distinct co-building units that held one

    @property
    def experts(self) -> int:
        return sum(self.experts_by_kind.values())


def talent_figures(region: Region | int, start: date, end: date) -> TalentFigures:
    """Figures of seed.md §2–3 for the talent pool, observers, training and joint activities of the
    subtree of `region` over [start, end] in Shanghai days (eight queries)."""
    from .activity_models import ActivitySignup, JointActivity
    from .figures import _end_of, _start_of
    from .talent_models import Observer, Suggestion, TrainingEnrolment, TrainingSession

    ids = sorted(subtree_ids(region))
    lo, hi = _start_of(start), _end_of(end)
    result = TalentFigures(start=start, end=end)
    in_pool = Q(region__in=ids, joined_on__lte=end) & (Q(left_on__isnull=True) | Q(left_on__gt=start))
    for kind, n in Expert.objects.filter(in_pool).order_by().values_list("kind").annotate(n=Count("pk")):
        result.experts_by_kind[kind] = n
    result.consultations = ConsultationRequest.objects.filter(
        region__in=ids, created_at__gte=lo, created_at__lte=hi
    ).count()
    result.visits = ExpertVisit.objects.filter(
        request__region__in=ids, visited_on__gte=start, visited_on__lte=end
    ).count()
    result.observers = (
        Observer.objects.filter(region__in=ids, appointed_on__lte=end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=start))
        .aggregate(n=Count("person", distinct=True))["n"]
    )
    row = Suggestion.objects.filter(region__in=ids).aggregate(
        made=Count("pk", filter=Q(created_at__gte=lo, created_at__lte=hi)),
        adopted=Count(
            "pk", filter=Q(status=Suggestion.Status.ADOPTED, decided_at__gte=lo, decided_at__lte=hi)
        ),
        not_adopted=Count(
            "pk", filter=Q(status=Suggestion.Status.NOT_ADOPTED, decided_at__gte=lo, decided_at__lte=hi)
        ),
    )
    result.suggestions, result.adopted, result.not_adopted = row["made"], row["adopted"], row["not_adopted"]
    result.training_sessions = TrainingSession.objects.filter(
        region__in=ids, starts_at__gte=lo, starts_at__lte=hi
    ).count()
    result.trainees = TrainingEnrolment.objects.filter(
        session__region__in=ids, session__starts_at__gte=lo, session__starts_at__lte=hi, attended=True
    ).aggregate(n=Count("person", distinct=True))["n"]
    row = JointActivity.objects.filter(
        community__in=ids,
        starts_at__gte=lo,
        starts_at__lte=hi,
        held_at__isnull=False,
        cancelled_at__isnull=True,
    ).aggregate(n=Count("pk"), units=Count("unit", distinct=True))
    result.activities_held, result.units_active = row["n"], row["units"]
    result.activity_attendance = ActivitySignup.objects.filter(
        activity__community__in=ids,
        activity__starts_at__gte=lo,
        activity__starts_at__lte=hi,
        activity__held_at__isnull=False,
        activity__cancelled_at__isnull=True,
        withdrawn_at__isnull=True,
        attended=True,
    ).count()
    return result


def outsider_guard(user) -> None:
    if scope_for_kinds(user, READ_KINDS).is_empty:
        raise PermissionDenied(_("You may not manage this outside your area."))
