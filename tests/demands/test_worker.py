"""The background worker: overdue cases escalate on the right day, reminders go out once, and
`doorstep worker` runs the jobs through the database task queue.

Times are pinned with the jobs' own clock argument (`now`, `--now`), never by mocking our code.
"""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from doorstep.core.models import Notification
from doorstep.demands import services, tasks
from doorstep.demands.models import Case, CaseEvent
from tests.demands.factories import LoopWorld

SH = ZoneInfo("Asia/Shanghai")
S = Case.Status


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def national_day_case(w) -> Case:
    """Received on 2025-09-30 at 10:00, 5 working days to handle: due 2025-10-14 at 17:30."""
    received = t("2025-09-30 10:00")
    case = w.report(received_at=received)
    services.accept(case, w.community_staff, at=received)
    services.dispatch(case, w.community_staff, unit=w.committee, at=received)
    services.sign(case, w.community_staff, at=received)
    assert case.handle_due == t("2025-10-14 17:30")
    assert case.level == "community"
    return case


# --- the jobs, called directly ------------------------------------------------------------------


@pytest.mark.django_db
def test_an_overdue_case_escalates_after_the_holiday_on_the_right_day(city):
    w = LoopWorld(city)
    case = national_day_case(w)
    # During the holiday and on the last day before the deadline nothing happens.
    for moment in ("2025-10-01 09:00", "2025-10-05 12:00", "2025-10-08 23:00", "2025-10-14 17:29"):
        assert tasks.run_escalations(moment) == {"escalated": 0, "skipped": 0}
    case.refresh_from_db()
    assert (case.level, case.escalation) == ("community", 0)
    # Just after the office closes on 10-14 it goes up to the subdistrict.
    assert tasks.run_escalations("2025-10-14T17:31:00+08:00")["escalated"] == 1
    case.refresh_from_db()
    assert (case.status, case.level, case.unit, case.escalation) == (S.ACCEPTED, "subdistrict", w.office, 1)
    event = case.events.get(action="escalate")
    assert event.actor is None and event.data["auto"] is True
    assert "2025-10-14 17:30" in event.note
    # The new level has its own deadline: 5 working days from 10-14 (10-15 … 10-21).
    assert case.handle_due == t("2025-10-21 17:30")
    told = list(Notification.objects.filter(recipient=w.subdistrict_staff).values_list("text", flat=True))
    assert told == [
        f"案卷 {case.number} 已上报至街道：自 2025-10-14 17:30 起超期，系统自动上报。请于 2025-10-21 17:30 前办结。"
    ]
    # Running again (the next minute, the next morning) does nothing more: once per overdue period.
    for moment in ("2025-10-14 17:32", "2025-10-15 09:00", "2025-10-21 17:30"):
        assert tasks.run_escalations(moment)["escalated"] == 0
    case.refresh_from_db()
    assert case.escalation == 1
    # When the new deadline passes too, it goes up once more: to the county, and no further.
    assert tasks.run_escalations("2025-10-22 09:00")["escalated"] == 1
    case.refresh_from_db()
    assert (case.level, case.escalation) == ("county", 2)
    assert tasks.run_escalations("2026-01-05 09:00")["escalated"] == 0
    assert Case.objects.get(pk=case.pk).escalation == 2


@pytest.mark.django_db
def test_the_next_morning_is_also_the_right_day(city):
    """A worker that was stopped over night escalates at its first round on 10-15, once."""
    w = LoopWorld(city)
    case = national_day_case(w)
    assert tasks.run_escalations("2025-10-15 08:00")["escalated"] == 1
    assert tasks.run_escalations("2025-10-15 08:01")["escalated"] == 0
    case.refresh_from_db()
    assert case.escalation == 1
    assert case.handle_due == t("2025-10-22 17:30")


@pytest.mark.django_db
def test_whistled_and_finished_cases_do_not_escalate(city):
    w = LoopWorld(city)
    received = t("2025-09-30 10:00")
    whistled = w.report(received_at=received)
    services.accept(whistled, w.community_staff, at=received)
    services.whistle(whistled, w.subdistrict_staff, departments=[w.urban], at=received)
    closed = national_day_case(w)
    services.feedback(closed, w.community_staff, text="已处理", at=received)
    assert tasks.run_escalations("2025-10-20 09:00")["escalated"] == 0


@pytest.mark.django_db
def test_reminders_go_out_once_per_threshold(city):
    w = LoopWorld(city)
    case = national_day_case(w)
    # 80 % of the office time from acceptance (09-30 10:00) to 10-14 17:30 has passed at 16:30 on 10-13.
    assert case.remind_at == t("2025-10-13 16:30")

    def texts():
        told = Notification.objects.filter(recipient=w.community_staff, kind__startswith="reminder")
        return list(told.order_by("created_at").values_list("text", flat=True))

    assert tasks.run_reminders("2025-10-13 16:00")["due_soon"] == 0
    assert tasks.run_reminders("2025-10-13 16:31")["due_soon"] == 1
    assert tasks.run_reminders("2025-10-13 16:32")["due_soon"] == 0
    assert len(texts()) == 1 and "即将到期" in texts()[0]
    assert tasks.run_reminders("2025-10-14 17:31")["overdue"] == 1
    assert tasks.run_reminders("2025-10-14 17:40") == {"due_soon": 0, "overdue": 0, "report_in": 0}
    assert len(texts()) == 2 and "已超期" in texts()[1]
    reminders = CaseEvent.objects.filter(case=case, action="remind")
    assert [e.data["kind"] for e in reminders.order_by("at")] == ["due_soon", "overdue"]
    case.refresh_from_db()
    assert case.version == 3  # reminders never make a person's page stale
    assert case.remind_at is None and case.last_reminded_at == t("2025-10-14 17:31")


@pytest.mark.django_db
def test_a_department_that_does_not_report_in_is_reminded_once(city, settings):
    settings.DOORSTEP_WHISTLE_REPORT_IN = "2 working_hours"
    w = LoopWorld(city)
    case = w.report(received_at=t("2025-10-09 09:00"))
    services.accept(case, w.community_staff, at=t("2025-10-09 09:00"))
    services.whistle(case, w.subdistrict_staff, departments=[w.urban, w.market], at=t("2025-10-09 09:00"))
    services.report_in(
        case.whistle_parts.get(department=w.market), w.market_liaison, at=t("2025-10-09 10:00")
    )
    assert tasks.run_reminders("2025-10-09 10:59")["report_in"] == 0
    assert tasks.run_reminders("2025-10-09 11:01")["report_in"] == 1
    assert tasks.run_reminders("2025-10-09 15:00")["report_in"] == 0
    told = Notification.objects.filter(kind="reminder_report_in")
    assert {n.recipient for n in told} == {w.urban_liaison, w.subdistrict_staff}


# --- through the queue and the real worker ------------------------------------------------------


def ours():
    """The rows of the periodic tasks (other apps may queue their own)."""
    return DBTaskResult.objects.filter(task_path__in=[t.module_path for t in tasks.SCHEDULED])


@pytest.mark.django_db(transaction=True)
def test_tasks_enqueued_in_the_database_run_in_the_real_worker(city):
    w = LoopWorld(city)
    case = national_day_case(w)
    result = tasks.escalate_overdue.enqueue(now="2025-10-15T09:00:00+08:00")
    assert DBTaskResult.objects.get(pk=result.id).status == "READY"
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    worker.run()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "SUCCESSFUL", row.traceback
    assert row.return_value == {"escalated": 1, "skipped": 0}
    case.refresh_from_db()
    assert case.level == "subdistrict"


@pytest.mark.django_db(transaction=True)
def test_doorstep_worker_once_schedules_and_runs_the_jobs(city):
    w = LoopWorld(city)
    case = national_day_case(w)
    out = StringIO()
    call_command("worker", "--once", "--now", "2025-10-15T09:00+08:00", stdout=out)
    # escalation, reminders, the daily retraining, and other apps' periodic tasks (webhook sweep …)
    assert f"ran {3 + len(tasks._app_periodic_tasks())} task(s)" in out.getvalue()
    rows = ours().order_by("task_path")
    assert [r.task_path.rsplit(".", 1)[1] for r in rows] == ["escalate_overdue", "send_reminders"]
    assert all(r.status == "SUCCESSFUL" for r in rows), [r.traceback for r in rows]
    case.refresh_from_db()
    assert (case.level, case.escalation) == ("subdistrict", 1)
    # Running it twice does no harm.
    call_command(
        "worker",
        "--max-loops",
        "2",
        "--interval",
        "0",
        "--schedule-every",
        "0",
        "--now",
        "2025-10-15T09:00+08:00",
        stdout=StringIO(),
    )
    case.refresh_from_db()
    assert case.escalation == 1
    assert ours().filter(status="SUCCESSFUL").count() == 6
    assert not ours().exclude(status="SUCCESSFUL").exists()


@pytest.mark.django_db(transaction=True)
def test_doorstep_worker_does_not_pile_up_periodic_tasks(city):
    tasks.schedule()
    assert tasks.schedule() == []  # still waiting: not enqueued again
    assert ours().count() == 2
    call_command("worker", "--once", "--no-schedule", stdout=StringIO())
    assert ours().filter(status="SUCCESSFUL").count() == 2
    # The retraining waits for its day; other apps' periodic tasks (the webhook sweep) come too.
    assert len(tasks.schedule()) == len(tasks.SCHEDULED) + len(tasks._app_periodic_tasks())


@pytest.mark.django_db(transaction=True)
def test_the_worker_retrains_the_suggestion_once_a_day(city, settings):
    from doorstep.demands.models import SuggestModel
    from doorstep.demands.tasks_suggest import retrain_suggester

    retrains = DBTaskResult.objects.filter(task_path=retrain_suggester.module_path)
    call_command("worker", "--max-loops", "2", "--interval", "0", "--schedule-every", "0", stdout=StringIO())
    assert retrains.count() == 1 and retrains.get().status == "SUCCESSFUL"
    assert SuggestModel.objects.count() == 1
    # A day later (the last one enqueued long ago), it is enqueued again.
    retrains.update(enqueued_at=timezone.now() - timedelta(hours=25))
    assert retrain_suggester.module_path in [r.task.module_path for r in tasks.schedule()]
    settings.DOORSTEP_SUGGEST_RETRAIN_HOURS = 0  # off: only corrections ask for it
    retrains.update(enqueued_at=timezone.now() - timedelta(hours=25))
    assert retrain_suggester.module_path not in [r.task.module_path for r in tasks.schedule()]


def test_a_bad_clock_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("worker", "--once", "--now", "next tuesday", stdout=StringIO())
