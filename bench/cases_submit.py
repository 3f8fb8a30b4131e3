"""The case loop at a million cases: submission in process and over HTTP, worklist pages,
indicators, and the query plans behind them.

    .venv/bin/python bench/cases_submit.py [--cases 1000000] [--years 3] [--scale seed|demo]
        [--submissions 300] [--http-seconds 15] [--clients 8] [--repeat 5]
        [--skip-http] [--keep] [--reuse DIR]

Builds the Yichun demo city (`--scale seed`: the article's 1,925 grids and ~3,000 compounds)
in a throw-away SQLite file, then bulk-generates `--cases` demands with their cases, events,
ratings, postponements and whistle parts spread over `--years` years up to now
(`doorstep.demands.demo.CaseGenerator`, the demo's documented bulk path; the secondary indexes
of the demands tables are dropped during the load and built again after it). Then:

1. submission in process: `intake.submit_demand` (locate + categorise + repeat check + save +
   open the case) p50/p95 over `--submissions` phone reports at random compounds with texts of
   the labelled set, against a bare save of the same Demand row; the parts (locate, suggest,
   find_repeat, similar_open) timed on their own;
2. HTTP: gunicorn (2 sync workers, the production server) on a free port against the same
   database; JSON submissions per second to POST /api/v1/demands against a bare Django view
   returning a constant JSON from the same gunicorn, measured in the same run, with the ratio
   (the load generator is Python: processes × threads of http.client keep-alive connections);
3. worklist pages (the staff helper's /demands/cases/list/<tab>/) for a community and a
   county scope: time and queries per tab;
4. indicators (`indicators.summary`) for the city and a community over the last full year and
   the last twelve months: time and queries;
5. query plans (EXPLAIN QUERY PLAN) of the worklist and indicator queries; a full scan of a
   demands table is flagged.

Prints figures and ratios; never fails on time. `--keep` leaves the database (its directory is
printed) and `--reuse DIR` runs the measurements on it without generating again.
"""

import argparse
import contextlib
import http.client
import io
import json
import logging
import multiprocessing
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=1_000_000, help="cases to generate (default 1,000,000)")
    p.add_argument("--years", type=float, default=3, help="spread them over this many years up to now")
    p.add_argument("--scale", choices=["seed", "demo"], default="seed", help="demo city scale")
    p.add_argument("--submissions", type=int, default=300, help="in-process submissions to time")
    p.add_argument("--http-seconds", type=float, default=15, help="seconds of load per HTTP endpoint")
    p.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    p.add_argument("--repeat", type=int, default=5, help="repeats per page / indicator timing")
    p.add_argument("--skip-http", action="store_true", help="leave out the gunicorn measurement")
    p.add_argument("--keep", action="store_true", help="keep the database and print where it is")
    p.add_argument("--reuse", metavar="DIR", help="measure on a database generated before with --keep")
    return p.parse_args()


ARGS = parse_args() if __name__ == "__main__" else None
DATA_DIR = (
    Path(ARGS.reuse).resolve()
    if ARGS and ARGS.reuse
    else Path(tempfile.mkdtemp(prefix="doorstep-bench-cases-"))
)
os.environ["DOORSTEP_DATA_DIR"] = str(DATA_DIR)
os.environ.pop("DOORSTEP_DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
os.environ.setdefault("DOORSTEP_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from doorstep.core.models import User  # noqa: E402
from doorstep.demands import demo, indicators  # noqa: E402
from doorstep.demands.models import Case, Category, Demand  # noqa: E402
from doorstep.territory.models import Grid, Region, Role  # noqa: E402

MARKER = "bench-cases.json"
DEMANDS_TABLES = (
    "demands_demand",
    "demands_case",
    "demands_caseevent",
    "demands_rating",
    "demands_postponement",
    "demands_whistlepart",
    "demands_intakekey",
)


def queries_counted() -> CaptureQueriesContext:
    """Count the queries of a block (the log is emptied first: it keeps 9,000 at most)."""
    connection.queries_log.clear()
    return CaptureQueriesContext(connection)


def say(*parts):
    print(*parts, flush=True)


def pct(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def ms(seconds):
    return f"{seconds * 1000:8.1f} ms"


# --- The database ----------------------------------------------------------------------------


def build(args) -> dict:
    marker = DATA_DIR / MARKER
    if args.reuse:
        if not marker.exists():
            sys.exit(f"{DATA_DIR} holds no database generated by this bench (no {MARKER}).")
        info = json.loads(marker.read_text())
        say(f"Reusing {DATA_DIR}: {info['cases']:,} cases, generated {info['generated']}.")
        started = time.perf_counter()
        out = io.StringIO()
        call_command("migrate", verbosity=1, stdout=out)  # indexes added since are built now
        applied = [
            line.strip() for line in out.getvalue().splitlines() if line.strip().startswith("Applying")
        ]
        if applied:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            say(f"  migrated ({'; '.join(applied)}) in {time.perf_counter() - started:.0f} s")
        return info
    say(f"Database: {DATA_DIR / 'doorstep.sqlite3'}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    from doorstep.territory.demo import build_demo

    with contextlib.redirect_stdout(io.StringIO()):
        build_demo(args.scale)
    if not Category.objects.filter(parent__isnull=False).exists():
        from doorstep.demands.categories import seed_categories

        seed_categories()
    say(f"Demo city ({args.scale} scale) and categories: {time.perf_counter() - started:.1f} s")
    city = Region.objects.get(code="360900")
    admin = User.objects.get(username="demo-admin")
    grid = User.objects.get(username="demo-grid")
    now = timezone.now()
    today = timezone.localdate(now)
    first = today - timedelta(days=round(args.years * 365.25) - 1)
    generator = demo.CaseGenerator(
        city,
        now=now,
        actors=demo.Actors(desk=admin.pk, field=grid.pk, verifier=grid.pk, requester=grid.pk),
    )
    say(
        f"Generating {args.cases:,} cases from {first} to {today} over {len(generator.places):,} "
        f"compounds and {len(generator.kinds)} categories …"
    )
    indexes = drop_indexes()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size=-500000")
        cursor.execute("PRAGMA synchronous=OFF")
    t0 = time.perf_counter()

    def progress(done):
        if done % 100_000 == 0 or done == args.cases:
            rate = done / max(time.perf_counter() - t0, 1e-9)
            say(f"  {done:>9,} cases  {time.perf_counter() - t0:6.0f} s  ({rate:,.0f} cases/s)")

    counts = generator.generate(args.cases, first=first, last=today, progress=progress)
    generated = time.perf_counter() - t0
    t1 = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in indexes:
            cursor.execute(sql)
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA synchronous=NORMAL")
    indexed = time.perf_counter() - t1
    say(f"Generated in {generated:.0f} s, indexes and ANALYZE in {indexed:.0f} s")
    rows = ", ".join(f"{k} {v:,}" for k, v in counts.items() if not k.startswith("status_"))
    statuses = ", ".join(f"{k[7:]} {v:,}" for k, v in sorted(counts.items()) if k.startswith("status_"))
    say(f"  rows: {rows}")
    say(f"  case statuses: {statuses}")
    info = {
        "cases": args.cases,
        "generated": now.isoformat(timespec="seconds"),
        "seconds": round(generated + indexed),
        "scale": args.scale,
    }
    marker.write_text(json.dumps(info))
    return info


def drop_indexes() -> list[str]:
    """Drop the secondary indexes of the demands tables for the load; returns their SQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({})".format(
                ", ".join(f"'{t}'" for t in DEMANDS_TABLES)
            )
        )
        found = cursor.fetchall()
        for name, _sql in found:
            cursor.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in found]


# --- 1. Submission in process ------------------------------------------------------------------

RESIDENTS = 60


def bench_residents(n: int) -> list:
    """Residents with a login and a person record at random compounds (made once)."""
    from django.contrib.auth.hashers import make_password

    from doorstep.territory.models import Person

    users = list(User.objects.filter(username__startswith="bench-resident-").order_by("username"))
    if len(users) >= n:
        return users[:n]
    compounds = list(Region.objects.filter(level=Region.Level.COMPOUND).values_list("pk", flat=True))
    rng = random.Random(3)
    password = make_password(None)
    for i in range(len(users), n):
        user = User.objects.create(username=f"bench-resident-{i:03d}", password=password)
        Person.objects.create(
            name=f"测试居民{i:03d}",
            phone=f"139{rng.randrange(10**8):08d}",
            home_region_id=rng.choice(compounds),
            user=user,
        )
    return list(User.objects.filter(username__startswith="bench-resident-").order_by("username"))[:n]


def submission_inputs(n: int, rng: random.Random):
    places = demo.city_places(Region.objects.get(code="360900"))
    texts = [t for pool in demo.labelled_texts().values() for t in pool if len(t) >= 8] or [
        t.replace("{place}", "小区") for pool in demo.FALLBACK_TEXTS.values() for t in pool
    ]
    out = []
    for _ in range(n):
        place = rng.choice(places)
        out.append(
            {
                "text": rng.choice(texts),
                "lng": place.lng + rng.uniform(-0.0002, 0.0002),
                "lat": place.lat + rng.uniform(-0.0002, 0.0002),
            }
        )
    return out


def bench_submission(args):
    from doorstep.demands import intake
    from doorstep.demands.similar import find_repeat, similar_open
    from doorstep.demands.suggest import suggest
    from doorstep.territory.locate import locate

    say("")
    residents = bench_residents(RESIDENTS)
    say(f"1. Submission in process ({args.submissions} phone reports from {len(residents)} residents)")
    rng = random.Random(1)
    warm = submission_inputs(10, rng)
    inputs = submission_inputs(args.submissions, rng)
    for i, item in enumerate(warm):
        intake.submit_demand(channel=Demand.Channel.PHONE, by=residents[i % len(residents)], **item)
    times = []
    with queries_counted() as queries:
        for i, item in enumerate(inputs):
            by = residents[i % len(residents)]
            t = time.perf_counter()
            intake.submit_demand(channel=Demand.Channel.PHONE, by=by, **item)
            times.append(time.perf_counter() - t)
    per_submission = len(queries.captured_queries) / len(inputs)
    # The parts on their own, on the same inputs.
    parts = {"locate": [], "suggest": [], "find_repeat": [], "similar_open": []}
    category = Category.objects.filter(parent__isnull=False).order_by("code").first()
    for item in inputs[:100]:
        t = time.perf_counter()
        found = locate(item["lng"], item["lat"])
        parts["locate"].append(time.perf_counter() - t)
        t = time.perf_counter()
        top = suggest(item["text"], k=3)
        parts["suggest"].append(time.perf_counter() - t)
        cat = top[0].category if top else category
        t = time.perf_counter()
        inside = found is not None and found.inside
        find_repeat(
            contact_phone="13907950001",
            category=cat,
            region=Region.objects.get(pk=found.region.id) if inside else None,
            grid=Grid.objects.get(pk=found.grid.id) if inside and found.grid else None,
            at=timezone.now(),
        )
        parts["find_repeat"].append(time.perf_counter() - t)
        t = time.perf_counter()
        similar_open(item["lng"], item["lat"], category=cat)
        parts["similar_open"].append(time.perf_counter() - t)
    # Baseline: the same row saved bare (no locate, no suggestion, no checks, no case).
    bare = []
    region = Region.objects.filter(level=Region.Level.COMPOUND).order_by("pk").first()
    for i, item in enumerate(inputs):
        t = time.perf_counter()
        Demand.objects.create(
            number=f"BENCH-{i:06d}",
            channel=Demand.Channel.PHONE,
            text=item["text"],
            lng=item["lng"],
            lat=item["lat"],
            region=region,
            category=category,
            received_at=timezone.now(),
        )
        bare.append(time.perf_counter() - t)
    Demand.objects.filter(number__startswith="BENCH-").delete()
    say(
        f"   submit_demand        p50 {ms(pct(times, 0.5))}  p95 {ms(pct(times, 0.95))}  "
        f"mean {ms(statistics.mean(times))}  ({per_submission:.0f} queries each)"
    )
    for name, values in parts.items():
        say(f"     {name:<18} p50 {ms(pct(values, 0.5))}  p95 {ms(pct(values, 0.95))}")
    say(f"   bare Demand save     p50 {ms(pct(bare, 0.5))}  p95 {ms(pct(bare, 0.95))}")
    say(f"   ratio submit_demand / bare save (p50): {pct(times, 0.5) / pct(bare, 0.5):.1f}×")
    return {"p50": pct(times, 0.5), "p95": pct(times, 0.95)}


# --- 2. HTTP under gunicorn --------------------------------------------------------------------

BENCH_SETTINGS = """
from doorstep.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
"""
BENCH_URLS = '''
from django.http import JsonResponse
from django.urls import path

from doorstep.urls import urlpatterns as doorstep_urls


def bare(request):
    """A constant JSON answer: what Django costs with no work at all."""
    return JsonResponse({"ok": True, "number": "20250101-0001"})


urlpatterns = [path("bench/bare/", bare), *doorstep_urls]
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def session_for(user) -> tuple[str, str]:
    """A logged-in session cookie and a CSRF secret, as a browser would hold them."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    csrf = secrets.token_hex(16)  # 32 characters: Django accepts an unmasked secret
    return store.session_key, csrf


def _client_loop(port, method, path, requests, offset, deadline, out):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    ok = errors = 0
    latencies = []
    i = offset
    statuses = {}
    while time.perf_counter() < deadline:
        body, headers = requests[i % len(requests)]
        i += 7919  # clients take different requests
        t = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        latencies.append(time.perf_counter() - t)
        statuses[response.status] = statuses.get(response.status, 0) + 1
        if 200 <= response.status < 300:
            ok += 1
        else:
            errors += 1
    conn.close()
    out.append((ok, errors, latencies, statuses))


def _load_process(port, method, path, requests, seconds, threads, first, queue):
    deadline = time.perf_counter() + seconds
    out: list = []
    workers = [
        threading.Thread(target=_client_loop, args=(port, method, path, requests, first + k, deadline, out))
        for k in range(threads)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    queue.put(out)


def load(port, method, path, *, requests, seconds=10.0, clients=8) -> dict:
    """`clients` keep-alive connections (over two processes) hitting one URL for `seconds`;
    `requests` are (body, headers) pairs the clients go through."""
    processes = 2 if clients >= 2 else 1
    queue = multiprocessing.get_context("fork").Queue()
    started = time.perf_counter()
    procs = [
        multiprocessing.get_context("fork").Process(
            target=_load_process,
            args=(port, method, path, requests, seconds, clients // processes, n * 1000, queue),
        )
        for n in range(processes)
    ]
    for p in procs:
        p.start()
    results = [r for _ in procs for r in queue.get()]
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - started
    ok = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    latencies = [x for r in results for x in r[2]]
    statuses: dict = {}
    for r in results:
        for k, v in r[3].items():
            statuses[k] = statuses.get(k, 0) + v
    return {
        "ok": ok,
        "errors": errors,
        "rate": ok / elapsed,
        "p50": pct(latencies, 0.5),
        "p95": pct(latencies, 0.95),
        "statuses": statuses,
    }


def bench_http(args):
    say("")
    say(
        f"2. HTTP under gunicorn (2 sync workers), {args.clients} clients, {args.http_seconds:.0f} s per endpoint"
    )
    endpoint = "/api/v1/demands"
    (DATA_DIR / "bench_settings.py").write_text(BENCH_SETTINGS)
    (DATA_DIR / "bench_urls.py").write_text(BENCH_URLS)
    sessions = [session_for(user) for user in bench_residents(RESIDENTS)]
    port = free_port()
    from django.conf import settings

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": f"{DATA_DIR}{os.pathsep}{ROOT}",
        "DOORSTEP_DEBUG": "0",
        "DOORSTEP_SECRET_KEY": settings.SECRET_KEY,
        "DOORSTEP_PII_KEY": settings.PII_KEY,
        "DOORSTEP_SSL_REDIRECT": "0",
        "DOORSTEP_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DOORSTEP_LOG_LEVEL": "WARNING",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = open(DATA_DIR / "gunicorn.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [
            str(gunicorn),
            "doorstep.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=str(DATA_DIR),
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.time() + 60
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/bench/bare/")
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline or server.poll() is not None:
                say(f"   gunicorn did not start; see {DATA_DIR / 'gunicorn.log'}")
                return None
            time.sleep(0.3)
        inputs = submission_inputs(3000, random.Random(2))
        # Each request as one of the residents: (body, its session cookie and CSRF token).
        requests = []
        for i, item in enumerate(inputs):
            session, csrf = sessions[i % len(sessions)]
            requests.append(
                (
                    json.dumps({"channel": "phone", **item}, ensure_ascii=False).encode(),
                    {
                        "Content-Type": "application/json",
                        "Cookie": f"sessionid={session}; csrftoken={csrf}",
                        "X-CSRFToken": csrf,
                        "Host": "127.0.0.1",
                    },
                )
            )
        probe = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        probe.request("POST", endpoint, body=requests[0][0], headers=requests[0][1])
        answer = probe.getresponse()
        text = answer.read().decode("utf-8", "replace")
        if answer.status >= 300:
            say(f"   POST {endpoint} answered {answer.status}: {text[:300]}")
            return None
        bare_get = [(None, {"Host": "127.0.0.1"})]
        # Warm-up (not counted): both workers load the locate index and the suggestion model.
        load(port, "GET", "/bench/bare/", requests=bare_get, seconds=2, clients=args.clients)
        load(port, "POST", endpoint, requests=requests[1:200], seconds=5, clients=args.clients)
        before = Demand.objects.count()
        bare = load(
            port, "GET", "/bench/bare/", requests=bare_get, seconds=args.http_seconds, clients=args.clients
        )
        submit = load(
            port, "POST", endpoint, requests=requests[200:], seconds=args.http_seconds, clients=args.clients
        )
        saved = Demand.objects.count() - before
        say(
            f"   bare Django view      {bare['rate']:8.1f} req/s   p50 {ms(bare['p50'])}  p95 {ms(bare['p95'])}  "
            f"errors {bare['errors']}"
        )
        say(
            f"   POST {endpoint}  {submit['rate']:8.1f} req/s   p50 {ms(submit['p50'])}  p95 {ms(submit['p95'])}  "
            f"errors {submit['errors']}  statuses {submit['statuses']}"
        )
        say(f"   demands saved during the run: {saved} (answers 2xx: {submit['ok']})")
        say(
            f"   ratio submissions / bare requests per second: {submit['rate'] / bare['rate']:.3f} "
            f"(1 : {bare['rate'] / max(submit['rate'], 1e-9):.0f})"
        )
        return {"bare": bare, "submit": submit}
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


# --- 3. Worklist pages -------------------------------------------------------------------------


def scope_users():
    """demo-community (宜阳社区) and a leader of 袁州区 (the county) made for the bench."""
    community_user = User.objects.get(username="demo-community")
    county = Region.objects.get(code="360902")
    county_user, _ = User.objects.get_or_create(
        username="bench-county", defaults={"display_name": "袁州区（测试）"}
    )
    Role.objects.get_or_create(user=county_user, kind=Role.Kind.LEADER, region=county)
    community = Role.objects.filter(user=community_user, kind=Role.Kind.COMMUNITY_STAFF).first().region
    return [
        (f"community {community.name}", community_user, community),
        (f"county {county.name}", county_user, county),
    ]


def bench_worklists(args):
    from doorstep.demands.selectors import TAB_KEYS, cases_visible

    say("")
    say(f"3. Worklist pages (/demands/cases/list/<tab>/), median of {args.repeat}")
    results = {}
    captured = []
    for label, user, _region in scope_users():
        visible = cases_visible(user).count()
        open_cases = cases_visible(user).filter(status__in=Case.OPEN).count()
        say(f"   {label}: {visible:,} cases visible, {open_cases:,} open")
        client = Client()
        client.force_login(user)
        for tab in TAB_KEYS:
            url = f"/demands/cases/list/{tab}/"
            times = []
            for i in range(args.repeat + 1):
                with queries_counted() as q:
                    t = time.perf_counter()
                    response = client.get(url)
                    dt = time.perf_counter() - t
                if i:
                    times.append(dt)
                else:
                    captured.extend((label, tab, x["sql"]) for x in q.captured_queries)
            status = response.status_code
            results[(label, tab)] = statistics.median(times)
            say(
                f"     {tab:<10} {ms(statistics.median(times))}  {len(q.captured_queries):3d} queries  HTTP {status}"
            )
    labels = [label for label, _u, _r in scope_users()]
    ratios = [
        results[(labels[1], t)] / results[(labels[0], t)] for t in TAB_KEYS if results.get((labels[0], t))
    ]
    say(f"   ratio county / community page time (median over tabs): {statistics.median(ratios):.1f}×")
    return captured


# --- 4. Indicators -----------------------------------------------------------------------------


def bench_indicators(args):
    say("")
    say(f"4. Indicators (indicators.summary), median of {args.repeat}")
    city = Region.objects.get(code="360900")
    community = Role.objects.filter(user__username="demo-community").first().region
    today = timezone.localdate()
    periods = [
        ("last full year", indicators.Period.year(today.year - 1)),
        (
            "last 12 months",
            indicators.Period(date(today.year - 1, today.month, 1), date(today.year, today.month, 1)),
        ),
    ]
    captured = []
    timings = {}
    for region in (city, community):
        for label, period in periods:
            times = []
            for i in range(args.repeat + 1):
                with queries_counted() as q:
                    t = time.perf_counter()
                    s = indicators.summary(region, period)
                    dt = time.perf_counter() - t
                if i:
                    times.append(dt)
                else:
                    captured.extend((region.name, label, x["sql"]) for x in q.captured_queries)
            timings[(region.pk, label)] = statistics.median(times)
            say(
                f"   {region.name} {label} ({period}): {ms(statistics.median(times))}, {len(q.captured_queries)} queries"
            )
            say(
                f"      volume {s.volume.current:,} (last year {s.volume.previous:,}, {s.volume.change} %) · "
                f"响应率 {s.response} · 解决率 {s.resolution} · 满意率 {s.satisfaction} · 综合 {s.composite} · "
                f"按期结案率 {s.on_time_closure} · 重复诉求率 {s.repeat} · 重办率 {s.reopen} · 回退率 {s.returned}"
            )
    # Each indicator on its own for the city's year.
    period = periods[0][1]
    for name in (
        "volume",
        "response_rate",
        "resolution_rate",
        "on_time_closure_rate",
        "repeat_rate",
        "reopen_rate",
        "return_rate",
    ):
        fn = getattr(indicators, name)
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            fn(city, period)
            times.append(time.perf_counter() - t)
        say(f"     city {name:<22} {ms(statistics.median(times))}")
    label = periods[0][0]
    say(
        f"   ratio city / community ({label}): {timings[(city.pk, label)] / timings[(community.pk, label)]:.1f}×"
    )
    return captured


# --- 5. Query plans ----------------------------------------------------------------------------


BIG_TABLES = (
    "demands_demand",
    "demands_case ",
    "demands_caseevent",
    "demands_rating",
    "demands_postponement",
)


def plans(captured):
    """One line per distinct plan of the queries that read the big tables; full scans flagged."""
    say("")
    say("5. Query plans (EXPLAIN QUERY PLAN) of the worklist and indicator queries")
    flagged = 0
    by_plan: dict[str, list[str]] = {}
    for where, what, sql in captured:
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        with connection.cursor() as cursor:
            try:
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
            except Exception as exc:  # noqa: BLE001 - a plan we cannot get is reported, not fatal
                say(f"   {where} {what}: no plan ({exc})")
                continue
            rows = [r[3] + " " for r in cursor.fetchall()]
        big = [r.strip() for r in rows if any(t in r for t in BIG_TABLES)]
        if not big:
            continue
        plan = "; ".join(dict.fromkeys(big))
        by_plan.setdefault(plan, []).append(f"{where} {what}")
    for plan, uses in by_plan.items():
        scans = [p for p in plan.split("; ") if p.startswith("SCAN ") and "COVERING INDEX" not in p]
        flagged += bool(scans)
        mark = "FULL SCAN" if scans else "ok       "
        places = ", ".join(dict.fromkeys(uses))
        say(f"   {mark} {plan}")
        say(f"             ← {places[:220]}{' …' if len(places) > 220 else ''}")
    say(f"   {flagged} plan{'' if flagged == 1 else 's'} with a full scan of a big demands table")


def main():
    args = ARGS
    logging.getLogger("doorstep").setLevel(logging.ERROR)  # "SMS not sent: no gateway" at every submission
    info = build(args)
    say(f"bench/cases_submit.py: N = {info['cases']:,} cases generated ({info['scale']} scale city)")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size=-200000")
    n = Case.objects.count()
    say(f"Cases in the database: {n:,}")
    bench_submission(args)
    if not args.skip_http:
        bench_http(args)
    captured = bench_worklists(args)
    captured += bench_indicators(args)
    plans(captured)
    if args.keep or args.reuse:
        say(f"\nDatabase kept in {DATA_DIR} (reuse with --reuse {DATA_DIR}).")
    else:
        import shutil

        connection.close()
        shutil.rmtree(DATA_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
