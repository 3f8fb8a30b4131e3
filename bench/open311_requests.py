"""Open311 at the seed scale: GET requests.json with 1,000 items and POST requests.json
throughput, each against a bare Django endpoint measured in the same run.

    .venv/bin/python bench/open311_requests.py [--scale seed|demo] [--posts 1000] [--repeat 10]

Builds the Yichun demo city (`--scale seed`: the article's 1,925 grids and ~3,000 compounds) in
a throw-away SQLite file and makes an API key for 袁州区 (360902). Then, in process through
Django's full request handling (middleware included, `django.test.Client`):

1. POST requests.json: `--posts` form-encoded requests at random compounds of 袁州区 with texts
   of the labelled set and a random service (each becomes a Demand through submit_demand:
   locate, categorise, repeat check, case opened, key checked, rate counted, use logged),
   against a bare view that reads the same form and answers a constant JSON;
2. GET requests.json?jurisdiction_id=360902 (1,000 items, the spec's maximum), also with
   extensions=true and as XML: time and queries, against a bare view answering the same 1,000
   rows as pre-built JSON (what Django and the bytes cost with no reading at all).

Prints figures and ratios; never fails on time.
"""

import argparse
import io
import json
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import types
from contextlib import redirect_stdout
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("--scale", choices=["seed", "demo"], default="seed")
ap.add_argument("--posts", type=int, default=1000, help="POST requests to time (at least 1,000 for the GET)")
ap.add_argument("--repeat", type=int, default=10, help="timed GETs of each kind")
ap.add_argument("--keep", action="store_true", help="keep the database directory")
args = ap.parse_args()

DATA_DIR = Path(tempfile.mkdtemp(prefix="doorstep-bench-open311-"))
os.environ["DOORSTEP_DATA_DIR"] = str(DATA_DIR)
os.environ.pop("DOORSTEP_DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
os.environ.setdefault("DOORSTEP_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import clear_url_caches, include, path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

from doorstep.demands.models import Category, Demand  # noqa: E402
from doorstep.open311 import keys  # noqa: E402
from doorstep.territory.models import Region  # noqa: E402
from doorstep.territory.selectors import subtree_ids  # noqa: E402

BARE_ROWS: list[bytes] = [b"[]"]


@csrf_exempt
def bare_post(request):
    """Reads the form like the real endpoint must, answers a constant list of one."""
    _fields = {k: request.POST.get(k) for k in request.POST}
    return JsonResponse(
        [{"service_request_id": "20260101-0001", "service_notice": "", "account_id": ""}], safe=False
    )


def bare_get(request):
    return HttpResponse(BARE_ROWS[0], content_type="application/json; charset=utf-8")


urls = types.ModuleType("bench_open311_urls")
urls.urlpatterns = [
    path("bench/bare/post", bare_post),
    path("bench/bare/get", bare_get),
    path("", include("doorstep.urls")),
]
sys.modules["bench_open311_urls"] = urls
settings.ROOT_URLCONF = "bench_open311_urls"
clear_url_caches()


def say(*parts):
    print(*parts, flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round((len(values) - 1) * q)))]


def timed(fn, n):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def main():
    logging.getLogger("doorstep.notify").setLevel(logging.ERROR)  # no SMS gateway: one warning each
    started = time.perf_counter()
    say(f"Database: {DATA_DIR / 'doorstep.sqlite3'}")
    call_command("migrate", verbosity=0)
    from doorstep.territory.demo import build_demo

    with redirect_stdout(io.StringIO()):
        build_demo(args.scale)
    if not Category.objects.filter(parent__isnull=False).exists():
        from doorstep.demands.categories import seed_categories

        seed_categories()
    county = Region.objects.get(code="360902")
    ids = subtree_ids(county)
    compounds = list(
        Region.objects.filter(
            pk__in=ids, level=Region.Level.COMPOUND, centroid_lng__isnull=False
        ).values_list("centroid_lng", "centroid_lat")
    )
    say(
        f"Demo city ({args.scale} scale): {Region.objects.count():,} regions, {len(compounds):,} compounds "
        f"in 袁州区, built in {time.perf_counter() - started:.0f} s"
    )
    _key, raw = keys.create_key(name="bench", jurisdictions=["360902"], rate_per_minute=10**9)
    from doorstep.demands.demo import labelled_texts

    texts = [t for pool in labelled_texts().values() for t in pool if 8 <= len(t) <= 2000] or [
        "小区路灯坏了好几天"
    ]
    codes = [c["service_code"] for c in json.loads(Client().get("/open311/v2/services.json").content)]
    rng = random.Random(7)
    client = Client()

    def form():
        lng, lat = rng.choice(compounds)
        return urlencode(
            {
                "api_key": raw,
                "jurisdiction_id": "360902",
                "service_code": rng.choice(codes),
                "lat": f"{lat + rng.uniform(-0.0002, 0.0002):.6f}",
                "long": f"{lng + rng.uniform(-0.0002, 0.0002):.6f}",
                "description": rng.choice(texts),
                "phone": f"139{rng.randrange(10**8):08d}",
            }
        )

    ctype = "application/x-www-form-urlencoded"
    say("")
    say(f"1. POST requests.json: {args.posts:,} form-encoded requests at random compounds of 袁州区")
    for _ in range(5):  # warm up (location index, suggestion model)
        client.post("/open311/v2/requests.json", form(), content_type=ctype)
        client.post("/bench/bare/post", form(), content_type=ctype)
    bodies = [form() for _ in range(args.posts)]
    statuses: dict[int, int] = {}
    post_times = []
    t_all = time.perf_counter()
    per_post = []
    for body in bodies:
        connection.queries_log.clear()  # it keeps 9,000 at most
        with CaptureQueriesContext(connection) as q:
            t = time.perf_counter()
            r = client.post("/open311/v2/requests.json", body, content_type=ctype)
            post_times.append(time.perf_counter() - t)
        per_post.append(len(q.captured_queries))
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
    post_total = time.perf_counter() - t_all
    bare_times = []
    t_all = time.perf_counter()
    for body in bodies:
        t = time.perf_counter()
        client.post("/bench/bare/post", body, content_type=ctype)
        bare_times.append(time.perf_counter() - t)
    bare_total = time.perf_counter() - t_all
    post_rate, bare_rate = len(bodies) / post_total, len(bodies) / bare_total
    say(
        f"   statuses: {dict(sorted(statuses.items()))}  queries per POST: {statistics.median(per_post):.0f} (median), {max(per_post)} (max)"
    )
    say(
        f"   Open311 POST  {post_rate:8.1f} req/s   p50 {ms(pct(post_times, 0.5))}  p95 {ms(pct(post_times, 0.95))}"
    )
    say(
        f"   bare POST     {bare_rate:8.1f} req/s   p50 {ms(pct(bare_times, 0.5))}  p95 {ms(pct(bare_times, 0.95))}"
    )
    say(
        f"   ratio Open311 / bare requests per second: {post_rate / bare_rate:.3f} (1 : {bare_rate / post_rate:.0f})"
    )

    say("")
    listed = Demand.objects.filter(region_id__in=ids).count()
    say(
        f"2. GET requests.json?jurisdiction_id=360902 ({listed:,} demands in 袁州区; the spec's 1,000 per answer)"
    )
    results = {}
    for label, query in (
        ("JSON", "requests.json?jurisdiction_id=360902"),
        ("JSON extensions", "requests.json?jurisdiction_id=360902&extensions=true"),
        ("XML", "requests.xml?jurisdiction_id=360902"),
    ):
        address = f"/open311/v2/{query}"
        first = client.get(address)
        items = (
            len(json.loads(first.content)) if label.startswith("JSON") else first.content.count(b"<request>")
        )
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as q:
            client.get(address)
        times = timed(lambda a=address: client.get(a), args.repeat)
        results[label] = times
        say(
            f"   {label:<16} items {items:,}  bytes {len(first.content):>9,}  queries {len(q.captured_queries)}  "
            f"p50 {ms(statistics.median(times))}  max {ms(max(times))}"
        )
    BARE_ROWS[0] = client.get("/open311/v2/requests.json?jurisdiction_id=360902").content
    bare = timed(lambda: client.get("/bench/bare/get"), args.repeat)
    say(
        f"   bare GET (the same 1,000 rows pre-built, {len(BARE_ROWS[0]):,} bytes)  p50 {ms(statistics.median(bare))}"
    )
    say(
        f"   ratio Open311 JSON / bare (p50): {statistics.median(results['JSON']) / statistics.median(bare):.1f}×"
    )
    say("")
    say(f"Total {time.perf_counter() - started:.0f} s")


try:
    main()
finally:
    if args.keep:
        say(f"Kept {DATA_DIR}")
    else:
        shutil.rmtree(DATA_DIR, ignore_errors=True)
