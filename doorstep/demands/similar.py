"""Duplicates (重复上报) and repeats (重复诉求).

* Duplicate: another person reporting the same open problem nearby. `similar_open` lists the open
  demands of the same category within the category's duplicate radius (250 m by default, as
  FixMyStreet does), nearest first, so the reporter can say "me too" instead of filing again.
* Repeat: the same person raising the same matter again within `DOORSTEP_REPEAT_DAYS` (30 by
  default) — cases.md: "同人 + 同事". `find_repeat` returns the earlier demand; intake stores it as
  `Demand.repeat_of`, and the indicators count those.

Both read a bounding box on the indexed `lat`/`lng` columns first, then measure exact
great-circle distances in Python on the few rows inside, so they stay fast with millions of
demands: two queries for `similar_open`, one for `find_repeat`.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from doorstep.core.coords import distance_m

from .categories import DEFAULT_DUPLICATE_RADIUS_M, resolve
from .models import Case, Category, Demand

METRES_PER_DEGREE_LAT = 111_320.0
MAX_CANDIDATES = 2000  # rows read from the box before measuring; a box this full is a hot spot
DEFAULT_REPEAT_DAYS = 30


def repeat_days() -> int:
    return int(getattr(settings, "DOORSTEP_REPEAT_DAYS", DEFAULT_REPEAT_DAYS))


def bounding_box(lng: float, lat: float, radius_m: float) -> Q:
    """Demands whose point lies in the box around (lng, lat) that holds the circle of `radius_m`."""
    margin = 1.01  # the box must hold the whole circle: a hair more than the radius
    dlat = radius_m * margin / METRES_PER_DEGREE_LAT
    dlng = radius_m * margin / (METRES_PER_DEGREE_LAT * max(0.01, math.cos(math.radians(lat))))
    return Q(lat__gte=lat - dlat, lat__lte=lat + dlat, lng__gte=lng - dlng, lng__lte=lng + dlng)


def open_q() -> Q:
    """A demand is open while its case is open, or while it still waits for triage."""
    return Q(case__status__in=Case.OPEN) | Q(triage=Demand.Triage.PENDING, case__isnull=True)


def _exclude_ids(exclude) -> list[int]:
    if exclude is None:
        return []
    items = exclude if isinstance(exclude, list | tuple | set | frozenset) else [exclude]
    return [getattr(item, "pk", item) for item in items if getattr(item, "pk", item) is not None]


def _category_and_radius(category) -> tuple[Category | None, int]:
    category = resolve(category)
    radius = category.duplicate_radius_m if category is not None and category.duplicate_radius_m else None
    return category, radius or DEFAULT_DUPLICATE_RADIUS_M


def similar_open(lng, lat, *, category=None, exclude=None, limit: int = 5) -> list[Demand]:
    """Open demands near (lng, lat) (WGS-84) of `category` within its duplicate radius, nearest
    first; each carries `distance_m`. Without a category: open demands of any category within
    250 m. `exclude`: a demand, an id, or several, left out (the demand being checked)."""
    if lng is None or lat is None or limit <= 0:
        return []
    lng, lat = float(lng), float(lat)
    category, radius = _category_and_radius(category)
    qs = Demand.objects.filter(bounding_box(lng, lat, radius)).filter(open_q())
    if category is not None:
        qs = qs.filter(category=category)
    ids = _exclude_ids(exclude)
    if ids:
        qs = qs.exclude(pk__in=ids)
    near = []
    for pk, d_lng, d_lat in qs.order_by().values_list("pk", "lng", "lat")[:MAX_CANDIDATES]:
        d = distance_m(lng, lat, d_lng, d_lat)
        if d <= radius:
            near.append((d, pk))
    near.sort()
    near = near[:limit]
    if not near:
        return []
    ids = [pk for _d, pk in near]
    rows = Demand.objects.select_related("category__parent", "case").order_by().in_bulk(ids)
    out = []
    for d, pk in near:
        demand = rows.get(pk)
        if demand is not None:
            demand.distance_m = round(d, 1)
            out.append(demand)
    return out


def find_repeat(
    *,
    reporter=None,
    contact_phone: str = "",
    category,
    region=None,
    grid=None,
    at: datetime,
    reporter_user=None,
    lng=None,
    lat=None,
    exclude=None,
) -> Demand | None:
    """The latest earlier demand by the same person about the same matter within the repeat
    window (`DOORSTEP_REPEAT_DAYS`, 30), or None.

    Same person: the same reporter (Person), the same login or the same contact phone. With no
    identity at all (an anonymous report), the same target instead: an earlier report without
    identity of the class at the same spot or compound (a grid only when nothing finer is
    known). Same matter: the same minor class, and the same place — the
    same grid, the same region (compound), or within the class's duplicate radius of (lng, lat).
    With no place given for an identified person, the same class is enough (a hotline transfer
    without an address).
    """
    category, radius = _category_and_radius(category)
    if category is None or at is None:
        return None
    since = at - timedelta(days=repeat_days())
    qs = Demand.objects.filter(category=category, received_at__gte=since, received_at__lte=at)
    ids = _exclude_ids(exclude)
    if ids:
        qs = qs.exclude(pk__in=ids)

    person = Q()
    if reporter is not None:
        person |= Q(reporter=reporter)
    if reporter_user is not None and getattr(reporter_user, "is_authenticated", True):
        person |= Q(reporter_user=reporter_user)
    if contact_phone:
        person |= Q(contact_phone=contact_phone)
    anonymous = not person
    if anonymous:
        # No one to recognise: the same target — an earlier report without identity, same place.
        person = Q(reporter__isnull=True, reporter_user__isnull=True, contact_phone="")

    has_point = lng is not None and lat is not None
    if anonymous and (region is not None or has_point):
        grid = None  # the same target: a grid holds many compounds; the spot or compound decides
    place = Q()
    if grid is not None:
        place |= Q(grid=grid)
    if region is not None:
        place |= Q(region=region)
    if has_point:
        place |= bounding_box(float(lng), float(lat), radius)
    if anonymous and not place:
        return None  # neither a person nor a place: nothing to compare with

    candidates = qs.filter(person)
    if place:
        candidates = candidates.filter(place)
    for demand in candidates.order_by("-received_at", "-pk")[:50]:
        outside = (
            has_point
            and _only_in_box(demand, grid, region)
            and (demand.lng is None or distance_m(float(lng), float(lat), demand.lng, demand.lat) > radius)
        )
        if not outside:
            return demand
    return None


def _only_in_box(demand: Demand, grid, region) -> bool:
    """True when the candidate matched the place only through the bounding box (so its exact
    distance decides), not through the same grid or region."""
    same_grid = grid is not None and demand.grid_id == getattr(grid, "pk", grid)
    same_region = region is not None and demand.region_id == getattr(region, "pk", region)
    return not (same_grid or same_region)
