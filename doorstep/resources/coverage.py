"""Coverage: which compounds have a station within 5/10/15 walking minutes (the life circles).

A compound's position is its centroid. The nearest open station of the chosen kinds (any station,
also one across a community border) is found with a shapely STRtree over the stations in a local
metric plane (equirectangular, a few % generous), then checked with the exact great-circle
distance; walking minutes as in walking.py. `coverage_brute` is the all-pairs scan it is measured
against (tests, bench/resources_near.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import shapely

from doorstep.core.coords import distance_m
from doorstep.territory.models import Region
from doorstep.territory.selectors import subtree_ids

from . import walking
from .models import STATION_KINDS, Place
from .selectors import open_places_q

EARTH_RADIUS_M = walking.EARTH_RADIUS_M


@dataclass(frozen=True)
class Reach:
    compound_id: int
    name: str
    code: str
    minutes: float | None  # to the nearest station, None: none within the largest circle
    place_id: int | None


@dataclass
class Coverage:
    region_id: int
    circles: tuple[int, ...]
    compounds: int  # compounds in the subtree
    unlocated: int  # compounds without a centroid (not counted in any circle)
    stations: int  # stations considered
    rows: list[Reach] = field(default_factory=list)

    def within(self, minutes: int) -> int:
        return sum(1 for r in self.rows if r.minutes is not None and r.minutes <= minutes)

    def rate(self, minutes: int) -> Decimal | None:
        """Share of located compounds within `minutes`, in percent."""
        located = self.compounds - self.unlocated
        if not located:
            return None
        return (Decimal(100) * self.within(minutes) / located).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )

    def counts(self) -> dict[int, int]:
        return {m: self.within(m) for m in self.circles}

    def uncovered(self, minutes: int | None = None) -> list[Reach]:
        minutes = minutes or max(self.circles)
        return [r for r in self.rows if r.minutes is None or r.minutes > minutes]


def _compounds(region: Region | int):
    ids = subtree_ids(region)
    return list(
        Region.objects.filter(pk__in=ids, level=Region.Level.COMPOUND)
        .order_by("code")
        .values_list("pk", "name", "code", "centroid_lng", "centroid_lat")
    )


def _stations(kinds, on, box=None):
    qs = Place.objects.filter(open_places_q(on), kind__in=sorted(kinds))
    if box is not None:
        x0, y0, x1, y1 = box
        qs = qs.filter(lng__gte=x0, lng__lte=x1, lat__gte=y0, lat__lte=y1)
    return list(qs.order_by("pk").values_list("pk", "lng", "lat"))


def coverage(
    region: Region | int,
    kinds=STATION_KINDS,
    circles: tuple[int, ...] = walking.CIRCLES,
    on: date | None = None,
) -> Coverage:
    """The nearest station of `kinds` for every compound under `region` (three queries)."""
    rows = _compounds(region)
    located = [r for r in rows if r[3] is not None and r[4] is not None]
    result = Coverage(
        region_id=region.pk if isinstance(region, Region) else region,
        circles=tuple(circles),
        compounds=len(rows),
        unlocated=len(rows) - len(located),
        stations=0,
    )
    if not located:
        return result
    reach = walking.reach_m(max(circles))
    lngs = np.array([r[3] for r in located])
    lats = np.array([r[4] for r in located])
    x0, y0, _x, _y = walking.box(float(lngs.min()), float(lats.min()), reach)
    _x, _y, x1, y1 = walking.box(float(lngs.max()), float(lats.max()), reach)
    # the box must hold the far latitude's wider longitude span too
    y_far = max(abs(y0), abs(y1))
    widen = reach / (walking.METRES_PER_DEGREE * max(math.cos(math.radians(min(89.0, y_far))), 1e-6))
    stations = _stations(kinds, on, (float(lngs.min()) - widen, y0, float(lngs.max()) + widen, y1))
    result.stations = len(stations)
    best = np.full(len(located), np.inf)
    best_place = np.full(len(located), -1, dtype=np.int64)
    if stations:
        s_ids = np.array([s[0] for s in stations], dtype=np.int64)
        s_lng = np.array([s[1] for s in stations])
        s_lat = np.array([s[2] for s in stations])
        # A plane whose east-west scale is the smallest in the area (the latitude farthest from
        # the equator): plane distances never exceed true ones, so no station within reach is missed.
        far = max(float(np.abs(lats).max()), float(np.abs(s_lat).max()))
        scale_x = walking.METRES_PER_DEGREE * math.cos(math.radians(min(89.0, far)))
        lng0, lat0 = float(lngs.min()), float(lats.min())

        def plane(lng, lat):
            return shapely.points((lng - lng0) * scale_x, (lat - lat0) * walking.METRES_PER_DEGREE)

        tree = shapely.STRtree(plane(s_lng, s_lat))
        pairs = tree.query(plane(lngs, lats), predicate="dwithin", distance=reach * 1.001)
        if pairs.size:
            ci, si = pairs
            metres = _haversine(lngs[ci], lats[ci], s_lng[si], s_lat[si])
            order = np.lexsort((s_ids[si], metres))  # nearest first, then lowest id
            ci, si, metres = ci[order], si[order], metres[order]
            first = np.unique(ci, return_index=True)[1]
            best[ci[first]] = metres[first]
            best_place[ci[first]] = s_ids[si[first]]
    limit = max(circles)
    for i, (pk, name, code, _lng, _lat) in enumerate(located):
        minutes = walking.minutes_for(float(best[i])) if np.isfinite(best[i]) else None
        if minutes is not None and minutes > limit:
            minutes = None
        result.rows.append(
            Reach(pk, name, code, minutes, int(best_place[i]) if minutes is not None else None)
        )
    return result


def _haversine(lng1, lat1, lng2, lat2) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lng2 - lng1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(1.0, h)))


def coverage_brute(region, kinds=STATION_KINDS, circles=walking.CIRCLES, on=None) -> Coverage:
    """Every compound against every station, one distance at a time: the baseline."""
    rows = _compounds(region)
    stations = _stations(kinds, on)
    located = [r for r in rows if r[3] is not None and r[4] is not None]
    result = Coverage(
        region_id=region.pk if isinstance(region, Region) else region,
        circles=tuple(circles),
        compounds=len(rows),
        unlocated=len(rows) - len(located),
        stations=len(stations),
    )
    limit = max(circles)
    for pk, name, code, lng, lat in located:
        best = None
        for sid, slng, slat in stations:
            minutes = walking.minutes_for(distance_m(lng, lat, slng, slat))
            if minutes <= limit and (best is None or (minutes, sid) < best):
                best = (minutes, sid)
        result.rows.append(Reach(pk, name, code, best[0] if best else None, best[1] if best else None))
    return result
