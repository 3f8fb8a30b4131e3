"""GeoJSON export of the open places, in WGS-84 (Tianditu, OpenStreetMap) or GCJ-02 (AMap).

RFC 7946 GeoJSON is WGS-84 by definition; a GCJ-02 export says so in the foreign member
`coordinate_system` (and in each feature's properties) so nobody mistakes one for the other.
The red-station mark 「红木莲」 is the boolean property `red_mark`.
"""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse

from doorstep.core.coords import GCJ02, WGS84, from_wgs84

from . import hours as hours_module
from .models import Place
from .selectors import REGION_HEAVY, current_services_q, public_places

EXPORT_SYSTEMS = (WGS84, GCJ02)


def feature_collection(system: str = WGS84, *, at=None) -> dict:
    """Every open place as a Point feature (one query)."""
    if system not in EXPORT_SYSTEMS:
        raise ValueError(f"system must be one of {', '.join(EXPORT_SYSTEMS)}")
    rows = (
        public_places()
        .select_related("region")
        .defer(*REGION_HEAVY)
        .annotate(service_count=Count("services", filter=current_services_q(prefix="services__")))
    )
    kinds = dict(Place.Kind.choices)
    features = []
    for place in rows:
        lng, lat = from_wgs84(place.lng, place.lat, system)
        features.append(
            {
                "type": "Feature",
                "id": place.pk,
                "geometry": {"type": "Point", "coordinates": [round(lng, 7), round(lat, 7)]},
                "properties": {
                    "name": place.name,
                    "kind": place.kind,
                    "kind_label": str(kinds.get(place.kind, place.kind)),
                    "red_mark": place.red_mark,
                    "region": place.region.name,
                    "address": place.address,
                    "phone": place.phone,
                    "hours": [f"{days} {blocks}" for days, blocks in hours_module.lines(place.hours)],
                    "open_now": hours_module.is_open(place.hours, at),
                    "services": place.service_count,
                    "url": reverse("resources:place", args=[place.pk]),
                    "coordinate_system": system,
                },
            }
        )
    return {"type": "FeatureCollection", "coordinate_system": system, "features": features}


__all__ = ["EXPORT_SYSTEMS", "feature_collection"]
