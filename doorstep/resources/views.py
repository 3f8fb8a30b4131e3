"""Public pages: near me (phone), a place's page, the GeoJSON export."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from doorstep.core.coords import WGS84, parse_point
from doorstep.territory.models import Region

from . import geojson, hours, links, selectors
from .models import Place

MINUTE_CHOICES = (5, 10, 15)
PAGE_LIMIT = 30  # places listed on the phone page, nearest first


def _minutes(value) -> int:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        return 15
    return minutes if minutes in MINUTE_CHOICES else 15


@require_GET
def near(request):
    """Places within the walking circle of the phone's position or of a chosen compound."""
    params = request.GET
    minutes = _minutes(params.get("minutes"))
    service = (params.get("service") or "").strip()[:50]
    kind = params.get("kind") or ""
    if kind not in Place.Kind.values:
        kind = ""
    origin, error, compound, matches = None, "", None, []
    code = params.get("compound")
    if (params.get("q") or "").strip():
        matches = selectors.compounds_named(params["q"])
        exact = [c for c in matches if c.name == params["q"].strip()]
        if len(exact) == 1:
            matches = exact
        if len(matches) == 1:
            compound, matches = matches[0], []
        elif not matches:
            error = _("No compound with that name.")
    elif code:
        compound = (
            Region.objects.filter(code=code, level=Region.Level.COMPOUND, centroid_lng__isnull=False)
            .only("name", "code", "centroid_lng", "centroid_lat")
            .first()
        )
        if compound is None:
            error = _("That compound was not found.")
    elif params.get("lng") or params.get("lat"):
        try:
            point = parse_point(params.get("lng"), params.get("lat"), params.get("system") or WGS84)
            origin = (point.lng, point.lat)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    if compound is not None:
        origin = (compound.centroid_lng, compound.centroid_lat)
    results = []
    if origin is not None:
        results = selectors.near(
            *origin, minutes=minutes, service=service or None, kind=kind or None, limit=PAGE_LIMIT
        )
    service_names = sorted({s.name for r in results for s in r.services} | ({service} if service else set()))
    context = {
        "results": results,
        "origin": origin,
        "compound": compound,
        "matches": matches,
        "error": error,
        "minutes": minutes,
        "minute_choices": MINUTE_CHOICES,
        "service": service,
        "service_names": service_names,
        "kind": kind,
        "kinds": Place.Kind.choices,
        "params": params,
    }
    return render(request, "resources/near.html", context)


@require_GET
def place(request, pk: int):
    obj = selectors.public_place(pk)
    context = {
        "place": obj,
        "open_now": hours.is_open(obj.hours),
        "hour_lines": hours.lines(obj.hours),
        "geo_uri": links.geo_uri(obj.lng, obj.lat, obj.name),
        "amap_uri": links.amap_uri(obj.lng, obj.lat, obj.name),
        "tianditu_uri": links.tianditu_uri(obj.lng, obj.lat),
    }
    if obj.kind in (Place.Kind.PARLOUR, Place.Kind.DISCUSSION_CORNER):
        from doorstep.council.meetings import upcoming_at_place

        context["meetings"] = upcoming_at_place(obj)
    return render(request, "resources/place.html", context)


@require_GET
def places_geojson(request):
    system = (request.GET.get("system") or WGS84).lower().replace("-", "")
    if system not in geojson.EXPORT_SYSTEMS:
        return HttpResponseBadRequest(_("Use system=wgs84 or system=gcj02."))
    data = geojson.feature_collection(system)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type="application/geo+json; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="places-{system}.geojson"'
    return response
