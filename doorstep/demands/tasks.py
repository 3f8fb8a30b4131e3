"""Background jobs of the case loop: escalate overdue cases, send reminders.

Both are idempotent, so the scheduler may enqueue them every minute and two workers may run them
at once:

- an overdue case is escalated through `services.escalate`, which checks the version the job
  read (a second job, or a person acting meanwhile, makes it a conflict and the job skips the
  case) and gives the case a new deadline at the new level — so it escalates once per overdue
  period;
- a reminder goes out when the case's `remind_at` has passed, under a row lock, and moves
  `remind_at` on ("due soon" → "overdue" → none), so each threshold is told once.

`now` (an ISO datetime) pins the clock: `doorstep worker --now 2025-10-15T09:00+08:00`.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django_tasks import task

from doorstep.core.notify import notify_many

from . import actors, routing
from .deadlines import aware
from .loop import staff_url, when
from .models import Case, WhistlePart
from .services import current_deadline, escalate
from .workflow import HANDLING_STAGES, ConflictError, WorkflowError, record

logger = logging.getLogger("doorstep.demands.tasks")
S = Case.Status
REMINDED_STATUSES = (S.SUBMITTED, *HANDLING_STAGES, S.WHISTLED)


def parse_now(now) -> datetime:
    """The pinned clock: a datetime, an ISO string (naive means Shanghai time), or None (now)."""
    if now is None or now == "":
        return timezone.now()
    if isinstance(now, datetime):
        return aware(now)
    parsed = parse_datetime(str(now))
    if parsed is None:
        raise ValueError(f"not a date and time: {now!r}")
    return aware(parsed)


def run_escalations(now=None) -> dict:
    """Escalate every case past its handling deadline one level up (at the county: left to the
    overdue reminder). Returns counts."""
    now = parse_now(now)
    escalated = skipped = 0
    # No ORDER BY in SQL: sorted here, so the database walks the (status, handle_due) index
    # instead of every case whose deadline ever passed.
    candidates = sorted(
        Case.objects.filter(status__in=HANDLING_STAGES, handle_due__lt=now)
        .exclude(level="county")
        .order_by()
        .values_list("handle_due", "pk")
    )
    with translation.override(settings.LANGUAGE_CODE), actors.remembering():
        for _due, pk in candidates:
            case = Case.objects.select_related("category", "region", "grid", "demand", "unit").get(pk=pk)
            if case.status not in HANDLING_STAGES or case.handle_due is None or case.handle_due >= now:
                continue
            if case.level not in routing.LEVEL_UP:
                continue
            try:
                escalate(
                    case,
                    None,
                    reason=_("Overdue since %(due)s: escalated automatically.")
                    % {"due": when(case.handle_due)},
                    auto=True,
                    version=case.version,
                    at=now,
                )
                escalated += 1
            except (ConflictError, WorkflowError) as exc:
                # Someone acted on the case meanwhile (or another worker escalated it first).
                logger.info("case %s not escalated: %s", case.number, exc)
                skipped += 1
    if escalated:
        logger.info("escalated %d overdue case(s)", escalated)
    return {"escalated": escalated, "skipped": skipped}


def _remind_case(pk: int, now) -> str | None:
    """One case's due reminder, under its row lock; returns the kind sent (or None)."""
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("category", "demand", "unit", "assignee", "region", "grid")
            .get(pk=pk)
        )
        if case.remind_at is None or case.remind_at > now:
            return None
        due, _unit = current_deadline(case)
        if due is None or case.status not in REMINDED_STATUSES:
            Case.objects.filter(pk=pk).update(remind_at=None)
            return None
        if now >= due:
            kind, following = "overdue", None
            text = _("Case %(case)s is overdue: it was due %(due)s.") % {
                "case": case.number,
                "due": when(due),
            }
        else:
            kind, following = "due_soon", due
            text = _("Case %(case)s is due soon: by %(due)s.") % {"case": case.number, "due": when(due)}
        Case.objects.filter(pk=pk).update(remind_at=following, last_reminded_at=now)
        record(case, "remind", at=now, data={"kind": kind, "due": due.isoformat()})
        if case.status == S.SUBMITTED:
            people = actors.desk_staff(case)
        elif kind == "overdue":
            people = actors.unit_staff(case) + actors.desk_staff(case)
        else:
            people = actors.unit_staff(case)
        notify_many(people, text, case=case, kind=f"reminder_{kind}", url=staff_url(case), at=now)
        return kind


def _remind_part(pk: int, now) -> bool:
    """A summoned department that has not reported in on time: told once, with the whistler."""
    with transaction.atomic():
        part = WhistlePart.objects.select_for_update().select_related("case", "department").get(pk=pk)
        if (
            part.reminded_at is not None
            or part.status != WhistlePart.Status.SUMMONED
            or part.report_in_due > now
            or part.case.status != S.WHISTLED
        ):
            return False
        part.reminded_at = now
        part.save(update_fields=["reminded_at", "updated_at"])
        case = part.case
        record(
            case,
            "remind",
            at=now,
            data={"kind": "report_in_overdue", "part": part.pk, "due": part.report_in_due.isoformat()},
        )
        whistle = case.events.filter(action="whistle").order_by("-at", "-pk").first()
        people = actors.liaisons(part.department) + ([whistle.actor] if whistle and whistle.actor_id else [])
        notify_many(
            people,
            _("%(dept)s has not reported in for case %(case)s: it was due %(due)s.")
            % {"dept": part.department, "case": case.number, "due": when(part.report_in_due)},
            case=case,
            kind="reminder_report_in",
            url=staff_url(case),
            at=now,
        )
        return True


def run_reminders(now=None) -> dict:
    """Send the reminders whose time has come; each threshold once."""
    now = parse_now(now)
    counts = {"due_soon": 0, "overdue": 0, "report_in": 0}
    with translation.override(settings.LANGUAGE_CODE), actors.remembering():
        due = sorted(Case.objects.filter(remind_at__lte=now).order_by().values_list("remind_at", "pk"))
        for _at, pk in due:
            kind = _remind_case(pk, now)
            if kind:
                counts[kind] += 1
        parts = (
            WhistlePart.objects.filter(
                status=WhistlePart.Status.SUMMONED, report_in_due__lte=now, reminded_at__isnull=True
            )
            .order_by()
            .values_list("pk", flat=True)
        )
        for pk in list(parts):
            counts["report_in"] += _remind_part(pk, now)
    return counts


@task()
def escalate_overdue(now: str | None = None) -> dict:
    """Task: escalate overdue cases (see run_escalations)."""
    return run_escalations(now)


@task()
def send_reminders(now: str | None = None) -> dict:
    """Task: due-soon, overdue and report-in reminders (see run_reminders)."""
    return run_reminders(now)


SCHEDULED = (escalate_overdue, send_reminders)


def schedule(now: str | None = None) -> list:
    """Enqueue the periodic tasks, unless one is still waiting in the queue (no pile-up when the
    worker falls behind), and the suggestion's retraining once per
    DOORSTEP_SUGGEST_RETRAIN_HOURS (default 24; 0 turns it off). Returns the task results
    enqueued."""
    from django_tasks_db.models import DBTaskResult

    out = []
    for t in (*SCHEDULED, *_app_periodic_tasks()):
        waiting = DBTaskResult.objects.filter(task_path=t.module_path, status="READY").exists()
        if not waiting:
            out.append(t.enqueue(now=now) if now else t.enqueue())
    retrain = _retrain_due(DBTaskResult)
    if retrain is not None:
        out.append(retrain.enqueue())
    return out


def _app_periodic_tasks() -> list:
    """Other apps' periodic tasks: the dotted paths in their AppConfig's `periodic_tasks` (each
    takes an optional `now`), so the case loop needs to know nothing of them."""
    from django.apps import apps
    from django.utils.module_loading import import_string

    return [import_string(p) for c in apps.get_app_configs() for p in getattr(c, "periodic_tasks", ())]


def _retrain_due(results):
    """The retrain task when none was enqueued within the set hours (it costs nothing when the
    data have not changed: it returns the stored model), else None."""
    from .tasks_suggest import retrain_suggester

    hours = float(getattr(settings, "DOORSTEP_SUGGEST_RETRAIN_HOURS", 24))
    if hours <= 0:
        return None
    since = timezone.now() - timedelta(hours=hours)
    recent = results.objects.filter(task_path=retrain_suggester.module_path, enqueued_at__gte=since)
    return None if recent.exists() else retrain_suggester
