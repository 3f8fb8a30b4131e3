"""Two staff at once: two redemptions cannot both spend the same points, and two scans of one
rider at one station make one check-in (row locks; PostgreSQL, where writers run in parallel)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from doorstep.resources import credentials, points, riders
from doorstep.resources.models import CheckIn, PointEntry
from tests import factories
from tests.resources.factories import place, rider

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _race(n, work):
    barrier = threading.Barrier(n)
    results = []

    def run(i):
        try:
            barrier.wait()
            results.append(("ok", work(i)))
        except ValidationError as exc:
            results.append(("refused", exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(kind for kind, _ in results)


def test_two_redemptions_at_once_spend_the_points_once(city):
    staff = factories.role("community_staff", city.community_a)
    member = factories.person("并发志愿者")
    points.earn(staff, member, region=city.compound_a, points=10, reason="劝导")
    outcome = _race(
        2, lambda i: points.redeem(staff, member, region=city.compound_a, points=6, partner=f"商户{i}")
    )
    assert outcome == ["ok", "refused"]
    assert points.balance(member).points == 4


def test_two_scans_at_once_make_one_check_in(city):
    station = place(name="并发驿站")
    r = rider(station)
    staff = factories.role("community_staff", city.community_a)
    code = credentials.make_code(r)
    outcome = _race(3, lambda i: riders.check_in(code=code, station=station, by=staff))
    assert outcome == ["ok", "refused", "refused"]
    assert CheckIn.objects.count() == 1 and PointEntry.objects.count() == 1


def test_the_same_number_registered_twice_at_once_makes_one_rider(city):
    from django.contrib.auth import get_user_model

    from doorstep.resources.models import Rider

    station = place(name="并发驿站")
    outcome = _race(2, lambda i: rider(station, name=f"骑手{i}"))
    assert outcome == ["ok", "refused"]
    assert Rider.objects.count() == 1 and get_user_model().objects.filter(username="13912345678").count() == 1
