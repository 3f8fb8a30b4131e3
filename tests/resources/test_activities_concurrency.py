"""The last seats of a joint activity: many people signing up at the same moment make exactly
`capacity` sign-ups; the others are told it is full (row lock; PostgreSQL, where writers run in
parallel)."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from doorstep.resources import activities
from doorstep.resources.models import ActivitySignup
from doorstep.territory.models import Organization
from tests import factories

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_last_seats_go_to_exactly_capacity_people(city):
    staff = factories.role("community_staff", city.community_a)
    unit = factories.organization("法院", Organization.Kind.CO_BUILDING_UNIT, city.county_a)
    act = activities.activity_plan(
        staff,
        unit=unit,
        community=city.community_a,
        title="最后的名额",
        starts_at=timezone.now() + timedelta(days=2),
        capacity=3,
        place_text="中心",
    )
    users = []
    for n in range(6):
        u = factories.user(f"racer{n}")
        factories.person(f"抢{n}", user=u, home_region=city.compound_a)
        users.append(u)
    barrier = threading.Barrier(len(users))
    results = []

    def run(u):
        try:
            barrier.wait()
            activities.signup(u, act)
            results.append("ok")
        except ValidationError as exc:
            results.append(exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok"] * 3 + ["活动名额已满。"] * 3
    assert ActivitySignup.objects.filter(activity=act, withdrawn_at__isnull=True).count() == 3


def test_one_person_twice_at_once_makes_one_sign_up(city):
    staff = factories.role("community_staff", city.community_a)
    unit = factories.organization("法院", Organization.Kind.CO_BUILDING_UNIT, city.county_a)
    act = activities.activity_plan(
        staff,
        unit=unit,
        community=city.community_a,
        title="双击",
        starts_at=timezone.now() + timedelta(days=2),
        capacity=10,
        place_text="中心",
    )
    user = factories.user("double")
    factories.person("双击者", user=user, home_region=city.compound_a)
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            activities.signup(user, act)
            results.append("ok")
        except ValidationError as exc:
            results.append(exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "已报名此活动。"]
    assert ActivitySignup.objects.filter(activity=act).count() == 1
