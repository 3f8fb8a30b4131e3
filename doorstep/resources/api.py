"""Near me in the JSON API: GET /api/v1/resources/near (public; no personal data)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from doorstep.core.coords import GCJ02, WGS84, from_wgs84, parse_point

from . import selectors
from .models import Place

router = Router(tags=["resources"])
MAX_MINUTES = 30


class NearIn(Schema):
    lng: float
    lat: float
    system: str = WGS84  # wgs84 | gcj02 | bd09: the system of lng/lat
    minutes: float = 15
    service: str | None = None
    kind: str | None = None
    limit: int = 50


class ServiceOut(Schema):
    name: str
    provider: str
    free: bool
    price: str
    booking: str
    booking_note: str


class PointOut(Schema):
    lng: float
    lat: float


class NearPlaceOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    red_mark: bool
    region: str
    address: str
    phone: str
    walk_minutes: float
    metres: float
    open_now: bool | None
    wgs84: PointOut
    gcj02: PointOut
    url: str
    amap_uri: str
    geo_uri: str
    services: list[ServiceOut]


class NearOut(Schema):
    origin: PointOut  # WGS-84
    minutes: float
    walk_metres_per_minute: float
    detour: float
    places: list[NearPlaceOut]


@router.get("/resources/near", response=NearOut, summary="Places and services within a walk")
def near(request, params: Query[NearIn]):
    """Open places within `minutes` of walking (straight line × detour factor at the walking speed),
    nearest first, with their current services; coordinates in WGS-84 and GCJ-02."""
    from . import walking

    try:
        point = parse_point(params.lng, params.lat, params.system)
    except ValidationError as exc:
        raise HttpError(422, " ".join(exc.messages)) from exc
    if not 0 < params.minutes <= MAX_MINUTES:
        raise HttpError(422, f"minutes must be between 0 and {MAX_MINUTES}")
    if params.kind and params.kind not in Place.Kind.values:
        raise HttpError(422, f"kind must be one of {', '.join(Place.Kind.values)}")
    results = selectors.near(
        point.lng,
        point.lat,
        minutes=params.minutes,
        service=params.service,
        kind=params.kind,
        limit=max(1, min(params.limit, 200)),
    )
    places = []
    for r in results:
        p = r.place
        glng, glat = from_wgs84(p.lng, p.lat, GCJ02)
        places.append(
            {
                "id": p.pk,
                "name": p.name,
                "kind": p.kind,
                "kind_label": str(p.get_kind_display()),
                "red_mark": p.red_mark,
                "region": p.region.name,
                "address": p.address,
                "phone": p.phone,
                "walk_minutes": round(r.minutes, 1),
                "metres": round(r.metres),
                "open_now": r.open_now,
                "wgs84": {"lng": p.lng, "lat": p.lat},
                "gcj02": {"lng": glng, "lat": glat},
                "url": reverse("resources:place", args=[p.pk]),
                "amap_uri": r.amap_uri,
                "geo_uri": r.geo_uri,
                "services": [
                    {
                        "name": s.name,
                        "provider": s.provider_label,
                        "free": s.is_free,
                        "price": s.price_note,
                        "booking": s.booking,
                        "booking_note": s.booking_note,
                    }
                    for s in r.services
                ],
            }
        )
    return {
        "origin": {"lng": point.lng, "lat": point.lat},
        "minutes": params.minutes,
        "walk_metres_per_minute": walking.speed(),
        "detour": walking.detour(),
        "places": places,
    }
