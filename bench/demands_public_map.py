"""The public map of reports with a million demands: one page of points per view (bounding box,
newest first, keyset paging) against loading every point in the view, measured in the same run.

    .venv/bin/python bench/demands_public_map.py [--demands 1000000] [--repeat 5] [--data-dir DIR]

Builds a throw-away SQLite city (one county, 100 compounds, two category classes) with
`--demands` reports spread over three years (most of them with a case in some status, a few hard
matters, duplicates and reports from outside), then prints the median time and query count of
`public.map_points` for views from the whole city down to a street, with filters and the second
page, the same through HTTP (`/demands/map/points.json`), and a reporter's "my reports" page.
The baseline is the naive endpoint: every public point of the district view, no limit. Never
fails on time.
"""

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
ap = argparse.ArgumentParser()
ap.add_argument("--demands", type=int, default=1_000_000)
ap.add_argument("--repeat", type=int, default=5)
ap.add_argument(
    "--data-dir",
    help="keep the built city here (and reuse it when run again); default: a temporary directory, removed",
)
ARGS = ap.parse_args()
DATA_DIR = ARGS.data_dir or tempfile.mkdtemp(prefix="doorstep-bench-map-")
os.environ["DOORSTEP_DATA_DIR"] = DATA_DIR
os.environ.pop("DOORSTEP_DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
os.environ.setdefault("DOORSTEP_ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from doorstep.core.models import User  # noqa: E402
from doorstep.demands import public  # noqa: E402
from doorstep.demands.models import Case, Category, Demand  # noqa: E402
from doorstep.territory.models import Region  # noqa: E402

L = Region.Level
CENTER = (114.40, 27.81)
HALF = 0.1  # the city spans about 20 km


def build(n: int, seed: int = 7) -> User:
    rng = random.Random(seed)
    city = Region.objects.create(
        name="宜春市", level=L.CITY, code="360900", centroid_lng=CENTER[0], centroid_lat=CENTER[1]
    )
    county = Region.objects.create(name="袁州区", level=L.COUNTY, code="360902", parent=city)
    community = Region.objects.create(name="宜阳社区", level=L.COMMUNITY, code="B-C1", parent=county)
    compounds = []
    for i in range(100):
        lng = CENTER[0] + rng.uniform(-HALF, HALF) * 0.8
        lat = CENTER[1] + rng.uniform(-HALF, HALF) * 0.8
        compounds.append(
            Region.objects.create(
                name=f"小区{i:03d}",
                level=L.COMPOUND,
                code=f"B-K{i:03d}",
                parent=community,
                centroid_lng=lng,
                centroid_lat=lat,
            )
        )
    majors = [
        Category.objects.create(code="B01", name="市容环境"),
        Category.objects.create(code="B05", name="街面秩序"),
    ]
    minors = [
        Category.objects.create(code="B0101", name="暴露垃圾", parent=majors[0]),
        Category.objects.create(code="B0102", name="道路不洁", parent=majors[0]),
        Category.objects.create(code="B0501", name="机动车乱停放", parent=majors[1]),
        Category.objects.create(code="B0502", name="商业噪音", parent=majors[1]),
    ]
    reporter = User.objects.create_user("bench-resident", password="pw-doorstep-1")
    with connection.cursor() as cursor:  # a throw-away file: no need to survive a crash
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA journal_mode=MEMORY")
    now = timezone.now()
    statuses = [s for s, _label in Case.Status.choices]
    batch = 20000
    t0 = time.perf_counter()
    made = 0
    while made < n:
        size = min(batch, n - made)
        demands, triages = [], []
        for j in range(size):
            k = made + j
            if rng.random() < 0.6:
                c = rng.choice(compounds)
                lng = c.centroid_lng + rng.uniform(-0.002, 0.002)
                lat = c.centroid_lat + rng.uniform(-0.002, 0.002)
                region = c
            else:
                lng = CENTER[0] + rng.uniform(-HALF, HALF)
                lat = CENTER[1] + rng.uniform(-HALF, HALF)
                region = community
            r = rng.random()
            triage = "small" if r < 0.9 else "hard" if r < 0.95 else "duplicate" if r < 0.98 else "outside"
            triages.append(triage)
            demands.append(
                Demand(
                    number=f"D{k:09d}",
                    channel="phone",
                    reporter_user=reporter if k % 5000 == 0 else None,
                    text="路边垃圾很多，没人清理",
                    lng=lng,
                    lat=lat,
                    region=region,
                    category=rng.choice(minors),
                    triage=triage,
                    received_at=now - timedelta(minutes=rng.randrange(3 * 365 * 24 * 60)),
                )
            )
        with transaction.atomic():
            Demand.objects.bulk_create(demands, batch_size=2000)
            cases = [
                Case(
                    demand_id=d.pk,
                    number=f"C{d.number[1:]}",
                    status=rng.choice(statuses),
                    category_id=d.category_id,
                    region_id=d.region_id,
                    received_at=d.received_at,
                    handle_due=d.received_at + timedelta(days=7),
                )
                for d, t in zip(demands, triages, strict=True)
                if t == "small"
            ]
            Case.objects.bulk_create(cases, batch_size=2000)
        made += size
        if made % 200_000 == 0 or made == n:
            print(f"  built {made:,} demands ({time.perf_counter() - t0:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")  # as the site runs it; no ANALYZE (nor does the site)
    return reporter


def measure(fn, repeat: int):
    times, queries = [], 0
    result = None
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t)
        queries = len(ctx.captured_queries)
    return statistics.median(times) * 1000, queries, result


def bbox(half_deg: float) -> public.BBox:
    return public.BBox(CENTER[0] - half_deg, CENTER[1] - half_deg, CENTER[0] + half_deg, CENTER[1] + half_deg)


def main():
    args = ARGS
    call_command("migrate", verbosity=0)
    have = Demand.objects.count()
    if have:
        print(f"database: {connection.vendor}; reusing the {have:,} demands in {DATA_DIR}")
        reporter = User.objects.get(username="bench-resident")
    else:
        print(f"database: {connection.vendor}; building {args.demands:,} demands …")
        reporter = build(args.demands)

    district = bbox(0.01)
    ms_base, q_base, all_points = measure(
        lambda: list(
            public.public_demands()
            .filter(
                lat__gte=district.min_lat,
                lat__lte=district.max_lat,
                lng__gte=district.min_lng,
                lng__lte=district.max_lng,
            )
            .values(
                "pk", "lat", "lng", "received_at", "triage", "case__status", "category__name", "region__name"
            )
        ),
        args.repeat,
    )
    print(
        f"\nbaseline: every public point of the district view (2 km): {len(all_points):,} points, "
        f"{ms_base:.1f} ms, {q_base} queries"
    )
    first = public.map_points(district)
    city = bbox(0.12)
    month = {"days": 30}  # what the map page asks first
    views = [
        ("whole city (20 km), last 30 days", lambda: public.map_points(city, **month)),
        ("whole city, any time", lambda: public.map_points(city)),
        ("whole city, closed, last 30 days", lambda: public.map_points(city, stage="closed", **month)),
        ("whole city, deliberation, any time", lambda: public.map_points(city, stage="deliberation")),
        ("whole city, category B05, any time", lambda: public.map_points(city, category="B05")),
        ("district (2 km), last 30 days", lambda: public.map_points(district, **month)),
        ("district, any time", lambda: public.map_points(district)),
        ("district, any time, second page", lambda: public.map_points(district, cursor=first.next_cursor)),
        ("street (300 m), any time", lambda: public.map_points(bbox(0.0015))),
        ("street, being handled, any time", lambda: public.map_points(bbox(0.0015), stage="handling")),
    ]
    print(f"\n{'view':40} {'points':>7} {'ms':>8} {'queries':>8} {'vs baseline':>12}")
    for label, fn in views:
        ms, q, page = measure(fn, args.repeat)
        print(f"{label:40} {len(page.points):7d} {ms:8.1f} {q:8d} {ms_base / ms:11.1f}×")

    client = Client()
    url = (
        f"/demands/map/points.json?days=30&bbox={district.min_lng},{district.min_lat},"
        f"{district.max_lng},{district.max_lat}"
    )
    ms, q, response = measure(lambda: client.get(url), args.repeat)
    print(
        f"\nHTTP {url[:40]}… {response.status_code}: {ms:.1f} ms, {q} queries, {len(response.content):,} bytes"
    )
    client.force_login(reporter)
    mine = Demand.objects.filter(reporter_user=reporter).count()
    ms, q, response = measure(lambda: client.get("/demands/mine/"), args.repeat)
    print(f"HTTP /demands/mine/ ({mine} reports, 20 a page) {response.status_code}: {ms:.1f} ms, {q} queries")


if __name__ == "__main__":
    try:
        main()
    finally:
        if not ARGS.data_dir:
            shutil.rmtree(DATA_DIR, ignore_errors=True)
