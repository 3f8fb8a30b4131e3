"""Webhook deliveries per second to a local receiver, against a bare POST loop in the same run.

    .venv/bin/python bench/webhooks_delivery.py [--events 2000] [--receivers 1]

Builds a small territory in a throw-away SQLite file (or DOORSTEP_BENCH_DATABASE_URL, e.g. a
PostgreSQL database made for it), starts a real HTTP receiver (http.server in a thread on
127.0.0.1) and subscribes `--receivers` receivers to the county. Then it times:

1. the fan-out: `--events` case events written through the case loop's `record` (each makes its
   deliveries and queued tasks in the event's transaction), against the same events written with
   no receiver subscribed (the cost a case transition pays for webhooks);
2. the delivery: the real database worker (`doorstep worker`'s loop) sending every delivery —
   claim, sign, POST, attempt row, outcome — against a bare urllib POST loop sending bodies of the
   same size to the same receiver; and the same attempts (as replays) called directly, without
   the task queue, to show which part is ours and which the durable queue's.

Database connections persist between tasks as in production (DOORSTEP_DEBUG=0). Prints figures
and ratios; never fails on time.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, default=2000, help="case events to deliver (default 2,000)")
    p.add_argument("--receivers", type=int, default=1, help="receivers subscribed (default 1)")
    return p.parse_args()


ARGS = parse_args() if __name__ == "__main__" else None
DATA_DIR = Path(tempfile.mkdtemp(prefix="doorstep-bench-webhooks-"))
os.environ["DOORSTEP_DATA_DIR"] = str(DATA_DIR)
if os.environ.get("DOORSTEP_BENCH_DATABASE_URL"):
    os.environ["DOORSTEP_DATABASE_URL"] = os.environ["DOORSTEP_BENCH_DATABASE_URL"]
else:
    os.environ.pop("DOORSTEP_DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
os.environ.setdefault("DOORSTEP_LOG_LEVEL", "WARNING")
os.environ["DOORSTEP_WEBHOOKS_ALLOW_PRIVATE"] = "true"  # the receiver listens on 127.0.0.1

import django  # noqa: E402

django.setup()

import json  # noqa: E402
import urllib.request  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from doorstep.demands.models import Case, Category, Demand  # noqa: E402
from doorstep.demands.workflow import record  # noqa: E402
from doorstep.territory.models import Region  # noqa: E402
from doorstep.webhooks import services  # noqa: E402
from doorstep.webhooks.models import Delivery  # noqa: E402
from tests.webhooks.helpers import worker  # noqa: E402
from tests.webhooks.receiver import Receiver  # noqa: E402


def say(*parts):
    print(*parts, flush=True)


def build():
    # Persistent connections, as production has them (DOORSTEP_DEBUG=0: 60 s); the development
    # default closes the connection after every task, which on SQLite means a WAL checkpoint.
    connection.settings_dict["CONN_MAX_AGE"] = 60
    connection.close()
    call_command("migrate", verbosity=0)
    L = Region.Level
    city = Region.objects.create(name="宜春市", level=L.CITY, code="360900")
    county = Region.objects.create(name="袁州区", level=L.COUNTY, parent=city, code="360902")
    sub = Region.objects.create(name="秀江街道", level=L.SUBDISTRICT, parent=county, code="360902002")
    com = Region.objects.create(name="宜阳社区", level=L.COMMUNITY, parent=sub, code="B0001")
    compound = Region.objects.create(name="都市春天小区", level=L.COMPOUND, parent=com, code="B0002")
    return compound


def cases(region, n: int, tag: str) -> list[Case]:
    category = Category.objects.filter(parent__isnull=False).order_by("code").first()
    now = timezone.now()
    demands = Demand.objects.bulk_create(
        Demand(
            number=f"{tag}{i:07d}",
            channel="phone",
            text="小区门口垃圾堆了三天没人清运",
            region=region,
            received_at=now,
            triage=Demand.Triage.SMALL,
        )
        for i in range(n)
    )
    if any(d.pk is None for d in demands):
        demands = list(Demand.objects.filter(number__startswith=tag).order_by("number"))
    return Case.objects.bulk_create(
        Case(demand=d, number=f"AJ{d.number}", category=category, region=region, received_at=now)
        for d in demands
    )


def write_events(rows) -> float:
    started = time.perf_counter()
    for case in rows:
        with transaction.atomic():
            record(case, "submit")
    return time.perf_counter() - started


def deliver_all(expected: int) -> float:
    w = worker()
    started = time.perf_counter()
    while Delivery.objects.filter(status=Delivery.Status.DELIVERED).count() < expected:
        w.run()
    return time.perf_counter() - started


def bare_posts(url: str, body: bytes, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        request = urllib.request.Request(
            url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
    return time.perf_counter() - started


def main(args):
    compound = build()
    receiver = Receiver().start()
    n = args.events
    say(f"webhooks: {n:,} case events, {args.receivers} receiver(s) at {receiver.url} ({DATA_DIR})")

    plain = write_events(cases(compound, n, "P"))
    for i in range(args.receivers):
        services.create_subscriber(name=f"接收方{i + 1}", url=receiver.url, jurisdictions=["360902"])
    hooked = write_events(cases(compound, n, "H"))
    deliveries = Delivery.objects.count()
    say(
        f"  fan-out: {n:,} events with receivers {hooked:.2f} s ({hooked / n * 1000:.2f} ms each) vs "
        f"without {plain:.2f} s ({plain / n * 1000:.2f} ms each): ×{hooked / plain:.2f}"
    )

    ours = deliver_all(deliveries)
    got = len(receiver.received)
    size = len(receiver.received[0].body) if got else 512
    body = json.dumps({"pad": "x" * max(0, size - 12)}).encode()
    bare = bare_posts(receiver.url, body, deliveries)
    say(
        f"  delivery: {deliveries:,} deliveries by the worker in {ours:.2f} s = {deliveries / ours:,.0f}/s "
        f"(claim, sign, POST, attempt row); bare urllib POST loop {bare:.2f} s = {deliveries / bare:,.0f}/s; "
        f"ratio ×{ours / bare:.2f} ({got:,} received, body {size} bytes)"
    )
    # The same sends without the task queue: our part alone (claim, sign, POST, attempt row).
    firsts = list(Delivery.objects.filter(replay_of=None).order_by("pk"))
    again = [services.replay(d) for d in firsts]
    started = time.perf_counter()
    for d in again:
        services.attempt(d.pk)
    direct = time.perf_counter() - started
    DBTaskResult.objects.filter(status="READY").delete()  # the replays' own tasks: not needed
    say(
        f"  of which ours: {len(again):,} attempts called directly in {direct:.2f} s = {len(again) / direct:,.0f}/s; "
        f"ratio to the bare loop ×{direct / bare:.2f} (the rest is the durable task queue's own work)"
    )
    receiver.stop()


if __name__ == "__main__":
    main(ARGS)
