"""Coordinate systems: WGS-84 (GPS, OpenStreetMap, Tianditu), GCJ-02 (AMap, Tencent, most phone
map pickers) and BD-09 (Baidu).

doorstep stores WGS-84 and converts at the boundary (`../shared/domain/geo.md`). The forward
WGS-84 → GCJ-02 offset is the public algorithm; it has no closed-form inverse, so GCJ-02 → WGS-84
is solved by fixed-point iteration until the round trip agrees to well under a millimetre (the
one-step inverse many libraries use is off by a metre or more). Points outside the China bounding box
carry no offset and pass through every conversion unchanged, as they do in the map SDKs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

WGS84 = "wgs84"
GCJ02 = "gcj02"
BD09 = "bd09"
SYSTEMS = (WGS84, GCJ02, BD09)
SYSTEM_LABELS = {
    WGS84: _("WGS-84 (GPS, Tianditu, OpenStreetMap)"),
    GCJ02: _("GCJ-02 (AMap, Tencent)"),
    BD09: _("BD-09 (Baidu)"),
}

_A = 6378245.0  # Krasovsky 1940 semi-major axis
_EE = 0.00669342162296594323  # eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0  # BD-09 constant (not plain pi: a known bug in some libraries)

# GCJ-02 → WGS-84 stops when the forward offset of the estimate reproduces the input to this many
# degrees (1e-9° ≈ 0.1 mm); the offset's derivative is tiny, so it takes 3–5 steps.
_INVERSE_TOLERANCE = 1e-9
_INVERSE_MAX_STEPS = 30


def out_of_china(lng: float, lat: float) -> bool:
    """True where the GCJ-02 offset does not apply (the bounding box the map SDKs use)."""
    return not (73.66 < lng < 135.05 and 3.86 < lat < 53.55)


def _offset(lng: float, lat: float) -> tuple[float, float]:
    """The GCJ-02 offset (Δlng, Δlat) in degrees at a WGS-84 point, regardless of the China box."""
    x, y = lng - 105.0, lat - 35.0
    shared = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * math.sqrt(abs(x))
        + shared
        + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
        + (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    )
    dlng = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * math.sqrt(abs(x))
        + shared
        + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
        + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )
    radlat = lat / 180.0 * math.pi
    magic = 1.0 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlng = (dlng * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return dlng, dlat


def wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    if out_of_china(lng, lat):
        return lng, lat
    dlng, dlat = _offset(lng, lat)
    return lng + dlng, lat + dlat


def gcj02_to_wgs84(lng: float, lat: float) -> tuple[float, float]:
    """Iterate w ← g − offset(w) until wgs84_to_gcj02(w) is within ~0.1 mm of g."""
    if out_of_china(lng, lat):
        return lng, lat
    wlng, wlat = lng, lat
    for _step in range(_INVERSE_MAX_STEPS):
        dlng, dlat = _offset(wlng, wlat)
        err_lng, err_lat = wlng + dlng - lng, wlat + dlat - lat
        if abs(err_lng) < _INVERSE_TOLERANCE and abs(err_lat) < _INVERSE_TOLERANCE:
            break
        wlng, wlat = wlng - err_lng, wlat - err_lat
    return wlng, wlat


def gcj02_to_bd09(lng: float, lat: float) -> tuple[float, float]:
    z = math.sqrt(lng * lng + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def bd09_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    """The published inverse of gcj02_to_bd09: one step, its round trip is within ~0.2 m in China."""
    x, y = lng - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.cos(theta), z * math.sin(theta)


def _check_system(system: str) -> str:
    if system not in SYSTEMS:
        raise ValueError(f"unknown coordinate system {system!r}; expected one of {', '.join(SYSTEMS)}")
    return system


def to_wgs84(lng: float, lat: float, system: str) -> tuple[float, float]:
    """A point given in `system` as WGS-84; outside China every system is WGS-84."""
    if _check_system(system) == WGS84 or out_of_china(lng, lat):
        return float(lng), float(lat)
    if system == BD09:
        lng, lat = bd09_to_gcj02(lng, lat)
    return gcj02_to_wgs84(lng, lat)


def from_wgs84(lng: float, lat: float, system: str) -> tuple[float, float]:
    """A WGS-84 point as `system` (for drawing on that system's map); unchanged outside China."""
    if _check_system(system) == WGS84 or out_of_china(lng, lat):
        return float(lng), float(lat)
    lng, lat = wgs84_to_gcj02(lng, lat)
    return gcj02_to_bd09(lng, lat) if system == BD09 else (lng, lat)


def convert(lng: float, lat: float, src: str, dst: str) -> tuple[float, float]:
    """Convert between any two of "wgs84", "gcj02", "bd09"; points outside China pass unchanged.

    GCJ-02 ↔ BD-09 goes directly (the published formulas, matching the map SDKs), the rest through
    WGS-84.
    """
    _check_system(src)
    _check_system(dst)
    if src == dst or out_of_china(lng, lat):
        return float(lng), float(lat)
    if (src, dst) == (GCJ02, BD09):
        return gcj02_to_bd09(lng, lat)
    if (src, dst) == (BD09, GCJ02):
        return bd09_to_gcj02(lng, lat)
    return from_wgs84(*to_wgs84(lng, lat, src), dst)


def distance_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius): for tolerances and nearness."""
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(min(1.0, h)))


@dataclass(frozen=True)
class Point:
    """A validated point: `lng`/`lat` in WGS-84, plus the system and numbers it was given in."""

    lng: float
    lat: float
    system: str = WGS84
    input_lng: float | None = None
    input_lat: float | None = None

    def as_system(self, system: str) -> tuple[float, float]:
        return from_wgs84(self.lng, self.lat, system)


def _number(value, label) -> float:
    if isinstance(value, bool):
        raise ValidationError(_("%(label)s must be a number"), code="invalid", params={"label": label})
    if isinstance(value, str):
        value = value.strip()
    if isinstance(value, Real):
        number = float(value)
    else:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationError(
                _("%(label)s must be a number"), code="invalid", params={"label": label}
            ) from None
    if not math.isfinite(number):
        raise ValidationError(_("%(label)s must be a finite number"), code="invalid", params={"label": label})
    return number


def parse_point(lng, lat, system: str | None = WGS84) -> Point:
    """Validate user input (form fields, API, command line) and convert it to WGS-84.

    Accepts numbers or numeric strings; rejects NaN/∞, out-of-range values and unknown systems
    with a translated ValidationError (several problems are reported together).
    """
    errors = []
    given = str(system or WGS84).strip()
    system = given.lower().replace("-", "").replace("_", "")
    if system not in SYSTEMS:
        errors.append(
            ValidationError(
                _("Unknown coordinate system “%(system)s”: use wgs84, gcj02 or bd09"),
                code="system",
                params={"system": given},
            )
        )
    numbers = {}
    for key, value, label, limit in (
        ("lng", lng, _("Longitude"), 180.0),
        ("lat", lat, _("Latitude"), 90.0),
    ):
        try:
            number = _number(value, label)
        except ValidationError as exc:
            errors.append(exc)
            continue
        if not -limit <= number <= limit:
            message = (
                _("Longitude must be between -180 and 180")
                if key == "lng"
                else _("Latitude must be between -90 and 90")
            )
            errors.append(ValidationError(message, code="range"))
            continue
        numbers[key] = number
    if errors:
        raise ValidationError(errors)
    wlng, wlat = to_wgs84(numbers["lng"], numbers["lat"], system)
    return Point(lng=wlng, lat=wlat, system=system, input_lng=numbers["lng"], input_lat=numbers["lat"])
