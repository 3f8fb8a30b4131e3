"""Synthetic, properly nested boundaries: each level is cut from its parent's rectangle.

Children are cells of their parent shrunk by a gap, so they lie strictly inside it and never
touch each other; a point on a boundary is never claimed twice. Compounds get a cut corner so
that maps do not show only rectangles. All coordinates are WGS-84 degrees.
"""

from __future__ import annotations

import math

Rect = tuple[float, float, float, float]  # west, south, east, north

DIGITS = 6  # ≈ 0.1 m


def square(center: tuple[float, float], half: float) -> Rect:
    lng, lat = center
    return (lng - half, lat - half, lng + half, lat + half)


def shrink(rect: Rect, frac: float) -> Rect:
    w, s, e, n = rect
    dx, dy = (e - w) * frac, (n - s) * frac
    return (w + dx, s + dy, e - dx, n - dy)


def grid_cells(rect: Rect, count: int, gap: float = 0.04) -> list[Rect]:
    """`count` cells in rows and columns, top-left first, each shrunk by `gap` of its size."""
    if count <= 0:
        return []
    cols = math.ceil(math.sqrt(count))
    rows = math.ceil(count / cols)
    w, s, e, n = rect
    cw, ch = (e - w) / cols, (n - s) / rows
    cells = []
    for i in range(count):
        r, c = divmod(i, cols)
        cell = (w + c * cw, n - (r + 1) * ch, w + (c + 1) * cw, n - r * ch)
        cells.append(shrink(cell, gap))
    return cells


def columns(rect: Rect, count: int, gap: float = 0.03) -> list[Rect]:
    w, s, e, n = rect
    cw = (e - w) / count
    return [shrink((w + i * cw, s, w + (i + 1) * cw, n), gap) for i in range(count)]


def rows(rect: Rect, count: int, gap: float = 0.1) -> list[Rect]:
    w, s, e, n = rect
    ch = (n - s) / count
    return [shrink((w, n - (i + 1) * ch, e, n - i * ch), gap) for i in range(count)]


def split_band(rect: Rect, bottom: float) -> tuple[Rect, Rect]:
    """The rectangle cut in a top part and a bottom band `bottom` of its height, with a gap."""
    w, s, e, n = rect
    h = n - s
    return (w, s + h * (bottom + 0.04), e, n), (w, s, e, s + h * bottom)


def center(rect: Rect) -> tuple[float, float]:
    w, s, e, n = rect
    return (round((w + e) / 2, DIGITS), round((s + n) / 2, DIGITS))


def _ring(points) -> list[list[float]]:
    ring = [[round(x, DIGITS), round(y, DIGITS)] for x, y in points]
    return [*ring, ring[0]]


def polygon(rect: Rect) -> dict:
    w, s, e, n = rect
    return {"type": "Polygon", "coordinates": [_ring([(w, s), (e, s), (e, n), (w, n)])]}


def cut_corner(rect: Rect, corner: int, frac: float = 0.3) -> dict:
    """A pentagon: the rectangle with one corner (0–3, counter-clockwise from south-west) cut."""
    w, s, e, n = rect
    dx, dy = (e - w) * frac, (n - s) * frac
    corners = [(w, s), (e, s), (e, n), (w, n)]
    points = []
    for i, (x, y) in enumerate(corners):
        if i != corner % 4:
            points.append((x, y))
            continue
        # Replace the corner by two points on its edges (keeping counter-clockwise order).
        before = corners[i - 1]
        after = corners[(i + 1) % 4]
        points.append(
            (
                x + math.copysign(dx, before[0] - x) if before[0] != x else x,
                y + math.copysign(dy, before[1] - y) if before[1] != y else y,
            )
        )
        points.append(
            (
                x + math.copysign(dx, after[0] - x) if after[0] != x else x,
                y + math.copysign(dy, after[1] - y) if after[1] != y else y,
            )
        )
    return {"type": "Polygon", "coordinates": [_ring(points)]}


def polygon_centroid(geojson: dict) -> tuple[float, float]:
    """Area centroid of a simple polygon's outer ring (shoelace formula)."""
    ring = geojson["coordinates"][0]
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    a *= 0.5
    return (round(cx / (6 * a), DIGITS), round(cy / (6 * a), DIGITS))


def points_in(rect: Rect, count: int) -> list[tuple[float, float]]:
    """`count` well-spread points inside a rectangle (building positions)."""
    return [center(c) for c in grid_cells(shrink(rect, 0.2), count, gap=0.0)]
