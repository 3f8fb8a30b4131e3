"""Riders and couriers (新就业群体): registration, credentials, check-ins at stations.

Writes validate, lock, write and record a RiderEvent; reads take the user. A rider registers
on the phone (with a new login, or from the login they already have, reusing their Person); the
station's staff check them in by scanning or typing the code of their QR credential.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.phones import normalize_phone
from doorstep.core.pii import mask_name
from doorstep.territory.models import Person, PersonTag
from doorstep.territory.people.selectors import scope_for_kinds

from . import credentials, points
from .models import STATION_KINDS, CheckIn, Place, PointEntry, Rider, RiderEvent, VolunteerRole
from .selectors import open_places_q

A = RiderEvent.Action
# Who checks riders in at a station and manages their credentials: staff over the station.
CHECKIN_KINDS = frozenset({"grid_worker", "community_staff", "subdistrict_staff", "admin"})
# Who reads the rider roster of an area.
RIDER_READ_KINDS = CHECKIN_KINDS | {"leader"}
TAG_NAMES = {Rider.Kind.RIDER: "外卖骑手", Rider.Kind.COURIER: "快递员"}


# The volunteer roles the city starts with (migration 0003 seeds the same list).
DEFAULT_ROLES = [
    ("traffic", "交通安全劝导员"),
    ("sorting", "垃圾分类督导员"),
    ("food", "食品安全督导员"),
    ("fire", "消防安全宣传员"),
    ("civility", "文明城市劝导员"),
    ("partner", "城市治理合伙人"),
]


def ensure_default_roles() -> None:
    """Put back the starting volunteer roles (after a database flush, e.g. in browser tests)."""
    for slug, name in DEFAULT_ROLES:
        VolunteerRole.objects.get_or_create(slug=slug, defaults={"name": name})


def checkin_window() -> timedelta:
    """A second check-in of the same rider at the same station within this is refused."""
    return timedelta(minutes=int(getattr(settings, "DOORSTEP_CHECKIN_WINDOW_MINUTES", 30)))


def _record(rider: Rider, action: str, by, note: str = "", **data) -> RiderEvent:
    return RiderEvent.objects.create(
        rider=rider, action=action, by=by if by is not None and by.pk else None, note=note, data=data
    )


def _station(value) -> Place:
    """An open station (red station, service station or centre) or a ValidationError."""
    try:
        pk = value.pk if isinstance(value, Place) else int(value)
        if not 0 < pk < 2**31:
            raise ValueError
    except (TypeError, ValueError):
        raise ValidationError({"station": [_("Choose the station.")]}) from None
    station = (
        Place.objects.filter(open_places_q(), pk=pk, kind__in=STATION_KINDS)
        .defer("region__boundary")
        .select_related("region")
        .first()
    )
    if station is None:
        raise ValidationError({"station": [_("Choose an open station.")]})
    return station


def registration_stations() -> QuerySet[Place]:
    """Stations a rider may register at (open, red stations first)."""
    return (
        Place.objects.filter(open_places_q(), kind__in=STATION_KINDS)
        .select_related("region")
        .only("name", "kind", "region__name")
        .order_by("-red_mark", "region__name", "name")
    )


@transaction.atomic
def register(
    *,
    by,
    station,
    platform: str,
    kind: str = Rider.Kind.RIDER,
    team: str = "",
    roles=(),
    name: str = "",
    phone: str = "",
    password: str = "",
) -> Rider:
    """Register a rider or courier at a station.

    `by` logged in with a Person: that person is the rider (their phone is set if it was
    empty). `by` anonymous: a login (the phone number, the password) and a Person are made. Bad
    input raises ValidationError keyed by field and writes nothing.
    """
    errors: dict[str, list] = {}
    person = None
    signed_in = by is not None and by.is_authenticated
    if signed_in:
        person = Person.objects.select_for_update().filter(user=by, anonymised_at__isnull=True).first()
    name = (name or "").strip()[:64]
    if person is None and not name:
        errors["name"] = [_("Enter the name.")]
    clean_phone = ""
    if person is None or not person.phone:
        try:
            clean_phone = normalize_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if platform not in Rider.Platform.values:
        errors["platform"] = [_("Choose the platform.")]
    if kind not in Rider.Kind.values:
        errors["kind"] = [_("Choose rider or courier.")]
    try:
        place = _station(station)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        place = None
    role_slugs = [str(r) for r in roles or ()]
    found_roles = list(VolunteerRole.objects.filter(slug__in=role_slugs))
    if len(found_roles) != len(set(role_slugs)):
        errors["roles"] = [_("Unknown volunteer role.")]
    User = get_user_model()
    if not signed_in:
        if clean_phone and User.objects.filter(username=clean_phone).exists():
            errors["phone"] = [_("This number is already registered: log in with it, then register here.")]
        try:
            validate_password(password or "", user=User(username=clean_phone))
        except ValidationError as exc:
            errors["password"] = exc.messages
    elif person is not None and Rider.objects.filter(person=person).exists():
        errors["__all__"] = [_("You are already registered as a rider.")]
    if errors:
        raise ValidationError(errors)
    if not signed_in:
        # the login is the phone number; the page header shows the masked name, never the number
        try:
            with transaction.atomic():
                by = User.objects.create_user(
                    username=clean_phone, password=password, display_name=mask_name(name)
                )
        except IntegrityError:  # the same number registered at the same moment
            raise ValidationError(
                {"phone": [_("This number is already registered: log in with it, then register here.")]}
            ) from None
    if person is None:
        person = Person.objects.create(name=name, phone=clean_phone, user=by)
    elif not person.phone:
        person.phone = clean_phone
        person.save(update_fields=["phone", "updated_at"])
    tag, _created = PersonTag.objects.get_or_create(slug=kind, defaults={"name": TAG_NAMES[kind]})
    person.tags.add(tag)
    try:
        with transaction.atomic():
            rider = _create_rider(person, kind, platform, place, team, by)
    except IntegrityError:  # the same person registered twice at once
        raise ValidationError(_("You are already registered as a rider.")) from None
    rider.volunteer_roles.set(found_roles)
    _record(rider, A.REGISTERED, by, station=place.pk)
    return rider


def _create_rider(person, kind, platform, place, team, by) -> Rider:
    return Rider.objects.create(
        person=person,
        kind=kind,
        platform=platform,
        station=place,
        region_id=place.region_id,
        team=(team or "").strip()[:64],
        registered_at=timezone.now(),
        registered_by=by,
    )


def _check_staff(by, region_id: int) -> None:
    if not scope_for_kinds(by, CHECKIN_KINDS).covers_region(region_id):
        raise PermissionDenied(_("You may not manage riders outside your area."))


@transaction.atomic
def revoke(rider: Rider, *, by, reason: str = "") -> Rider:
    """Revoke the rider's credential: every code issued so far stops working."""
    rider = Rider.objects.select_for_update().get(pk=rider.pk)
    _check_staff(by, rider.region_id)
    rider.credential_serial += 1
    rider.credential_revoked = True
    rider.save(update_fields=["credential_serial", "credential_revoked", "updated_at"])
    _record(rider, A.REVOKED, by, note=(reason or "")[:200], serial=rider.credential_serial)
    return rider


@transaction.atomic
def reissue(rider: Rider, *, by) -> Rider:
    """A new code for the rider (a lost phone, a revoked credential restored); the old one fails."""
    rider = Rider.objects.select_for_update().get(pk=rider.pk)
    own = by is not None and by.is_authenticated and rider.person.user_id == by.pk
    if own and rider.credential_revoked:
        raise PermissionDenied(_("Your credential was revoked: ask your station's staff."))
    if not own:
        _check_staff(by, rider.region_id)
    if rider.left_at:
        raise ValidationError(_("This rider has left."))
    rider.credential_serial += 1
    rider.credential_revoked = False
    rider.save(update_fields=["credential_serial", "credential_revoked", "updated_at"])
    _record(rider, A.REISSUED, by, serial=rider.credential_serial)
    return rider


@transaction.atomic
def leave(rider: Rider, *, by, reason: str = "") -> Rider:
    """The rider leaves the roll (moved away, changed work): the credential stops working, the
    history (check-ins, points) stays."""
    rider = Rider.objects.select_for_update().get(pk=rider.pk)
    _check_staff(by, rider.region_id)
    if rider.left_at:
        raise ValidationError(_("This rider has left."))
    rider.left_at = timezone.now()
    rider.credential_serial += 1
    rider.save(update_fields=["left_at", "credential_serial", "updated_at"])
    _record(rider, A.LEFT, by, note=(reason or "")[:200])
    return rider


def rider_for_code(code, *, lock: bool = False) -> Rider:
    """The rider whose current credential this is; ValidationError (in Chinese) otherwise."""
    parsed = credentials.parse_code(code)
    qs = Rider.objects.select_related("person")
    if lock:
        qs = qs.select_for_update(of=("self",))
    rider = qs.filter(pk=parsed.rider_id).first()
    if rider is None:
        raise ValidationError(_("No rider holds this credential."), code="unknown")
    if rider.left_at:
        raise ValidationError(_("This rider has left."), code="left")
    if rider.credential_revoked or parsed.serial != rider.credential_serial:
        raise ValidationError(_("This credential has been revoked or replaced."), code="revoked")
    return rider


def checkin_stations(user) -> QuerySet[Place]:
    """Open stations where the user may check riders in."""
    scope = scope_for_kinds(user, CHECKIN_KINDS)
    return scope.filter(registration_stations())


def check_in(*, code, station, by, method: str = CheckIn.Method.TYPED, at=None) -> CheckIn:
    """Record a rider's check-in at a station by its staff; the rider earns check-in points.

    Refused: staff outside the station's area (PermissionDenied), an altered, revoked or
    replaced code, and the same rider at the same station again within the window.
    """
    at = at or timezone.now()
    with transaction.atomic():
        place = _station(station)
        _check_staff(by, place.region_id)
        if method not in CheckIn.Method.values:
            method = CheckIn.Method.TYPED
        try:
            rider = rider_for_code(code, lock=True)
        except ValidationError as exc:
            raise ValidationError({"code": exc.messages}) from None
        last = (
            # either side of `at`: a scan that waited for the lock may carry the earlier time
            CheckIn.objects.filter(
                rider=rider, station=place, at__gt=at - checkin_window(), at__lt=at + checkin_window()
            )
            .order_by("-at")
            .first()
        )
        if last is not None:
            local = timezone.localtime(last.at)
            raise ValidationError(
                {
                    "code": [
                        _(
                            "%(name)s already checked in here at %(time)s: "
                            "a check-in counts once every %(minutes)d minutes."
                        )
                        % {
                            "name": rider.person.masked_name,
                            "time": local.strftime("%H:%M"),
                            "minutes": checkin_window().seconds // 60,
                        }
                    ]
                },
                code="duplicate",
            )
        checkin = CheckIn.objects.create(
            rider=rider, station=place, region_id=place.region_id, at=at, by=by, method=method
        )
        if points.checkin_points() > 0:
            points.earn(
                None,
                rider.person,
                region=place.region_id,
                points=points.checkin_points(),
                reason=_("Check-in at %(station)s") % {"station": place.name},
                team=rider.team,
                source=PointEntry.Source.CHECKIN,
                source_key=f"checkin:{checkin.pk}",
                check_scope=False,
                on=timezone.localdate(at),
            )
    return checkin


def credit_report(demand, *, by) -> PointEntry:
    """Credit a rider's 随手拍 report with points (once per report), by staff over its region."""
    region_id = demand.region_id
    if region_id is None or not scope_for_kinds(by, points.LEDGER_KINDS).covers_region(region_id):
        raise PermissionDenied(_("You may not keep the points ledger outside your area."))
    rider = Rider.objects.filter(person_id=demand.reporter_id).first() if demand.reporter_id else None
    if rider is None:
        raise ValidationError(_("Only a registered rider's report earns points."))
    return points.earn(
        by,
        rider.person,
        region=region_id,
        points=points.report_points(),
        reason=_("Report %(number)s") % {"number": demand.number},
        team=rider.team,
        source=PointEntry.Source.REPORT,
        source_key=f"report:{demand.pk}",
    )


# --- reads ---------------------------------------------------------------------------------------


def own_rider(user) -> Rider | None:
    if user is None or not user.is_authenticated:
        return None
    return (
        Rider.objects.filter(person__user=user, person__anonymised_at__isnull=True)
        .select_related("person", "station", "region")
        .defer("region__boundary", "station__region__boundary")
        .prefetch_related("volunteer_roles")
        .first()
    )


def riders_visible(user) -> QuerySet[Rider]:
    """Riders registered at stations in the user's area, with check-in counts and balances."""
    checkins = (
        CheckIn.objects.filter(rider=OuterRef("pk"))
        .order_by()
        .values("rider")
        .annotate(n=Count("pk"))
        .values("n")
    )
    balance = (
        PointEntry.objects.filter(person=OuterRef("person"))
        .order_by()
        .values("person")
        .annotate(s=Sum("points"))
        .values("s")
    )
    return (
        scope_for_kinds(user, RIDER_READ_KINDS)
        .filter(Rider.objects.all())
        .select_related("person", "station", "region")
        .only(
            "kind",
            "platform",
            "team",
            "registered_at",
            "left_at",
            "credential_revoked",
            "region_id",
            "person__name",
            "person__phone",
            "station__name",
            "region__name",
        )
        .annotate(
            checkin_count=Coalesce(Subquery(checkins, output_field=IntegerField()), Value(0)),
            points_balance=Coalesce(Subquery(balance, output_field=IntegerField()), Value(0)),
        )
    )


def rider_for_staff(user, pk: int) -> Rider:
    rider = riders_visible(user).filter(pk=pk).first()
    if rider is None:
        raise Http404
    return rider
