"""The worker's rounds on a city with many cases: escalating overdue cases and sending reminders.

    .venv/bin/python bench/case_worker.py [--cases 100000] [--years 1] [--scale demo|seed]
        [--reminders 2000]

Builds the demo city in a throw-away SQLite file, generates `--cases` cases over `--years` years
up to now with the demo's bulk path (`demands.demo.CaseGenerator`: open cases among them are
overdue by now), gives `--reminders` open cases a reminder that is due, then times:

1. the catch-up round: `run_escalations` escalating every overdue open case once (per case,
   against a bare transition — lock, version bump and event row, committed — measured on other
   cases in the same run and undone);
2. the reminder round: `run_reminders` with `--reminders` due (per reminder);
3. the idle rounds the scheduler repeats every minute (nothing due any more: the jobs are
   idempotent), against the bare indexed count of the candidates.

Prints figures and ratios; never fails on time.
"""

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=100_000, help="cases to generate (default 100,000)")
    p.add_argument("--years", type=float, default=1, help="spread over this many years up to now")
    p.add_argument("--scale", choices=["demo", "seed"], default="demo", help="demo city scale")
    p.add_argument("--reminders", type=int, default=2000, help="open cases given a due reminder")
    return p.parse_args()


ARGS = parse_args() if __name__ == "__main__" else None
DATA_DIR = Path(tempfile.mkdtemp(prefix="doorstep-bench-worker-"))
os.environ["DOORSTEP_DATA_DIR"] = str(DATA_DIR)
os.environ.pop("DOORSTEP_DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
os.environ.setdefault("DOORSTEP_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import F  # noqa: E402
from django.utils import timezone  # noqa: E402

from doorstep.core.models import Notification, User  # noqa: E402
from doorstep.demands import demo, tasks  # noqa: E402
from doorstep.demands.models import Case, CaseEvent, Category  # noqa: E402
from doorstep.demands.workflow import HANDLING_STAGES  # noqa: E402
from doorstep.territory.models import Region  # noqa: E402


def say(*parts):
    print(*parts, flush=True)


def build(args):
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    from doorstep.territory.demo import build_demo

    with contextlib.redirect_stdout(io.StringIO()):
        build_demo(args.scale)
    if not Category.objects.filter(parent__isnull=False).exists():
        from doorstep.demands.categories import seed_categories

        seed_categories()
    say(f"Demo city ({args.scale}) and categories: {time.perf_counter() - started:.1f} s")
    admin = User.objects.get(username="demo-admin")
    grid = User.objects.get(username="demo-grid")
    now = timezone.now()
    first = timezone.localdate(now) - timedelta(days=round(args.years * 365.25) - 1)
    generator = demo.CaseGenerator(
        Region.objects.get(code="360900"),
        now=now,
        actors=demo.Actors(desk=admin.pk, field=grid.pk, verifier=grid.pk, requester=grid.pk),
    )
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous=OFF")
    counts = generator.generate(args.cases, first=first, last=timezone.localdate(now))
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("ANALYZE")
    say(f"Generated {counts.get('case', args.cases):,} cases in {time.perf_counter() - t0:.0f} s")


def bare_transitions(pks) -> float:
    """The minimum any move writes, per case: lock, version bump and event row, each committed
    (then undone, so the round below sees the cases as they were)."""
    started = time.perf_counter()
    events = []
    for pk in pks:
        with transaction.atomic():
            Case.objects.select_for_update().only("version").get(pk=pk)
            Case.objects.filter(pk=pk).update(version=F("version") + 1)
            events.append(
                CaseEvent.objects.create(
                    case_id=pk, at=timezone.now(), action="escalate", to_status="accepted"
                ).pk
            )
    elapsed = time.perf_counter() - started
    CaseEvent.objects.filter(pk__in=events).delete()
    Case.objects.filter(pk__in=pks).update(version=F("version") - 1)
    return elapsed / max(len(pks), 1)


def main(args):
    say(f"Database: {DATA_DIR / 'doorstep.sqlite3'}")
    build(args)
    now = timezone.now()
    open_cases = Case.objects.filter(status__in=HANDLING_STAGES)
    overdue = open_cases.filter(handle_due__lt=now).exclude(level="county")
    n_open, n_overdue = open_cases.count(), overdue.count()
    say(f"Open (being handled): {n_open:,}; overdue below the county: {n_overdue:,}")

    # Baseline: bare transitions on cases that are not overdue (the round leaves them alone).
    sample = list(open_cases.filter(handle_due__gte=now).values_list("pk", flat=True)[:500])
    if len(sample) < 50:
        sample = list(Case.objects.exclude(status__in=HANDLING_STAGES).values_list("pk", flat=True)[:500])
    bare = bare_transitions(sample)

    notes_before = Notification.objects.count()
    t0 = time.perf_counter()
    result = tasks.run_escalations(now)
    catch_up = time.perf_counter() - t0
    per_case = catch_up / max(result["escalated"], 1)
    say(
        f"1. catch-up round: {result['escalated']:,} escalated, {result['skipped']} skipped in "
        f"{catch_up:.2f} s = {per_case * 1000:.2f} ms per case "
        f"(bare transition {bare * 1000:.2f} ms; ratio {per_case / bare:.1f}×); "
        f"{Notification.objects.count() - notes_before:,} notifications written"
    )

    # Reminders due on some open cases.
    pks = list(
        Case.objects.filter(status__in=HANDLING_STAGES, handle_due__gt=now).values_list("pk", flat=True)[
            : args.reminders
        ]
    )
    Case.objects.filter(pk__in=pks).update(remind_at=now - timedelta(minutes=1))
    t0 = time.perf_counter()
    sent = tasks.run_reminders(now)
    reminding = time.perf_counter() - t0
    n_sent = sum(sent.values())
    say(
        f"2. reminder round: {sent} in {reminding:.2f} s = "
        f"{reminding / max(n_sent, 1) * 1000:.2f} ms per reminder"
    )

    # Idle rounds: what the scheduler pays every minute once everything due was done.
    rounds = 5
    t0 = time.perf_counter()
    for _ in range(rounds):
        assert tasks.run_escalations(now)["escalated"] == 0
    idle_escalate = (time.perf_counter() - t0) / rounds
    t0 = time.perf_counter()
    for _ in range(rounds):
        assert sum(tasks.run_reminders(now).values()) == 0
    idle_remind = (time.perf_counter() - t0) / rounds
    t0 = time.perf_counter()
    for _ in range(rounds):
        overdue.count()
        Case.objects.filter(remind_at__lte=now).count()
    bare_count = (time.perf_counter() - t0) / rounds
    say(
        f"3. idle rounds: escalation {idle_escalate * 1000:.1f} ms, reminders {idle_remind * 1000:.1f} ms "
        f"(bare candidate counts {bare_count * 1000:.1f} ms; ratio "
        f"{(idle_escalate + idle_remind) / max(bare_count, 1e-9):.1f}×) over {Case.objects.count():,} cases"
    )


if __name__ == "__main__":
    main(ARGS)
