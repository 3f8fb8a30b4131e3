"""Walking time from straight-line distance (`shared/domain/geo.md`, GB 50180-2018).

Until a road network is loaded, walking distance is the great-circle distance times a detour
factor, and walking time is that distance at the assumed walking speed:

    minutes = distance_m × DOORSTEP_WALK_DETOUR / DOORSTEP_WALK_METRES_PER_MINUTE

geo.md gives the speed (60 m/min). It gives no detour factor as a number; the default 1.2 is the
ratio its 10-minute circle implies (10 min × 60 m/min = 600 m walked for ≈ 500 m of circle).
Both are settings, so a city can use its own.
"""

from __future__ import annotations

import math

from django.conf import settings

from doorstep.core.coords import distance_m

EARTH_RADIUS_M = 6371008.8
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180.0  # along a meridian
CIRCLES = (5, 10, 15)  # the life circles of GB 50180-2018, in walking minutes


def speed() -> float:
    return float(settings.DOORSTEP_WALK_METRES_PER_MINUTE)


def detour() -> float:
    return float(settings.DOORSTEP_WALK_DETOUR)


def minutes_for(metres: float) -> float:
    """Walking minutes for a straight-line distance in metres."""
    return metres * detour() / speed()


def reach_m(minutes: float) -> float:
    """The straight-line radius one walks in `minutes`."""
    return minutes * speed() / detour()


def walk_minutes(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    return minutes_for(distance_m(lng1, lat1, lng2, lat2))


def box(lng: float, lat: float, metres: float) -> tuple[float, float, float, float]:
    """A (min_lng, min_lat, max_lng, max_lat) box holding every point within `metres` of (lng, lat)."""
    dlat = metres / METRES_PER_DEGREE
    coslat = math.cos(math.radians(min(89.0, abs(lat) + dlat)))
    dlng = min(180.0, dlat / max(coslat, 1e-6))
    return lng - dlng, lat - dlat, lng + dlng, lat + dlat
