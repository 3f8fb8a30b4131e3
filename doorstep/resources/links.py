"""Directions links: no remote scripts, just URIs the phone opens in its map app.

- `geo:` (RFC 5870) takes WGS-84.
- AMap's URI API takes GCJ-02 (`coordinate=gaode`): the point is converted from WGS-84 here.
- Tianditu uses CGCS2000, which equals WGS-84 for this purpose (geo.md).
"""

from urllib.parse import quote, urlencode

from doorstep.core.coords import GCJ02, from_wgs84


def geo_uri(lng: float, lat: float, name: str = "") -> str:
    uri = f"geo:{lat:.6f},{lng:.6f}"
    if name:
        uri += f"?q={lat:.6f},{lng:.6f}({quote(name)})"
    return uri


def amap_uri(lng: float, lat: float, name: str = "") -> str:
    """Walking directions in AMap to the place (GCJ-02 coordinates)."""
    glng, glat = from_wgs84(lng, lat, GCJ02)
    to = f"{glng:.6f},{glat:.6f},{name}"
    query = urlencode({"to": to, "mode": "walk", "coordinate": "gaode", "callnative": "1", "src": "doorstep"})
    return f"https://uri.amap.com/navigation?{query}"


def tianditu_uri(lng: float, lat: float) -> str:
    """The place on Tianditu's web map (CGCS2000 = WGS-84 here)."""
    return f"https://map.tianditu.gov.cn/?lng={lng:.6f}&lat={lat:.6f}&zoom=17"
