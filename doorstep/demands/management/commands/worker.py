"""`doorstep worker`: run the background jobs — the task queue and the case loop's clock.

One process does both, in turns:

1. the scheduler: every DOORSTEP_WORKER_SCHEDULE_SECONDS (default 60) it enqueues
   `escalate_overdue` and `send_reminders` (not when one is still waiting in the queue);
2. django_tasks_db's worker (the loop of `db_worker`) runs every task that is ready — ours and
   every other app's (category retraining …) — then the process sleeps `--interval` seconds.

Both jobs are idempotent: two workers, or a restart mid-way, do no harm.

    doorstep worker                      # run until stopped (Ctrl+C stops after the task at hand)
    doorstep worker --once               # one round: schedule, run what is ready, exit
    doorstep worker --max-loops 3 --interval 0.1
    doorstep worker --once --now 2025-10-15T09:00+08:00   # the jobs see that moment as now
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from doorstep.demands import tasks


class Command(BaseCommand):
    help = "Run background jobs: the task queue, escalation of overdue cases and reminders."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One round, then exit.")
        parser.add_argument("--max-loops", type=int, default=None, help="Exit after this many rounds.")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds to sleep between rounds (default 1)."
        )
        parser.add_argument(
            "--schedule-every",
            type=float,
            default=None,
            help="Seconds between enqueuing the periodic jobs (default: DOORSTEP_WORKER_SCHEDULE_SECONDS or 60).",
        )
        parser.add_argument("--no-schedule", action="store_true", help="Run queued tasks only.")
        parser.add_argument(
            "--now",
            default="",
            help="Pin the periodic jobs' clock to this ISO date and time (testing, replays).",
        )
        parser.add_argument(
            "--queue-name", default="default", help="Queues to run, comma separated ('*': all)."
        )
        parser.add_argument("--backend", default="default", help="The task backend (a database backend).")

    def handle(self, *args, **options):
        max_loops = 1 if options["once"] else options["max_loops"]
        if max_loops is not None and max_loops < 1:
            raise CommandError("--max-loops must be at least 1")
        now = options["now"] or None
        if now:
            try:
                tasks.parse_now(now)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        every = options["schedule_every"]
        if every is None:
            every = float(getattr(settings, "DOORSTEP_WORKER_SCHEDULE_SECONDS", 60))
        interval = max(0.0, options["interval"])
        worker = Worker(
            queue_names=options["queue_name"].split(","),
            interval=interval,
            batch=True,  # each round runs what is ready, then returns to this loop
            backend_name=options["backend"],
            startup_delay=False,
            max_tasks=None,
            worker_id=f"doorstep-{get_random_string(12)}",
            excluded_queue_names=[],
        )
        if max_loops is None:
            worker.configure_signals()  # Ctrl+C: finish the task at hand, then stop
        self.stdout.write(
            f"doorstep worker {worker.worker_id}: schedule every {every:g}s"
            + (" (off)" if options["no_schedule"] else "")
            + (f", clock pinned to {now}" if now else "")
        )
        loops = 0
        last_schedule = None
        done_before = 0
        while worker.running:
            if not options["no_schedule"] and (
                last_schedule is None or time.monotonic() - last_schedule >= every
            ):
                enqueued = tasks.schedule(now)
                last_schedule = time.monotonic()
                if enqueued and options["verbosity"] > 1:
                    self.stdout.write(f"enqueued {len(enqueued)} periodic task(s)")
            worker.run()
            ran = worker._run_tasks - done_before
            done_before = worker._run_tasks
            if ran and options["verbosity"] > 0:
                self.stdout.write(f"ran {ran} task(s)")
            loops += 1
            if max_loops is not None and loops >= max_loops:
                break
            time.sleep(interval)
        self.stdout.write(f"doorstep worker {worker.worker_id}: stopped after {loops} round(s)")
