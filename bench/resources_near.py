"""Near me on 50,000 places and station coverage of the seed-scale city, each against a
brute-force scan measured in the same run.

    .venv/bin/python bench/resources_near.py [--places 50000] [--queries 400] [--brute-queries 40]
                                             [--skip-coverage] [--seed 1]

It runs in a throw-away SQLite file. Steps:

1. `doorstep demo --scale seed` builds the city (1,925 + 682 grids, ~3,000 compounds) with the
   demo places at the article's counts (476 red stations, 128 service stations …); coverage of
   every compound within 5/10/15 walking minutes is timed with `coverage()` (STRtree) and with
   `coverage_brute()` (every compound against every station), and the answers compared.
2. Generated places are added up to --places (at compound centres with up to ≈ 400 m of jitter,
   where stations are; two services each). `near()` (the (lat, lng) index reads the walking
   circle's box; exact distance in Python; services prefetched: two queries) is timed on random
   points near compounds against two baselines: a scan reading every place from the database per
   query (what a query without the index does), and a numpy scan over all places held in memory
   (the best an index-free in-process search can do). Answers are compared with the DB scan.

Prints figures and ratios; never fails on time (it does fail if the answers disagree).
"""

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DOORSTEP_DATA_DIR"] = tempfile.mkdtemp(prefix="doorstep-bench-resources-")
os.environ.pop("DOORSTEP_DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
os.environ.setdefault("DOORSTEP_DEBUG", "1")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from doorstep.resources import coverage as cov  # noqa: E402
from doorstep.resources import selectors, walking  # noqa: E402
from doorstep.resources.hours import every_day  # noqa: E402
from doorstep.resources.models import Place, Service  # noqa: E402
from doorstep.territory.models import Region  # noqa: E402

L = Region.Level
K = Place.Kind


def ms(seconds):
    return f"{seconds * 1000:.2f} ms"


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - started


def build_city():
    started = time.perf_counter()
    call_command("demo", scale="seed", verbosity=0, stdout=io.StringIO())
    return time.perf_counter() - started


def coverage_step():
    city = Region.objects.get(code="360900")
    stations = Place.objects.filter(kind__in=sorted(cov.STATION_KINDS)).count()
    fast, t_fast = timed(cov.coverage, city)
    fast2, t_fast2 = timed(cov.coverage, city)  # warm (subtree query cached by the database)
    slow, t_slow = timed(cov.coverage_brute, city)
    same = [(r.compound_id, r.place_id) for r in fast.rows] == [
        (r.compound_id, r.place_id) for r in slow.rows
    ]
    if not same or fast.counts() != slow.counts():
        raise SystemExit("coverage: the STRtree and the brute-force scan disagree")
    located = fast.compounds - fast.unlocated
    print(f"coverage of {fast.compounds:,} compounds ({located:,} located) by {stations:,} stations")
    for m in fast.circles:
        print(f"  within {m:>2} min: {fast.within(m):>6,}  ({fast.rate(m)} %)")
    print(f"  coverage() STRtree       {ms(t_fast)} (again: {ms(t_fast2)})")
    print(f"  coverage_brute() scan    {ms(t_slow)}")
    print(f"  ratio                    {t_slow / min(t_fast, t_fast2):.1f}× faster than the scan")


def generate_places(total, rng):
    have = Place.objects.count()
    compounds = list(
        Region.objects.filter(level=L.COMPOUND, centroid_lng__isnull=False).values_list(
            "pk", "centroid_lng", "centroid_lat"
        )
    )
    kinds = [K.RED_STATION, K.SERVICE_STATION, K.MICRO_POSITION, K.FRIENDLY_BUSINESS, K.PARLOUR]
    hours = every_day("08:00-20:00")
    rows = []
    for i in range(max(0, total - have)):
        pk, lng, lat = rng.choice(compounds)
        jlng, jlat = rng.gauss(0, 0.002), rng.gauss(0, 0.002)  # σ ≈ 200 m
        p_lng, p_lat = lng + jlng, lat + jlat
        rows.append(
            Place(
                kind=kinds[i % len(kinds)],
                name=f"生成阵地{i}",
                region_id=pk,
                lng=p_lng,
                lat=p_lat,
                input_lng=p_lng,
                input_lat=p_lat,
                input_system="wgs84",
                hours=hours,
                red_mark=i % len(kinds) == 0,
            )
        )
    started = time.perf_counter()
    with transaction.atomic():
        made = Place.objects.bulk_create(rows, batch_size=2000)
        Service.objects.bulk_create(
            [Service(place=p, name=n) for p in made for n in ("饮水休息", "志愿服务")], batch_size=5000
        )
    return len(made), time.perf_counter() - started, compounds


def db_scan(lng, lat, minutes):
    """No index: every place read from the database, distance computed for each."""
    found = []
    for pk, plng, plat in Place.objects.order_by().values_list("pk", "lng", "lat").iterator(chunk_size=5000):
        walk = walking.minutes_for(walking.distance_m(lng, lat, plng, plat))
        if walk <= minutes:
            found.append((walk, pk))
    return [pk for _w, pk in sorted(found)]


def numpy_scan_factory():
    ids, lngs, lats = (
        np.array(col) for col in zip(*Place.objects.order_by().values_list("pk", "lng", "lat"), strict=True)
    )

    def scan(lng, lat, minutes):
        metres = cov._haversine(np.full(len(lngs), lng), np.full(len(lats), lat), lngs, lats)
        walk = metres * walking.detour() / walking.speed()
        keep = np.flatnonzero(walk <= minutes)
        order = np.lexsort((ids[keep], walk[keep]))
        return ids[keep][order].tolist()

    return scan


def near_step(args, rng):
    made, t_made, compounds = generate_places(args.places, rng)
    total = Place.objects.count()
    print(f"\nnear me on {total:,} places ({made:,} generated in {t_made:.1f} s, two services each)")
    points = []
    for _ in range(args.queries):
        _pk, lng, lat = rng.choice(compounds)
        points.append((lng + rng.uniform(-0.004, 0.004), lat + rng.uniform(-0.004, 0.004)))
    selectors.near(*points[0])
    times, sizes, all_times = [], [], []
    for lng, lat in points:
        got, t = timed(selectors.near, lng, lat, 15, limit=30)
        times.append(t)
        sizes.append(got.total)
    for lng, lat in points[: args.brute_queries * 2]:
        _got, t = timed(selectors.near, lng, lat, 15)
        all_times.append(t)
    times.sort()
    p50, p95 = statistics.median(times), times[int(len(times) * 0.95) - 1]
    a50 = statistics.median(all_times)
    print(f"  places within 15 min: median {statistics.median(sizes):.0f}, max {max(sizes)}")
    print(
        f"  near(limit=30), services  p50 {ms(p50)}  p95 {ms(p95)}  ({len(times) / sum(times):,.0f}/s; page, API)"
    )
    print(f"  near() all, services      p50 {ms(a50)}")

    scan_times = []
    for lng, lat in points[: args.brute_queries]:
        expected, t = timed(db_scan, lng, lat, 15)
        scan_times.append(t)
        got = [r.place.pk for r in selectors.near(lng, lat, 15)]
        if got != expected:
            raise SystemExit(f"near(): disagrees with the scan at {lng}, {lat}")
    numpy_scan, t_load = timed(numpy_scan_factory)
    np_times = []
    for lng, lat in points:
        expected, t = timed(numpy_scan, lng, lat, 15)
        np_times.append(t)
    s50 = statistics.median(scan_times)
    n50 = statistics.median(np_times)
    print(
        f"  database scan (no index)  p50 {ms(s50)}  → near(limit=30) {s50 / p50:.0f}×, near() all {s50 / a50:.0f}×"
    )
    print(
        f"  numpy scan in memory      p50 {ms(n50)}  (load {ms(t_load)}; no services)  → near(limit=30) {n50 / p50:.2f}×"
    )
    print(f"  answers agree with the database scan on {min(len(points), args.brute_queries)} points")
    with connection.cursor() as cursor:
        x0, y0, x1, y1 = walking.box(*points[0], walking.reach_m(15))
        sql, params = (
            Place.objects.filter(lat__gte=y0, lat__lte=y1, lng__gte=x0, lng__lte=x1)
            .order_by()
            .values_list("pk", "lng", "lat")
            .query.sql_with_params()
        )
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " / ".join(str(row[-1]) for row in cursor.fetchall())
    print(f"  plan of the box query: {plan}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--places", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--brute-queries", type=int, default=40)
    parser.add_argument("--skip-coverage", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    call_command("migrate", verbosity=0)
    seconds = build_city()
    print(f"seed-scale city (doorstep demo --scale seed) built in {seconds:.1f} s")
    print(f"walking: {walking.speed():g} m/min, detour factor {walking.detour():g}")
    if not args.skip_coverage:
        coverage_step()
    near_step(args, rng)


if __name__ == "__main__":
    main()
