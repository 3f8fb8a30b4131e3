"""Resources in the JSON API: GET /api/v1/resources/near (public; no personal data), POST
/resources/checkins (station staff), GET /resources/riders/me (a rider), GET /resources/figures."""

from __future__ import annotations

from datetime import date as _date

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from doorstep.core.api import AUTH, READ_ERRORS, WRITE_ERRORS, Session, caller
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


# --- riders: check-ins by station apps, a rider's own card, figures --------------------------------
# Session only for writes and the rider's card (an API key acts for no person); figures also
# answer a key, within its jurisdictions.


class CheckInIn(Schema):
    code: str
    station: int
    method: str = "scan"  # scan | typed


class CheckInOut(Schema):
    id: int
    rider: str  # masked name
    platform: str
    station: str
    at: str


@router.post(
    "/resources/checkins",
    auth=[Session()],
    response={201: CheckInOut, **WRITE_ERRORS},
    summary="Check a rider in at a station",
)
def api_check_in(request, payload: CheckInIn):
    """Station staff record a check-in from a scanned or typed credential code; 422 with a Chinese
    message for an altered, revoked or repeated code, 403 outside the user's stations."""
    from . import riders

    c = riders.check_in(code=payload.code, station=payload.station, by=request.user, method=payload.method)
    return Status(
        201,
        {
            "id": c.pk,
            "rider": c.rider.person.masked_name,
            "platform": c.rider.get_platform_display(),
            "station": c.station.name,
            "at": c.at.isoformat(),
        },
    )


class RiderCardOut(Schema):
    code: str | None
    name: str
    platform: str
    station: str
    team: str
    points: int
    hours: str
    checkins: int


@router.get(
    "/resources/riders/me",
    auth=[Session()],
    response={200: RiderCardOut, **READ_ERRORS},
    summary="My rider card",
)
def api_rider_me(request):
    from . import credentials, points, riders
    from .models import CheckIn

    rider = riders.own_rider(request.user)
    if rider is None:
        raise Http404
    balance = points.balance(rider.person)
    ok = not rider.credential_revoked and not rider.left_at
    return {
        "code": credentials.make_code(rider) if ok else None,
        "name": rider.person.masked_name,
        "platform": rider.get_platform_display(),
        "station": rider.station.name,
        "team": rider.team,
        "points": balance.points,
        "hours": str(balance.hours),
        "checkins": CheckIn.objects.filter(rider=rider).count(),
    }


class FiguresIn(Schema):
    region: str  # region code
    start: _date
    end: _date


@router.get("/resources/figures", auth=AUTH, response={200: dict, **READ_ERRORS}, summary="Resources figures")
def api_figures(request, params: Query[FiguresIn]):
    """seed.md §2 counts for a region's subtree over [start, end]: stations and services, riders
    and check-ins, members reported and teams. 404 for a region outside the caller's scope.
    `talent`: experts in the pool (and by kind), consultations and visits,
    observers, suggestions made, adopted and not adopted, training sessions and trainees (distinct
    people who attended), joint activities held, their attendance and the units that held one."""
    from doorstep.territory.models import Region

    from . import figures

    region = Region.objects.filter(code=params.region).only("pk", "code", "name").first()
    if region is None or not caller(request).scope.covers_region(region.pk):
        raise Http404
    if params.end < params.start:
        raise HttpError(422, _("The end of the period is before its start."))
    p = figures.place_figures(region, params.start, params.end)
    r = figures.rider_figures(region, params.start, params.end)
    m = figures.member_figures(region, params.start, params.end)
    return {
        "region": {"code": region.code, "name": region.name},
        "from": params.start.isoformat(),
        "to": params.end.isoformat(),
        "stations": p.stations,
        "red_stations": p.red_stations,
        "services": p.services,
        "riders_registered": r.registered,
        "riders_new": r.new,
        "checkins": r.checkins,
        "members_reported": m.members_reported,
        "teams": m.teams,
        "teams_by_kind": m.teams_by_kind,
        "team_members": m.team_members,
        "wishes": _wish_figures(region, params.start, params.end),
        "talent": _talent_figures(region, params.start, params.end),
        "orders": _order_figures(region, params.start, params.end),
    }


def _order_figures(region, start, end) -> dict:
    """Service orders (群众点单): placed, completed, rated, average stars, share done on time."""
    from .orders import order_figures

    f = order_figures(region, start, end)
    return {
        "placed": f.placed,
        "completed": f.completed,
        "rated": f.rated,
        "average_rating": f.average_rating,
        "on_time": f.on_time,
        "on_time_share": f.on_time_share,
    }


def _talent_figures(region, start, end) -> dict:
    """Experts, consultations, observers and suggestions, training, joint activities (seed.md §2–3)."""
    from dataclasses import asdict

    from .talent import talent_figures

    f = talent_figures(region, start, end)
    out = asdict(f)
    out.pop("start"), out.pop("end")
    return {"experts": f.experts, **out}


def _wish_figures(region, start, end) -> dict:
    from dataclasses import asdict

    from .wishes import wish_figures

    return asdict(wish_figures(region, start, end))


# Service orders (群众点单) and micro-wishes (微心愿): their endpoints live beside, on this router.
from . import api_orders, api_wishes  # noqa: E402, F401
