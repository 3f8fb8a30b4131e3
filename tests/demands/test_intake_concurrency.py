"""Intake under concurrency: threads with their own database connections, all released at once.

Demand numbers stay unique and gapless, "me too" counts once per person, a form sent twice at
the same moment makes one demand, and a 12345 ticket entered twice at once is taken once.

The SQLite test database is an in-memory database in shared-cache mode, where a writer meeting
another writer's lock fails at once ("database table is locked") instead of waiting as the
file database of a real installation does (WAL, BEGIN IMMEDIATE, a 20-second busy timeout). The
threads here therefore retry such a failure, which is what that timeout does for them in
production; every retry starts a whole new transaction. On PostgreSQL no retry ever happens.
"""

import threading
import time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection
from django.utils import timezone

from doorstep.demands import intake
from doorstep.demands.models import Case, Demand, DemandCounter, Follow, IntakeKey
from tests import factories
from tests.demands.intake_helpers import FAST_HASHERS, build_place, phone_report, staff_report

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 8


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def place(city, settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    return build_place(city)


def _retrying(fn):
    for _attempt in range(500):
        try:
            return fn()
        except OperationalError as exc:  # only the in-memory SQLite test database says this
            if "locked" not in str(exc) or connection.vendor != "sqlite":
                raise
            time.sleep(0.005)
    raise AssertionError("a thread never got the write lock")


def all_at_once(jobs):
    """Run each job in its own thread, released together; return (results, errors)."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), []

    def run(i, job):
        try:
            barrier.wait()
            results[i] = _retrying(job)
        except Exception as exc:  # collected and asserted on in the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results, errors


def test_numbers_are_unique_and_gapless_under_concurrency(place):
    users = [factories.user() for _ in range(THREADS)]
    texts = [f"小区路灯不亮，第{i}盏" for i in range(THREADS)]
    jobs = [
        lambda u=u, t=t: phone_report(place, by=u, text=t).number for u, t in zip(users, texts, strict=True)
    ]
    numbers, errors = all_at_once(jobs)
    assert errors == []
    day = f"{timezone.localdate():%Y%m%d}"
    assert sorted(numbers) == [f"{day}-{n:04d}" for n in range(1, THREADS + 1)]
    assert Demand.objects.count() == THREADS and Case.objects.count() == THREADS
    assert DemandCounter.objects.get().last == THREADS


def test_me_too_counts_once_when_the_same_person_presses_at_once(place):
    demand = phone_report(place)
    neighbour = factories.user()
    _results, errors = all_at_once([lambda: intake.me_too(demand, neighbour).pk for _ in range(THREADS)])
    assert errors == []
    demand.refresh_from_db()
    assert demand.me_too_count == 1
    assert Follow.objects.filter(demand=demand, user=neighbour, me_too=True).count() == 1


def test_me_too_counts_everyone_who_presses_at_once(place):
    demand = phone_report(place)
    neighbours = [factories.user() for _ in range(THREADS)]
    _results, errors = all_at_once([lambda u=u: intake.me_too(demand, u).pk for u in neighbours])
    assert errors == []
    demand.refresh_from_db()
    assert demand.me_too_count == THREADS
    assert Follow.objects.filter(demand=demand, me_too=True).count() == THREADS


def test_a_form_sent_twice_at_once_makes_one_demand(place):
    key = f"{place.resident.pk}:0f5c4d7e2a9b41c3"
    numbers, errors = all_at_once([lambda: phone_report(place, idempotency_key=key).number for _ in range(4)])
    assert errors == []
    assert len(set(numbers)) == 1
    assert Demand.objects.count() == 1 and IntakeKey.objects.count() == 1


def test_a_ticket_entered_twice_at_once_is_taken_once(place):
    jobs = [
        lambda: staff_report(place, channel=Demand.Channel.HOTLINE, external_ticket="GD-0001").number
        for _ in range(4)
    ]
    numbers, errors = all_at_once(jobs)
    assert len([n for n in numbers if n]) == 1
    assert len(errors) == 3 and all(isinstance(e, ValidationError) for e in errors)
    assert all("已经录入过" in " ".join(e.messages) for e in errors)
    assert Demand.objects.count() == 1
