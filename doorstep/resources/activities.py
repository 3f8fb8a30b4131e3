"""一月一联建: joint activities of co-building units and communities (every write and scoped read).

Staff of the community upwards plan an activity for a co-building unit of their area; a person
signs up for themselves (one place each; the activity row is locked while places are counted,
so the last seat goes to exactly one of two people at once); staff take attendance, which credits
the activity's hours and points to each attendee once (the ledger's source key).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.territory.models import Organization, Person, Region
from doorstep.territory.people.selectors import scope_for_kinds
from doorstep.territory.selectors import subtree_ids

from . import points
from .activity_models import ActivitySignup, JointActivity
from .models import Place
from .point_models import PointEntry

SHANGHAI = ZoneInfo("Asia/Shanghai")
WRITE_KINDS = points.LEDGER_KINDS
READ_KINDS = points.LEDGER_READ_KINDS
MAX_CAPACITY = 1000


def check_scope(by, region_id: int | None, kinds=WRITE_KINDS) -> None:
    if not scope_for_kinds(by, kinds).covers_region(region_id):
        raise PermissionDenied(_("You may not manage this outside your area."))


def own_person(by) -> Person:
    person = (
        Person.objects.filter(user=by, anonymised_at__isnull=True).first()
        if by is not None and by.is_authenticated
        else None
    )
    if person is None:
        raise PermissionDenied(_("Your login is not linked to a person: ask your community."))
    return person


def community_of(region: Region | None) -> Region | None:
    if region is None:
        return None
    if region.level == Region.Level.COMPOUND:
        return Region.objects.defer("boundary").get(pk=region.parent_id)
    return region if region.level == Region.Level.COMMUNITY else None


def unit_region_ids(community: Region) -> set[int]:
    """Where a co-building unit of the community may sit: in it, or above it (a county court)."""
    return subtree_ids(community) | {r.pk for r in community.ancestors()}


def units_for(user) -> QuerySet[Organization]:
    """Co-building units the user may plan with: those in or above their area."""
    scope = scope_for_kinds(user, WRITE_KINDS)
    qs = Organization.objects.filter(kind=Organization.Kind.CO_BUILDING_UNIT).select_related("region")
    if scope.everything:
        return qs
    ids = set(scope.region_ids)
    for region in Region.objects.filter(pk__in=scope.region_ids, level=Region.Level.COMMUNITY).defer(
        "boundary"
    ):
        ids |= {r.pk for r in region.ancestors()}
    return qs.filter(region__in=sorted(ids))


def parse_when(value, field: str = "starts_at") -> datetime:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=SHANGHAI)
    try:
        parsed = datetime.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationError({field: [_("Enter the date and time, e.g. 2025-06-01 09:30.")]}) from None
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=SHANGHAI)


def _text(value, limit: int) -> str:
    return (value or "").strip()[:limit]


@transaction.atomic
def activity_plan(
    by,
    *,
    unit: Organization,
    community: Region,
    title: str,
    starts_at,
    capacity,
    place: Place | None = None,
    place_text: str = "",
    description: str = "",
    hours=0,
    points_each=0,
) -> JointActivity:
    """Plan one month's joint activity of a co-building unit with a community of the staff's area."""
    check_scope(by, community.pk if community else None)
    errors: dict[str, list] = {}
    if community is None or community.level != Region.Level.COMMUNITY:
        errors["community"] = [_("A joint activity is held with a community.")]
    if unit is None or unit.kind != Organization.Kind.CO_BUILDING_UNIT:
        errors["unit"] = [_("Choose a co-building unit.")]
    elif community is not None and unit.region_id not in unit_region_ids(community):
        errors["unit"] = [_("This co-building unit is outside your area.")]
    title = _text(title, 100)
    if not title:
        errors["title"] = [_("Enter the activity's title.")]
    try:
        when = parse_when(starts_at)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        when = None
    try:
        capacity = int(str(capacity).strip())
        if capacity < 1 or capacity > MAX_CAPACITY:
            raise ValueError
    except (TypeError, ValueError):
        errors["capacity"] = [_("The capacity is a whole number from 1 to 1000.")]
    if place is not None and not scope_for_kinds(by, WRITE_KINDS).covers_region(place.region_id):
        errors["place"] = [_("This place is outside your area.")]
    place_text = _text(place_text, 100)
    if place is None and not place_text:
        errors["place"] = [_("Say where the activity is held.")]
    try:
        hours_value = points._hours(hours)
        points_value = points._points(points_each or 0)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return JointActivity.objects.create(
        unit=unit,
        community=community,
        title=title,
        description=_text(description, 2000),
        starts_at=when,
        capacity=capacity,
        place=place,
        place_text=place_text,
        hours=hours_value,
        points=points_value,
        created_by=by,
    )


def _open_for_signup(activity: JointActivity) -> None:
    if activity.cancelled_at:
        raise ValidationError(_("This activity was cancelled."))
    if activity.held_at or activity.starts_at <= timezone.now():
        raise ValidationError(_("Sign-up for this activity has closed."))


def signup(by, activity: JointActivity, person: Person | None = None) -> ActivitySignup:
    """Sign up oneself (no `person`), or staff of the area sign a person up. One place each, up to
    the capacity: the activity row is locked while the places are counted."""
    if person is None:
        person = own_person(by)
    elif person.user_id is None or person.user_id != getattr(by, "pk", None):
        check_scope(by, activity.community_id)
    try:
        with transaction.atomic():
            locked = JointActivity.objects.select_for_update().get(pk=activity.pk)
            _open_for_signup(locked)
            taken = ActivitySignup.objects.filter(activity=locked, withdrawn_at__isnull=True)
            if taken.filter(person=person).exists():
                raise ValidationError(_("Already signed up for this activity."))
            if taken.count() >= locked.capacity:
                raise ValidationError(_("This activity is full."))
            return ActivitySignup.objects.create(activity=locked, person=person)
    except IntegrityError:
        raise ValidationError(_("Already signed up for this activity.")) from None


@transaction.atomic
def withdraw(by, entry: ActivitySignup) -> ActivitySignup:
    entry = ActivitySignup.objects.select_for_update().select_related("person", "activity").get(pk=entry.pk)
    if entry.person.user_id != getattr(by, "pk", None):
        check_scope(by, entry.activity.community_id)
    if entry.withdrawn_at:
        raise ValidationError(_("This sign-up was already withdrawn."))
    if entry.activity.held_at:
        raise ValidationError(_("Attendance has been taken; the sign-up stays."))
    entry.withdrawn_at = timezone.now()
    entry.save(update_fields=["withdrawn_at"])
    return entry


def take_attendance(by, activity: JointActivity, present_ids) -> JointActivity:
    """Mark who came (signup ids in `present_ids`; the rest did not). Attendees earn the activity's
    hours and points once each, however often attendance is taken again."""
    try:
        present = {int(x) for x in present_ids or ()}
    except (TypeError, ValueError):
        raise ValidationError({"present": [_("Unknown sign-up.")]}) from None
    with transaction.atomic():
        locked = JointActivity.objects.select_for_update().select_related("unit").get(pk=activity.pk)
        check_scope(by, locked.community_id)
        if locked.cancelled_at:
            raise ValidationError(_("This activity was cancelled."))
        if locked.starts_at.astimezone(SHANGHAI).date() > timezone.localdate():
            raise ValidationError(_("Attendance is taken on the day of the activity or later."))
        rows = list(
            ActivitySignup.objects.filter(activity=locked, withdrawn_at__isnull=True).select_related("person")
        )
        unknown = present - {r.pk for r in rows}
        if unknown:
            raise ValidationError({"present": [_("Unknown sign-up.")]})
        now = timezone.now()
        for row in rows:
            row.attended = row.pk in present
            row.marked_by, row.marked_at = by, now
        ActivitySignup.objects.bulk_update(rows, ["attended", "marked_by", "marked_at"])
        locked.held_at = locked.held_at or now
        locked.save(update_fields=["held_at", "updated_at"])
        if locked.hours or locked.points:
            day = locked.starts_at.astimezone(SHANGHAI).date()
            for row in rows:
                if row.attended:
                    points.earn(
                        by,
                        row.person,
                        region=locked.community_id,
                        points=locked.points,
                        hours=locked.hours,
                        reason=_("Joint activity: %(title)s") % {"title": locked.title},
                        team=locked.unit.name,
                        source=PointEntry.Source.SERVICE,
                        source_key=f"activity:{row.pk}",
                        on=day,
                    )
    return locked


@transaction.atomic
def cancel(by, activity: JointActivity, reason: str) -> JointActivity:
    locked = JointActivity.objects.select_for_update().get(pk=activity.pk)
    check_scope(by, locked.community_id)
    reason = _text(reason, 200)
    if not reason:
        raise ValidationError({"reason": [_("Please give the reason.")]})
    if locked.held_at:
        raise ValidationError(_("Attendance has been taken; the activity cannot be cancelled."))
    if locked.cancelled_at:
        raise ValidationError(_("This activity was cancelled."))
    locked.cancelled_at, locked.cancel_reason = timezone.now(), reason
    locked.save(update_fields=["cancelled_at", "cancel_reason", "updated_at"])
    return locked


# --- reads ---------------------------------------------------------------------------------------


def _with_counts(qs: QuerySet[JointActivity]) -> QuerySet[JointActivity]:
    def count(extra: Q) -> Subquery:
        return Coalesce(
            Subquery(
                ActivitySignup.objects.filter(extra, activity=OuterRef("pk"), withdrawn_at__isnull=True)
                .order_by()
                .values("activity")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
            Value(0),
        )

    return qs.annotate(signed=count(Q()), came=count(Q(attended=True)))


def activities_visible(user) -> QuerySet[JointActivity]:
    """Joint activities of the user's area with sign-up and attendance counts (one query)."""
    return _with_counts(
        scope_for_kinds(user, READ_KINDS)
        .filter(JointActivity.objects.all(), "community")
        .select_related("unit", "community", "place")
        .defer("community__boundary")
    )


def activity_for_staff(user, pk) -> JointActivity:
    activity = activities_visible(user).filter(pk=pk).first()
    if activity is None:
        raise Http404
    return activity


def activities_to_join(person: Person) -> QuerySet[JointActivity]:
    """Coming activities of the person's home community (open for sign-up)."""
    home = Region.objects.filter(pk=person.home_region_id).only("level", "parent_id").first()
    if home is None:
        return JointActivity.objects.none()
    community_id = home.parent_id if home.level == Region.Level.COMPOUND else home.pk
    return _with_counts(
        JointActivity.objects.filter(
            community_id=community_id,
            cancelled_at__isnull=True,
            held_at__isnull=True,
            starts_at__gt=timezone.now(),
        )
        .select_related("unit", "place")
        .order_by("starts_at", "pk")
    )


def month_bounds(month: date) -> tuple[datetime, datetime]:
    first = month.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return (
        datetime.combine(first, time.min, tzinfo=SHANGHAI),
        datetime.combine(nxt, time.min, tzinfo=SHANGHAI),
    )


@dataclass
class UnitMonth:
    unit: Organization
    activities: list[JointActivity] = field(default_factory=list)

    @property
    def held(self) -> bool:
        return any(a.held_at for a in self.activities)

    @property
    def planned(self) -> bool:
        return any(not a.cancelled_at for a in self.activities)


def month_view(user, community: Region, month: date) -> list[UnitMonth]:
    """Every co-building unit of the community (registered in it, or having held a joint activity
    with it before) and its joint activities of the month: which held their monthly activity and
    which did not (three queries)."""
    check_scope(user, community.pk, READ_KINDS)
    ids = sorted(subtree_ids(community))
    partners = JointActivity.objects.filter(community=community, cancelled_at__isnull=True).values("unit")
    units = {
        u.pk: UnitMonth(u)
        for u in Organization.objects.filter(
            Q(region__in=ids) | Q(pk__in=partners), kind=Organization.Kind.CO_BUILDING_UNIT
        ).order_by("name", "pk")
    }
    lo, hi = month_bounds(month)
    for a in _with_counts(
        JointActivity.objects.filter(community=community, starts_at__gte=lo, starts_at__lt=hi).order_by(
            "starts_at"
        )
    ):
        row = units.get(a.unit_id)
        if row is None:  # a cancelled activity of a unit met nowhere else
            row = units[a.unit_id] = UnitMonth(Organization.objects.get(pk=a.unit_id))
        row.activities.append(a)
    return list(units.values())


def parse_month(value) -> date:
    try:
        return datetime.strptime(str(value or "").strip(), "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)
