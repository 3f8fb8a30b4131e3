"""Boundaries of regions and grids: the one way to set or replace them.

A boundary arrives as GeoJSON (a Polygon or MultiPolygon, or a Feature / single-feature
FeatureCollection holding one, as map drawing tools export) in WGS-84, GCJ-02 or BD-09. It is
checked completely before anything is written, converted to WGS-84, stored with its centroid, and
`geometry_version` is bumped so that every process's point-location index notices the change
(see `locate.py`).
"""

from __future__ import annotations

import json
import math
from numbers import Real

import shapely
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from shapely.geometry import shape

from doorstep.core.coords import SYSTEMS, WGS84, to_wgs84

POLYGON_TYPES = ("Polygon", "MultiPolygon")
# 1e-8° ≈ 1 mm: far below survey accuracy, keeps stored JSON short after a conversion.
DECIMALS = 8

# GEOS's reasons (shapely.is_valid_reason) in words a clerk understands; unknown ones pass through.
_VALIDITY_REASONS = {
    "Self-intersection": gettext_noop("the outline crosses itself"),
    "Ring Self-intersection": gettext_noop("a ring touches itself"),
    "Too few points": gettext_noop("a ring has too few distinct points"),
    "Hole lies outside shell": gettext_noop("a hole lies outside the outline"),
    "Nested holes": gettext_noop("one hole lies inside another"),
    "Interior is disconnected": gettext_noop("the holes cut the polygon in pieces"),
    "Nested shells": gettext_noop("one part lies inside another part"),
    "Duplicate Rings": gettext_noop("two rings are identical"),
    "Invalid Coordinate": gettext_noop("a coordinate is not a number"),
}


def _validity_reason(reason: str) -> str:
    head = reason.split("[", 1)[0].strip()
    for prefix, words in _VALIDITY_REASONS.items():
        if head.startswith(prefix):
            return _(words)
    return reason


def _where(polygon: int | None, ring: int, point: int | None = None) -> str:
    """Human position of a problem; numbers count from 1, ring 1 is the outline."""
    if point is None:
        if polygon is None:
            return _("ring %(ring)d") % {"ring": ring}
        return _("polygon %(polygon)d, ring %(ring)d") % {"polygon": polygon, "ring": ring}
    if polygon is None:
        return _("ring %(ring)d, point %(point)d") % {"ring": ring, "point": point}
    return _("polygon %(polygon)d, ring %(ring)d, point %(point)d") % {
        "polygon": polygon,
        "ring": ring,
        "point": point,
    }


def _unwrap(geojson) -> dict:
    """Accept a geometry, a Feature or a FeatureCollection with exactly one feature; or its JSON text."""
    if isinstance(geojson, (str, bytes)):
        try:
            geojson = json.loads(geojson)
        except ValueError:
            raise ValidationError(_("The boundary is not valid JSON."), code="json") from None
    if not isinstance(geojson, dict):
        raise ValidationError(_("The boundary must be a GeoJSON object."), code="type")
    kind = geojson.get("type")
    if kind == "FeatureCollection":
        features = geojson.get("features") or []
        if len(features) != 1:
            raise ValidationError(
                _("The boundary must contain exactly one feature, not %(count)d.") % {"count": len(features)},
                code="features",
            )
        geojson = features[0]
        kind = geojson.get("type") if isinstance(geojson, dict) else None
    if kind == "Feature":
        geojson = geojson.get("geometry")
        kind = geojson.get("type") if isinstance(geojson, dict) else None
    if kind not in POLYGON_TYPES:
        raise ValidationError(
            _("The boundary must be a GeoJSON Polygon or MultiPolygon, not %(type)s.")
            % {"type": kind or _("nothing")},
            code="type",
        )
    return geojson


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _clean_ring(ring, system: str, polygon: int | None, index: int) -> list[list[float]]:
    if not isinstance(ring, list) or len(ring) < 4:
        raise ValidationError(
            _("%(where)s needs at least 4 points (a triangle and its first point repeated).")
            % {"where": _where(polygon, index)},
            code="ring",
        )
    out = []
    for n, position in enumerate(ring, start=1):
        where = _where(polygon, index, n)
        if not isinstance(position, (list, tuple)) or len(position) not in (2, 3):
            raise ValidationError(
                _("%(where)s must be a [longitude, latitude] pair.") % {"where": where}, code="position"
            )
        lng, lat = _number(position[0]), _number(position[1])
        if lng is None or lat is None:
            raise ValidationError(
                _("%(where)s: longitude and latitude must be finite numbers.") % {"where": where},
                code="position",
            )
        if not -180.0 <= lng <= 180.0:
            raise ValidationError(
                _("%(where)s: longitude must be between -180 and 180.") % {"where": where}, code="range"
            )
        if not -90.0 <= lat <= 90.0:
            raise ValidationError(
                _("%(where)s: latitude must be between -90 and 90.") % {"where": where}, code="range"
            )
        out.append((lng, lat))
    if out[0] != out[-1]:
        raise ValidationError(
            _("%(where)s is not closed: its last point must repeat its first.")
            % {"where": _where(polygon, index)},
            code="closed",
        )
    # Converting each vertex keeps the ring closed: the same input gives the same output.
    return [[round(c, DECIMALS) for c in to_wgs84(lng, lat, system)] for lng, lat in out]


def _clean_polygon(rings, system: str, polygon: int | None) -> list:
    if not isinstance(rings, list) or not rings:
        raise ValidationError(_("A polygon needs at least its outline ring."), code="polygon")
    return [_clean_ring(ring, system, polygon, i) for i, ring in enumerate(rings, start=1)]


def clean_boundary(geojson, system: str = WGS84) -> tuple[dict, shapely.Geometry]:
    """Validate a boundary and return it as WGS-84 GeoJSON plus its shapely geometry.

    Raises ValidationError with a translated message naming the first problem found.
    """
    system = str(system or WGS84).strip().lower().replace("-", "").replace("_", "")
    if system not in SYSTEMS:
        raise ValidationError(
            _("Unknown coordinate system “%(system)s”: use wgs84, gcj02 or bd09") % {"system": system},
            code="system",
        )
    geometry = _unwrap(geojson)
    coordinates = geometry.get("coordinates")
    if geometry["type"] == "Polygon":
        cleaned = {"type": "Polygon", "coordinates": _clean_polygon(coordinates, system, None)}
    else:
        if not isinstance(coordinates, list) or not coordinates:
            raise ValidationError(_("A MultiPolygon needs at least one polygon."), code="polygon")
        cleaned = {
            "type": "MultiPolygon",
            "coordinates": [_clean_polygon(p, system, n) for n, p in enumerate(coordinates, start=1)],
        }
    geom = shape(cleaned)
    if not geom.is_valid:
        raise ValidationError(
            _("The boundary is not a valid polygon: %(reason)s.")
            % {"reason": _validity_reason(shapely.is_valid_reason(geom))},
            code="invalid",
        )
    if geom.is_empty or geom.area <= 0:
        raise ValidationError(_("The boundary encloses no area."), code="empty")
    return cleaned, geom


def label_point(geom) -> tuple[float, float]:
    """The centroid, or a point surely inside when the centroid falls outside (a C- or L-shape)."""
    point = geom.centroid
    if not geom.contains(point):
        point = geom.point_on_surface()
    return round(point.x, DECIMALS), round(point.y, DECIMALS)


def _store(obj, boundary, centroid: tuple[float | None, float | None]):
    model = type(obj)
    now = timezone.now()
    fields = {
        "boundary": boundary,
        "centroid_lng": centroid[0],
        "centroid_lat": centroid[1],
    }
    with transaction.atomic():
        if obj.pk is None:
            for name, value in fields.items():
                setattr(obj, name, value)
            obj.geometry_version = (obj.geometry_version or 0) + 1
            obj.save()
        else:
            # F() bumps the version in the database, so two concurrent edits both count.
            updated = model.objects.filter(pk=obj.pk).update(
                **fields, geometry_version=F("geometry_version") + 1, updated_at=now
            )
            if not updated:
                raise model.DoesNotExist(f"{model.__name__} {obj.pk} no longer exists")
            for name, value in fields.items():
                setattr(obj, name, value)
            obj.updated_at = now
            obj.geometry_version = model.objects.values_list("geometry_version", flat=True).get(pk=obj.pk)
    # This process sees the change on its next lookup; other processes within their check interval.
    from doorstep.territory.locate import invalidate

    invalidate()
    transaction.on_commit(invalidate)  # inside an outer transaction: again once others can see it
    return obj


def set_boundary(obj, geojson, *, system: str = WGS84):
    """Set or replace the boundary of a Region or Grid; nothing is saved if the input is bad.

    `system` is the coordinate system the GeoJSON is in; it is stored as WGS-84.
    """
    boundary, geom = clean_boundary(geojson, system)
    return _store(obj, boundary, label_point(geom))


def clear_boundary(obj):
    """Remove a boundary (and the centroid computed from it): lookups fall back to the parent."""
    return _store(obj, None, (None, None))


def boundary_shape(boundary) -> shapely.Geometry | None:
    """The shapely geometry of a stored boundary, None if there is none or it cannot be read.

    Stored boundaries normally come through set_boundary; anything else (a hand edit in the
    admin, an old import) is repaired with make_valid rather than breaking lookups.
    """
    if not boundary:
        return None
    try:
        geom = shape(boundary)
    except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.ShapelyError):
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if geom.is_empty or geom.area <= 0:
        return None
    return geom
