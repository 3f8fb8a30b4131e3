"""Every write to places and services: validate, lock, write, record an event row.

A place's point may be given in WGS-84, GCJ-02 or BD-09 (what phones and map pickers give); it is
stored as WGS-84 with the system and numbers given, and its region is found from the point by the
territory's point location (a point outside the territory is refused).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.coords import WGS84, parse_point
from doorstep.territory.locate import locate_point

from .models import Place, PlaceEvent, Service

A = PlaceEvent.Action
PLACE_FIELDS = (
    "kind",
    "name",
    "red_mark",
    "address",
    "hours",
    "hours_note",
    "phone",
    "facilities",
    "opened_on",
    "closed_on",
)
SERVICE_FIELDS = (
    "name",
    "provider",
    "provider_name",
    "is_free",
    "price_note",
    "booking",
    "booking_note",
    "started_on",
    "ended_on",
)


def _record(place: Place, action: str, by, note: str = "", **data) -> PlaceEvent:
    return PlaceEvent.objects.create(
        place=place, action=action, by=by if by and by.pk else None, note=note, data=data
    )


def place_position(place: Place, lng, lat, system: str = WGS84) -> None:
    """Set the point (converted to WGS-84, the given system kept) and the region holding it."""
    point = parse_point(lng, lat, system)
    location = locate_point(point)
    region = location.region
    if region is None:
        raise ValidationError({"input_lng": _("The location is outside the territory.")})
    place.lng, place.lat = point.lng, point.lat
    place.input_system, place.input_lng, place.input_lat = point.system, point.input_lng, point.input_lat
    place.region_id = region.id


def _clean(obj, exclude=()) -> None:
    obj.full_clean(exclude=list(exclude))
    if getattr(obj, "closed_on", None) and getattr(obj, "opened_on", None) and obj.closed_on < obj.opened_on:
        raise ValidationError({"closed_on": _("A place cannot close before it opened.")})
    if isinstance(obj, Service) and obj.is_free and obj.price_note:
        raise ValidationError({"price_note": _("A free service has no price.")})


@transaction.atomic
def place_create(*, kind: str, name: str, lng, lat, system: str = WGS84, by=None, **fields) -> Place:
    unknown = set(fields) - set(PLACE_FIELDS)
    if unknown:
        raise TypeError(f"unknown place fields: {sorted(unknown)}")
    place = Place(kind=kind, name=name, **fields)
    place_position(place, lng, lat, system)
    _clean(place)
    place.save()
    _record(place, A.CREATED, by, system=place.input_system)
    return place


@transaction.atomic
def place_update(place: Place, *, by=None, lng=None, lat=None, system: str | None = None, **fields) -> Place:
    """Change fields; with lng/lat (and their system) the place moves and its region is found again."""
    unknown = set(fields) - set(PLACE_FIELDS)
    if unknown:
        raise TypeError(f"unknown place fields: {sorted(unknown)}")
    place = Place.objects.select_for_update().get(pk=place.pk)
    changed = sorted(k for k, v in fields.items() if getattr(place, k) != v)
    for key, value in fields.items():
        setattr(place, key, value)
    moved = lng is not None or lat is not None
    if moved:
        before = (place.lng, place.lat)
        place_position(
            place,
            place.input_lng if lng is None else lng,
            place.input_lat if lat is None else lat,
            system or place.input_system,
        )
        moved = before != (place.lng, place.lat)
    _clean(place)
    place.save()
    if moved:
        _record(place, A.MOVED, by, lng=place.lng, lat=place.lat, system=place.input_system)
    if "closed_on" in changed and place.closed_on:
        _record(place, A.CLOSED, by, on=place.closed_on.isoformat())
        changed.remove("closed_on")
    if changed:
        _record(place, A.UPDATED, by, fields=changed)
    return place


@transaction.atomic
def place_save_form(place: Place, *, by, changed_fields=()) -> Place:
    """The admin's save: the form filled `place` (input point and fields); relocate, validate, record."""
    is_new = place.pk is None
    if not is_new:
        Place.objects.select_for_update().filter(pk=place.pk).first()
    place_position(place, place.input_lng, place.input_lat, place.input_system or WGS84)
    _clean(place)
    place.save()
    if is_new:
        _record(place, A.CREATED, by, system=place.input_system)
    elif changed_fields:
        _record(place, A.UPDATED, by, fields=sorted(changed_fields))
    return place


@transaction.atomic
def place_close(place: Place, *, on: date | None = None, by=None) -> Place:
    return place_update(place, closed_on=on or timezone.localdate(), by=by)


@transaction.atomic
def service_add(place: Place, *, name: str, by=None, **fields) -> Service:
    unknown = set(fields) - set(SERVICE_FIELDS)
    if unknown:
        raise TypeError(f"unknown service fields: {sorted(unknown)}")
    Place.objects.select_for_update().filter(pk=place.pk).first()
    service = Service(place=place, name=name, **fields)
    _clean(service)
    service.save()
    _record(place, A.SERVICE_ADDED, by, service=service.pk, name=name)
    return service


@transaction.atomic
def service_update(service: Service, *, by=None, **fields) -> Service:
    unknown = set(fields) - set(SERVICE_FIELDS)
    if unknown:
        raise TypeError(f"unknown service fields: {sorted(unknown)}")
    service = Service.objects.select_for_update().get(pk=service.pk)
    changed = sorted(k for k, v in fields.items() if getattr(service, k) != v)
    for key, value in fields.items():
        setattr(service, key, value)
    _clean(service)
    service.save()
    if changed:
        action = A.SERVICE_ENDED if changed == ["ended_on"] and service.ended_on else A.SERVICE_CHANGED
        _record(service.place, action, by, service=service.pk, fields=changed)
    return service


def service_save_form(service: Service, *, by, changed_fields=()) -> Service:
    """The admin inline's save of one service row."""
    is_new = service.pk is None
    _clean(service)
    service.save()
    if is_new:
        _record(service.place, A.SERVICE_ADDED, by, service=service.pk, name=service.name)
    elif changed_fields:
        _record(service.place, A.SERVICE_CHANGED, by, service=service.pk, fields=sorted(changed_fields))
    return service
