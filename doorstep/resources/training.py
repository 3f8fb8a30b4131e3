"""Training (学思用一体 实训): sessions that train people for a role, enrolment and attendance.

Staff of an area hold sessions for their area and enrol people; attendance marks who came.
"Who was trained in which role" reads the attended enrolments of the area.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from doorstep.territory.models import Person, Region
from doorstep.territory.people.selectors import scope_for_kinds

from .activities import READ_KINDS, WRITE_KINDS, check_scope, parse_when
from .models import Place
from .talent_models import TrainingEnrolment, TrainingSession


@transaction.atomic
def session_create(
    by,
    *,
    topic: str,
    role: str,
    region: Region,
    starts_at,
    trainer: str,
    place: Place | None = None,
    place_text: str = "",
) -> TrainingSession:
    check_scope(by, region.pk if region else None)
    errors: dict[str, list] = {}
    topic = (topic or "").strip()[:200]
    if not topic:
        errors["topic"] = [_("Enter the topic of the session.")]
    if role not in TrainingSession.Role.values:
        errors["role"] = [_("Choose the role the session trains for.")]
    trainer = (trainer or "").strip()[:100]
    if not trainer:
        errors["trainer"] = [_("Name the trainer.")]
    try:
        when = parse_when(starts_at)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if place is not None and not scope_for_kinds(by, WRITE_KINDS).covers_region(place.region_id):
        errors["place"] = [_("This place is outside your area.")]
    place_text = (place_text or "").strip()[:100]
    if place is None and not place_text:
        errors["place"] = [_("Say where the session is held.")]
    if errors:
        raise ValidationError(errors)
    return TrainingSession.objects.create(
        topic=topic,
        role=role,
        region=region,
        starts_at=when,
        trainer=trainer,
        place=place,
        place_text=place_text,
        created_by=by,
    )


def enrol(by, session: TrainingSession, person: Person) -> TrainingEnrolment:
    check_scope(by, session.region_id)
    try:
        with transaction.atomic():
            return TrainingEnrolment.objects.create(session=session, person=person)
    except IntegrityError:
        raise ValidationError({"person": [_("Already enrolled in this session.")]}) from None


@transaction.atomic
def mark_attendance(by, session: TrainingSession, present_ids) -> int:
    """Mark who came (enrolment ids in `present_ids`; the rest did not). Returns the number present."""
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    check_scope(by, session.region_id)
    try:
        present = {int(x) for x in present_ids or ()}
    except (TypeError, ValueError):
        raise ValidationError({"present": [_("Unknown enrolment.")]}) from None
    rows = list(TrainingEnrolment.objects.filter(session=session))
    if present - {r.pk for r in rows}:
        raise ValidationError({"present": [_("Unknown enrolment.")]})
    for r in rows:
        r.attended, r.marked_by = r.pk in present, by
    TrainingEnrolment.objects.bulk_update(rows, ["attended", "marked_by"])
    return len(present)


# --- reads ---------------------------------------------------------------------------------------


def sessions_visible(user) -> QuerySet[TrainingSession]:
    def count(extra: Q):
        return Coalesce(
            Subquery(
                TrainingEnrolment.objects.filter(extra, session=OuterRef("pk"))
                .order_by()
                .values("session")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
            Value(0),
        )

    return (
        scope_for_kinds(user, READ_KINDS)
        .filter(TrainingSession.objects.all())
        .select_related("region", "place")
        .defer("region__boundary")
        .annotate(enrolled=count(Q()), came=count(Q(attended=True)))
    )


def session_for_staff(user, pk) -> TrainingSession:
    s = sessions_visible(user).filter(pk=pk).first()
    if s is None:
        raise Http404
    return s


@dataclass(frozen=True)
class Trained:
    person: Person
    role: str
    role_label: str
    sessions: int
    region: str


def trained_in_area(user, region: Region | None = None) -> list[Trained]:
    """Who was trained in which role in the user's area (or one region of it): one row per person
    and role with the sessions attended (one query)."""
    qs = scope_for_kinds(user, READ_KINDS).filter(
        TrainingEnrolment.objects.filter(attended=True), "session__region"
    )
    if region is not None:
        from doorstep.territory.selectors import subtree_ids

        qs = qs.filter(session__region__in=sorted(subtree_ids(region)))
    rows: dict[tuple[int, str], list] = {}
    for e in qs.select_related("person", "session__region").order_by("session__role", "person__name", "pk"):
        key = (e.person_id, e.session.role)
        if key in rows:
            rows[key][1] += 1
        else:
            rows[key] = [e, 1]
    return [
        Trained(e.person, e.session.role, e.session.get_role_display(), n, e.session.region.name)
        for e, n in rows.values()
    ]
