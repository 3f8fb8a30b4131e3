"""Reads of places and services.

Public reads (near me, a place's page, the GeoJSON export) show open places and their current
services only, and never a person: a place's phone is its own public number. Staff reads take
the user and keep to the scope of their roles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils import timezone

from doorstep.core.coords import WGS84, to_wgs84
from doorstep.core.scoping import Scope
from doorstep.territory.models import Region
from doorstep.territory.selectors import scope_for

from . import hours as hours_module
from . import links, walking
from .models import Place, Service

# A place's region is shown by name: its boundary polygon (large JSON) is not read.
REGION_HEAVY = ("region__boundary",)


def today() -> date:
    return timezone.localdate()


def open_places_q(on: date | None = None, prefix: str = "") -> Q:
    """Places opened by `on` and not closed on or before it."""
    on = on or today()
    return (Q(**{f"{prefix}opened_on__isnull": True}) | Q(**{f"{prefix}opened_on__lte": on})) & (
        Q(**{f"{prefix}closed_on__isnull": True}) | Q(**{f"{prefix}closed_on__gt": on})
    )


def current_services_q(on: date | None = None, prefix: str = "") -> Q:
    on = on or today()
    return (Q(**{f"{prefix}started_on__isnull": True}) | Q(**{f"{prefix}started_on__lte": on})) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gte": on})
    )


def current_services() -> Prefetch:
    return Prefetch(
        "services",
        queryset=Service.objects.filter(current_services_q())
        .select_related("provider")
        .order_by("name", "pk"),
        to_attr="current_services",
    )


def offering(service: str) -> Q:
    """Places with a current service whose name contains `service`."""
    return Q(
        Exists(
            Service.objects.filter(
                current_services_q(), place=OuterRef("pk"), name__icontains=service.strip()
            )
        )
    )


@dataclass
class Nearby:
    place: Place
    metres: float
    minutes: float
    open_now: bool | None
    services: list = field(default_factory=list)

    @property
    def geo_uri(self) -> str:
        return links.geo_uri(self.place.lng, self.place.lat, self.place.name)

    @property
    def amap_uri(self) -> str:
        return links.amap_uri(self.place.lng, self.place.lat, self.place.name)

    @property
    def walk_minutes(self) -> int:
        """Whole minutes as shown (rounded up: never promise a shorter walk)."""
        return max(1, int(-(-self.minutes // 1)))


class NearList(list):
    """The places found, nearest first; `total` counts them all when a limit cut the list."""

    total: int = 0


def near(
    lng: float,
    lat: float,
    minutes: float = 15,
    service: str | None = None,
    kind: str | frozenset | list | None = None,
    *,
    system: str = WGS84,
    at: datetime | None = None,
    limit: int | None = None,
) -> NearList:
    """Open places within `minutes` of walking from the point, nearest first (at most three queries).

    The point is WGS-84 unless `system` says otherwise. Walking minutes are straight-line
    distance × detour factor ÷ walking speed (walking.py). The (lat, lng) index reads the
    bounding box of the walking circle as bare (id, lng, lat) rows; the exact distance is checked
    here; only the `limit` nearest are then read in full, with their current services.
    """
    lng, lat = to_wgs84(float(lng), float(lat), system)
    radius = walking.reach_m(minutes)
    min_lng, min_lat, max_lng, max_lat = walking.box(lng, lat, radius)
    qs = Place.objects.filter(
        open_places_q(), lat__gte=min_lat, lat__lte=max_lat, lng__gte=min_lng, lng__lte=max_lng
    )
    if kind:
        qs = qs.filter(kind__in=[kind] if isinstance(kind, str) else list(kind))
    if service and service.strip():
        qs = qs.filter(offering(service))
    found = []
    distance = walking.distance_m
    per_metre = walking.detour() / walking.speed()
    for pk, plng, plat in qs.order_by().values_list("pk", "lng", "lat"):
        metres = distance(lng, lat, plng, plat)
        walk = metres * per_metre
        if walk <= minutes:
            found.append((walk, pk, metres))
    found.sort()
    result = NearList()
    result.total = len(found)
    if limit is not None:
        found = found[:limit]
    if not found:
        return result
    places = Place.objects.select_related("region").defer(*REGION_HEAVY).in_bulk([pk for _w, pk, _m in found])
    prefetch_related_objects(list(places.values()), current_services())
    for walk, pk, metres in found:
        place = places[pk]
        result.append(
            Nearby(
                place=place,
                metres=metres,
                minutes=walk,
                open_now=hours_module.is_open(place.hours, at),
                services=place.current_services,
            )
        )
    return result


def public_place(pk: int) -> Place:
    """An open place for its public page, with its current services (two queries)."""
    place = (
        Place.objects.filter(open_places_q(), pk=pk)
        .select_related("region")
        .defer(*REGION_HEAVY)
        .prefetch_related(current_services())
        .first()
    )
    if place is None:
        raise Http404
    return place


def public_places(kind=None) -> QuerySet[Place]:
    qs = Place.objects.filter(open_places_q()).order_by("pk")
    if kind:
        qs = qs.filter(kind__in=[kind] if isinstance(kind, str) else list(kind))
    return qs


def places_visible(user, scope: Scope | None = None) -> QuerySet[Place]:
    """Places in the user's scope (staff)."""
    scope = scope or scope_for(user)
    return scope.filter(Place.objects.all(), "region")


def compounds_named(text: str, limit: int = 10) -> list[Region]:
    """Compounds (with a known centre) whose name holds `text`: the 'choose my compound' search."""
    text = (text or "").strip()
    if not text:
        return []
    return list(
        Region.objects.filter(
            level=Region.Level.COMPOUND,
            name__icontains=text,
            centroid_lng__isnull=False,
            centroid_lat__isnull=False,
        )
        .select_related("parent")
        .order_by("name", "code")[:limit]
    )
