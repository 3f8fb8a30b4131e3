"""Two people acting on one case at once: one wins, the other is told clearly; nothing is lost.

Real threads on the real database (each thread its own connection, committed transactions):
SQLite serialises writers with BEGIN IMMEDIATE, PostgreSQL with the row lock the transition takes.
SQLite's in-memory test database answers a second writer "table is locked" at once instead of
letting it wait as a database file does, so on SQLite these tests run on a file copy of the test
database, like a real installation.
"""

import sqlite3
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import translation

from doorstep.demands import services
from doorstep.demands.models import Case, CaseEvent, WhistlePart
from doorstep.demands.workflow import ConflictError
from tests.demands.factories import LoopWorld

pytestmark = pytest.mark.django_db(transaction=True)
S = Case.Status


@pytest.fixture
def database_file(tmp_path):
    """On SQLite: point every connection at a file copy of the in-memory test database for the
    test, then back. On PostgreSQL: nothing to do."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    connection.ensure_connection()
    memory, name = connection.connection, connection.settings_dict["NAME"]
    path = tmp_path / "concurrency.sqlite3"
    copy = sqlite3.connect(path)
    memory.backup(copy)
    copy.close()
    connection.connection = None  # keep the in-memory database alive, unused
    connection.settings_dict["NAME"] = str(path)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = name
        connection.connection = memory


@pytest.fixture
def city(database_file):
    from tests import factories

    return factories.small_city()


def run_in_threads(*jobs, timeout=60):
    """Run each job in its own thread, all released at the same moment; return what each did."""
    start = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def worker(i, job):
        try:
            with translation.override("zh-hans"):
                start.wait(timeout)
                results[i] = job()
        except Exception as exc:  # the test looks at what each thread got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout)
        assert not th.is_alive(), "a thread hung"
    return results


def test_accept_and_reject_at_once_one_wins_the_other_is_told(city):
    w = LoopWorld(city)
    case = w.report()
    seen = case.version
    a, b = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    results = run_in_threads(
        lambda: services.accept(a, w.community_staff, version=seen),
        lambda: services.reject(b, w.subdistrict_staff, reason="重复反映", version=seen),
    )
    won = [r for r in results if not isinstance(r, Exception)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], ConflictError), lost
    assert "刚被他人处理" in str(lost[0])
    case.refresh_from_db()
    assert case.version == seen + 1
    assert case.status == (S.ACCEPTED if won[0].action == "accept" else S.NOT_ACCEPTED)
    # Exactly the winner's event, nothing half-written from the loser.
    assert list(CaseEvent.objects.filter(case=case).values_list("action", flat=True)) == [
        "submit",
        won[0].action,
    ]


def test_the_second_waits_for_the_first_then_gets_the_conflict(city):
    """A holds the case in an open transaction; B's attempt waits for A's commit, then sees
    that the case moved on. A's work is all there."""
    w = LoopWorld(city)
    case = w.report()
    seen = case.version
    holding = threading.Event()
    coming = threading.Event()
    waited = {}

    def first():
        with transaction.atomic():
            event = services.accept(Case.objects.get(pk=case.pk), w.community_staff, version=seen)
            holding.set()
            coming.wait(5)
            time.sleep(0.5)  # B is now knocking at the locked case
        return event

    def second():
        holding.wait(10)
        mine = Case.objects.get(pk=case.pk)  # B looked before A committed: version 0, accepted not yet
        coming.set()
        started = time.monotonic()
        try:
            return services.dispatch(mine, w.community_staff, unit=w.urban, version=seen)
        finally:
            waited["seconds"] = time.monotonic() - started

    results = run_in_threads(first, second)
    assert results[0].action == "accept", results
    assert isinstance(results[1], ConflictError), results
    assert waited["seconds"] >= 0.3  # it waited for A instead of failing or overwriting
    case.refresh_from_db()
    assert (case.status, case.version, case.unit) == (S.ACCEPTED, seen + 1, w.committee)
    # Reloaded, the second person's action goes through.
    services.dispatch(case, w.community_staff, unit=w.urban, version=case.version)
    assert case.status == S.DISPATCHED


def test_departments_finishing_their_parts_at_once_all_count(city):
    """Parts belong to different departments: acting at once is no conflict, and the last one
    done moves the case to feedback exactly once."""
    w = LoopWorld(city)
    case = w.report()
    services.accept(case, w.community_staff)
    services.whistle(case, w.subdistrict_staff, departments=[w.urban, w.market, w.police])
    liaisons = {w.urban.pk: w.urban_liaison, w.market.pk: w.market_liaison, w.police.pk: w.police_liaison}
    parts = list(case.whistle_parts.all())
    for part in parts:
        services.report_in(part, liaisons[part.department_id])
    results = run_in_threads(
        *[
            (lambda p=p: services.finish_part(p, liaisons[p.department_id], result=f"{p.department}已完成"))
            for p in parts
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    case.refresh_from_db()
    assert case.status == S.FEEDBACK
    assert WhistlePart.objects.filter(case=case, status=WhistlePart.Status.DONE).count() == 3
    assert case.events.filter(action="part_done").count() == 3
    assert case.events.filter(action="whistle_done").count() == 1


def test_two_workers_escalate_an_overdue_case_once(city):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from doorstep.demands import tasks

    w = LoopWorld(city)
    received = datetime(2025, 9, 30, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    case = w.report(received_at=received)
    services.accept(case, w.community_staff, at=received)
    results = run_in_threads(
        lambda: tasks.run_escalations("2025-10-15T09:00+08:00"),
        lambda: tasks.run_escalations("2025-10-15T09:00+08:00"),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r["escalated"] for r in results) == 1
    case.refresh_from_db()
    assert case.escalation == 1
    assert case.events.filter(action="escalate").count() == 1
