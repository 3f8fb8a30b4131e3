"""Point location at seed scale: STRtree index vs a brute-force scan, measured in the same run.

    .venv/bin/python bench/locate.py [--points 20000] [--brute-points 400] [--synthetic] [--seed 1]

The city is the Yichun seed scale: `doorstep demo --scale seed` when that command exists and
works, otherwise a synthetic city built here with the same counts (10 counties, 45
subdistricts/towns, 404 communities, 1,925 community grids + 682 dedicated grids, ~3,000
compounds, all with polygons of realistic vertex counts). It runs in a throw-away SQLite file.

Printed: lookups per second for `locate()` (WGS-84 and GCJ-02 input), for a brute-force scan
(`covers` over every polygon, the naive approach) and for a vectorised brute force
(`shapely.intersects_xy` over all polygons at once, the best one can do without an index), with
ratios; the cost of building the index, of the periodic change check, and of the first lookup
after a boundary change (which rebuilds the index). Never fails on time; it does fail if the
index and the brute force disagree about a point.
"""

import argparse
import io
import math
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DOORSTEP_DATA_DIR"] = tempfile.mkdtemp(prefix="doorstep-bench-locate-")
os.environ.pop("DOORSTEP_DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
import shapely  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from doorstep.core.coords import from_wgs84  # noqa: E402
from doorstep.territory import locate as loc  # noqa: E402
from doorstep.territory.geometry import boundary_shape, set_boundary  # noqa: E402
from doorstep.territory.models import Grid, Region  # noqa: E402

L = Region.Level
CITY_BOX = (113.9, 27.3, 116.0, 28.6)  # roughly Yichun's extent, WGS-84
COUNTY_SUBDISTRICTS = [5, 5, 5, 5, 5, 4, 4, 4, 4, 4]  # 45
COMMUNITIES = 404
COMMUNITY_GRIDS = 1925
DEDICATED_GRIDS = 682
COMPOUNDS_PER_COMMUNITY = (5, 10)  # ~3,000 in all
# Vertices per edge of a tile: real boundaries are wiggly; vertex count is what a scan pays for.
EDGE_VERTICES = {L.CITY: 200, L.COUNTY: 100, L.SUBDISTRICT: 50, L.COMMUNITY: 20, "grid": 10, L.COMPOUND: 3}


def tiles(box, n):
    """Split a box into at least n near-square cells, return the first n (row by row)."""
    x0, y0, x1, y1 = box
    cols = max(1, round(math.sqrt(n * (x1 - x0) / (y1 - y0))))
    rows = math.ceil(n / cols)
    w, h = (x1 - x0) / cols, (y1 - y0) / rows
    cells = [
        (x0 + c * w, y0 + r * h, x0 + (c + 1) * w, y0 + (r + 1) * h) for r in range(rows) for c in range(cols)
    ]
    return cells[:n]


def shrink(box, f):
    x0, y0, x1, y1 = box
    dx, dy = (x1 - x0) * f, (y1 - y0) * f
    return (x0 + dx, y0 + dy, x1 - dx, y1 - dy)


def wiggly(box, per_edge, rng):
    """A rectangle whose edges carry per_edge vertices each, nudged perpendicular (never crossing)."""
    x0, y0, x1, y1 = box
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    ring = []
    for (ax, ay), (bx, by) in zip(corners, corners[1:], strict=False):
        length = math.hypot(bx - ax, by - ay)
        nx, ny = -(by - ay) / length, (bx - ax) / length
        step = length / per_edge
        ring.append([ax, ay])
        for i in range(1, per_edge):
            t = i / per_edge
            d = rng.uniform(-0.25, 0.25) * step
            ring.append([ax + (bx - ax) * t + nx * d, ay + (by - ay) * t + ny * d])
    ring.append(ring[0])
    geojson = {"type": "Polygon", "coordinates": [ring]}
    geom = shapely.geometry.shape(geojson)
    if not geom.is_valid:  # cannot happen with these nudges, but never store a broken polygon
        geojson = {"type": "Polygon", "coordinates": [[list(c) for c in corners]]}
        geom = shapely.geometry.shape(geojson)
    return geojson, geom


def synthetic_city(rng):
    """Nested tiles: city ⊃ counties ⊃ subdistricts ⊃ communities ⊃ grids, compounds; bulk inserted."""

    def make(items, model=Region):
        objs = model.objects.bulk_create(items, batch_size=1000)
        return objs

    def region(name, level, parent, box, code):
        geojson, geom = wiggly(box, EDGE_VERTICES[level], rng)
        c = geom.centroid
        return Region(
            name=name,
            level=level,
            parent=parent,
            code=code,
            boundary=geojson,
            centroid_lng=c.x,
            centroid_lat=c.y,
        )

    with transaction.atomic():
        (city,) = make([region("宜春市", L.CITY, None, CITY_BOX, "360900")])
        county_boxes = tiles(shrink(CITY_BOX, 0.01), len(COUNTY_SUBDISTRICTS))
        counties = make(
            [
                region(f"县区{i + 1}", L.COUNTY, city, shrink(b, 0.01), f"3609{i + 1:02d}")
                for i, b in enumerate(county_boxes)
            ]
        )
        subs, sub_boxes = [], []
        for county, box, k in zip(counties, county_boxes, COUNTY_SUBDISTRICTS, strict=True):
            for j, b in enumerate(tiles(shrink(box, 0.02), k + 1)[:k]):  # one cell left without subdistrict
                subs.append(
                    region(
                        f"{county.name}街道{j + 1}",
                        L.SUBDISTRICT,
                        county,
                        shrink(b, 0.02),
                        f"{county.code}{j + 1:03d}",
                    )
                )
                sub_boxes.append(b)
        subs = make(subs)
        per_sub = [
            COMMUNITIES // len(subs) + (1 if i < COMMUNITIES % len(subs) else 0) for i in range(len(subs))
        ]
        coms, com_boxes = [], []
        for sub, box, k in zip(subs, sub_boxes, per_sub, strict=True):
            for j, b in enumerate(tiles(shrink(box, 0.03), k)):
                coms.append(
                    region(
                        f"{sub.name}社区{j + 1}", L.COMMUNITY, sub, shrink(b, 0.03), f"{sub.code}{j + 1:03d}"
                    )
                )
                com_boxes.append(shrink(b, 0.03))
        coms = make(coms)
        compounds, grids = [], []
        extra_grid = COMMUNITY_GRIDS - 4 * len(coms)
        for i, (com, box) in enumerate(zip(coms, com_boxes, strict=True)):
            n_grids = 5 if i < extra_grid else 4
            for j, b in enumerate(tiles(box, n_grids)):
                geojson, geom = wiggly(shrink(b, 0.01), EDGE_VERTICES["grid"], rng)
                grids.append(
                    Grid(
                        code=f"{com.code}{j + 1:03d}",
                        name=f"{com.name}网格{j + 1}",
                        community=com,
                        boundary=geojson,
                        centroid_lng=geom.centroid.x,
                        centroid_lat=geom.centroid.y,
                    )
                )
            n_compounds = rng.randint(*COMPOUNDS_PER_COMMUNITY)
            for j, b in enumerate(tiles(box, 12)[:n_compounds]):  # some cells stay compound-free
                compounds.append(
                    region(
                        f"{com.name}小区{j + 1}", L.COMPOUND, com, shrink(b, 0.12), f"{com.code}C{j + 1:02d}"
                    )
                )
        for d in range(DEDICATED_GRIDS):
            i = rng.randrange(len(coms))
            x0, y0, x1, y1 = com_boxes[i]
            w, h = (x1 - x0) * 0.1, (y1 - y0) * 0.1
            x, y = rng.uniform(x0, x1 - w), rng.uniform(y0, y1 - h)
            geojson, geom = wiggly((x, y, x + w, y + h), EDGE_VERTICES["grid"], rng)
            grids.append(
                Grid(
                    code=f"D{d + 1:05d}",
                    name=f"专属网格{d + 1}",
                    kind=rng.choice(["school", "hospital", "market", "enterprise"]),
                    community=coms[i],
                    boundary=geojson,
                    centroid_lng=geom.centroid.x,
                    centroid_lat=geom.centroid.y,
                )
            )
        make(compounds)
        make(grids, Grid)


def build_city(force_synthetic, rng):
    started = time.perf_counter()
    source = "synthetic (built by this bench)"
    if not force_synthetic:
        try:
            call_command("demo", scale="seed", verbosity=0, stdout=io.StringIO())
            if Region.objects.filter(level=L.COMPOUND, boundary__isnull=False).count() >= 100:
                source = "doorstep demo --scale seed"
            else:
                print("note: the demo city has too few compound polygons; using a synthetic city")
                call_command("flush", interactive=False, verbosity=0)
        except Exception as exc:  # the demo builder may not exist yet or may fail: say so, carry on
            print(
                f"note: `doorstep demo --scale seed` unavailable ({type(exc).__name__}: {exc}); using a synthetic city"
            )
            call_command("flush", interactive=False, verbosity=0)
    if source.startswith("synthetic"):
        synthetic_city(rng)
    return source, time.perf_counter() - started


def sample_points(n, rng):
    """Mostly where people are (in compound and community boxes), some anywhere in the city's extent,
    one in ten north of it (outside)."""
    compounds = list(
        Region.objects.filter(level=L.COMPOUND)
        .filter(boundary__isnull=False)
        .values_list("boundary", flat=True)
    )
    communities = list(
        Region.objects.filter(level=L.COMMUNITY)
        .filter(boundary__isnull=False)
        .values_list("boundary", flat=True)
    )
    boxes = [shapely.bounds(boundary_shape(b)) for b in compounds + communities]
    x0, y0, x1, y1 = shapely.total_bounds(loc.index().snapshot().geoms)
    points = []
    for i in range(n):
        if i % 10 < 7 and boxes:
            bx0, by0, bx1, by1 = boxes[rng.randrange(len(boxes))]
            points.append((rng.uniform(bx0, bx1), rng.uniform(by0, by1)))
        elif i % 10 < 9:
            points.append((rng.uniform(x0, x1), rng.uniform(y0, y1)))
        else:
            points.append((rng.uniform(x0 - 1, x1 + 1), rng.uniform(y1 + 0.1, y1 + 1)))
    return points


def rate(fn, points, min_seconds=0.0):
    """Lookups per second over the points (repeated until min_seconds have passed)."""
    count, started = 0, time.perf_counter()
    while True:
        for p in points:
            fn(*p)
        count += len(points)
        elapsed = time.perf_counter() - started
        if elapsed >= min_seconds:
            return count / elapsed


def brute_force_table(snap):
    """Every polygon, unprepared and unindexed, as the naive implementation would hold them."""
    fresh = [shapely.from_wkb(shapely.to_wkb(g)) for g in snap.geoms]  # not prepared
    return fresh, snap.levels.tolist(), snap.owners.tolist(), snap.areas.tolist()


def brute_locate(table, snap, lng, lat):
    """Same answer as locate() (finest region, tree for the rest, grid of that community first)."""
    geoms, levels, owners, areas = table
    point = shapely.Point(lng, lat)
    hits = [i for i, g in enumerate(geoms) if g.covers(point)]
    return resolve(snap, hits, levels, owners, areas)


def brute_vector_locate(table, snap, lng, lat):
    geoms = table[0]
    hits = np.flatnonzero(shapely.intersects_xy(snap_unprepared(geoms), lng, lat)).tolist()
    return resolve(snap, hits, *table[1:])


_unprepared = {}


def snap_unprepared(geoms):
    key = id(geoms)
    if key not in _unprepared:
        _unprepared[key] = np.array(geoms, dtype=object)
    return _unprepared[key]


def resolve(snap, hits, levels, owners, areas):
    hits = sorted(hits, key=lambda i: (areas[i], owners[i]))
    regions = {}
    grids = []
    for i in hits:
        if levels[i] == loc.GRID:
            grids.append(owners[i])
        else:
            regions.setdefault(levels[i], owners[i])
    found = {}
    if regions:
        rid = regions[max(regions)]
        while rid is not None:
            place, level, parent = snap.regions[rid]
            found.setdefault(level, place.id)
            rid = parent
    community = found.get(L.COMMUNITY)
    grid = next((g for g in grids if snap.grids[g][1] == community), grids[0] if grids else None)
    if grids and not found:
        rid = snap.grids[grid][1]
        while rid is not None:
            place, level, parent = snap.regions[rid]
            found.setdefault(level, place.id)
            rid = parent
    if grid is None and L.COMPOUND in found and snap.compound_grids.get(found[L.COMPOUND]):
        grid = snap.compound_grids[found[L.COMPOUND]][0]
    return found.get(L.COMPOUND), found.get(L.COMMUNITY), found.get(L.COUNTY), grid


def index_answer(lng, lat):
    r = loc.locate(lng, lat)
    return tuple(getattr(p, "id", None) for p in (r.compound, r.community, r.county, r.grid))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=20000)
    parser.add_argument("--brute-points", type=int, default=400)
    parser.add_argument("--synthetic", action="store_true", help="skip `doorstep demo --scale seed`")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    call_command("migrate", verbosity=0)
    source, seconds = build_city(args.synthetic, rng)
    counts = {label: Region.objects.filter(level=level).count() for level, label in loc.LEVEL_NAMES.items()}
    with_polygons = (
        Region.objects.filter(boundary__isnull=False).count()
        + Grid.objects.filter(boundary__isnull=False).count()
    )
    print(f"city: {source}, built in {seconds:.1f} s")
    print(
        "  "
        + ", ".join(f"{n} {label}" for label, n in counts.items())
        + f", {Grid.objects.filter(kind='residential').count()} community grids"
        + f" + {Grid.objects.exclude(kind='residential').count()} dedicated grids; {with_polygons} polygons"
    )

    index = loc.index()
    started = time.perf_counter()
    loc.locate(114.4, 27.8)
    snap = index.snapshot()
    vertices = int(shapely.get_num_coordinates(snap.geoms).sum())
    print(
        f"index build (cold, first lookup): {time.perf_counter() - started:.3f} s for {len(snap.geoms)} polygons, {vertices} vertices"
    )

    points = sample_points(args.points, rng)
    gcj_points = [from_wgs84(x, y, "gcj02") for x, y in points]
    brute_points = points[: args.brute_points]

    # Correctness first: the index and the brute force agree on every brute-force point.
    table = brute_force_table(snap)
    disagreements = [p for p in brute_points if index_answer(*p) != brute_locate(table, snap, *p)]
    inside = sum(1 for p in points[:2000] if loc.locate(*p).inside) / min(2000, len(points))
    print(
        f"agreement with brute force: {len(brute_points) - len(disagreements)}/{len(brute_points)} points; {inside:.0%} of points inside the territory"
    )

    strtree = rate(loc.locate, points)
    strtree_gcj = rate(lambda x, y: loc.locate(x, y, system="gcj02"), gcj_points)
    brute = rate(lambda x, y: brute_locate(table, snap, x, y), brute_points)
    vector = rate(lambda x, y: brute_vector_locate(table, snap, x, y), brute_points)
    print(f"locate() STRtree, WGS-84 input:   {strtree:10.0f} lookups/s  ({len(points)} points)")
    print(f"locate() STRtree, GCJ-02 input:   {strtree_gcj:10.0f} lookups/s  (incl. iterated GCJ→WGS)")
    print(f"brute force, covers() per polygon:{brute:10.0f} lookups/s  ({len(brute_points)} points)")
    print(f"brute force, vectorised:          {vector:10.0f} lookups/s")
    print(f"ratio STRtree / brute force:      {strtree / brute:10.0f}×")
    print(f"ratio STRtree / vectorised brute: {strtree / vector:10.1f}×")

    # The periodic change check (3 aggregate queries) when nothing changed.
    from django.conf import settings

    settings.LOCATE_CHECK_SECONDS = 0
    checked = rate(loc.locate, points[:500])
    settings.LOCATE_CHECK_SECONDS = loc.DEFAULT_CHECK_SECONDS
    print(f"lookup with a change check every time (worst case): {checked:8.0f} lookups/s")

    # A boundary change, then the next lookup (which rebuilds the index).
    compounds = list(Region.objects.filter(level=L.COMPOUND).filter(boundary__isnull=False)[:5])
    edits, firsts = [], []
    for compound in compounds:
        ring = compound.boundary["coordinates"][0]
        moved = {"type": "Polygon", "coordinates": [[[x + 0.0001, y] for x, y in ring]]}
        started = time.perf_counter()
        set_boundary(compound, moved)
        edits.append(time.perf_counter() - started)
        builds = index.builds
        started = time.perf_counter()
        answer = loc.locate(*ring[0])
        firsts.append(time.perf_counter() - started)
        assert index.builds == builds + 1, "the edit was not seen"
        del answer
    print(f"  (boundaries re-read on the last rebuild: {index.snapshot().reparsed}; the rest reused)")
    print(f"set_boundary: median {statistics.median(edits) * 1000:.1f} ms")
    print(
        f"first lookup after a boundary change (rebuild): median {statistics.median(firsts) * 1000:.0f} ms over {len(firsts)} edits"
    )
    print(f"lookup with a warm index: {1000 / strtree:.3f} ms")

    if disagreements:
        print(f"DISAGREEMENT on {len(disagreements)} points, e.g. {disagreements[:3]}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
