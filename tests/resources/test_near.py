"""Near me: open places within the walking circle, nearest first — checked against brute force."""

import random
from datetime import date

import pytest

from doorstep.core.coords import distance_m, from_wgs84
from doorstep.resources import selectors, walking
from doorstep.resources.models import Place
from tests.resources.factories import place, service

pytestmark = pytest.mark.django_db
K = Place.Kind


def brute_force(lng, lat, minutes, kinds=None):
    out = []
    for p in Place.objects.all():
        if kinds and p.kind not in kinds:
            continue
        walk = distance_m(lng, lat, p.lng, p.lat) * 1.2 / 60
        if walk <= minutes:
            out.append((walk, p.pk))
    return [pk for _w, pk in sorted(out)]


def test_near_matches_brute_force_on_random_points(city):
    rng = random.Random(7)
    kinds = list(K.values)
    # 120 places spread over 宜阳社区 (±0.01°, ≈ 1 km) and its surroundings
    for i in range(120):
        place(
            name=f"点{i}",
            kind=rng.choice(kinds),
            lng=114.38 + rng.uniform(-0.012, 0.012),
            lat=27.80 + rng.uniform(-0.012, 0.012),
        )
    for _ in range(40):
        lng, lat = 114.38 + rng.uniform(-0.015, 0.015), 27.80 + rng.uniform(-0.015, 0.015)
        minutes = rng.choice([5, 10, 15])
        got = selectors.near(lng, lat, minutes=minutes)
        assert [r.place.pk for r in got] == brute_force(lng, lat, minutes)
        assert all(r.minutes <= minutes for r in got)
        kind = {K.RED_STATION, K.SERVICE_STATION}
        assert [r.place.pk for r in selectors.near(lng, lat, minutes=minutes, kind=kind)] == brute_force(
            lng, lat, minutes, kind
        )


def test_sorted_by_walking_minutes_with_distance(city):
    far = place(name="远", lng=114.38, lat=27.805)  # ≈ 556 m: 11.1 min
    close = place(name="近", lng=114.38, lat=27.801)  # ≈ 111 m: 2.2 min
    got = selectors.near(114.38, 27.80)
    assert [r.place for r in got] == [close, far]
    assert got[0].metres == pytest.approx(111.2, abs=0.5)
    assert got[0].minutes == pytest.approx(111.2 * 1.2 / 60, abs=0.02)
    assert [r.walk_minutes for r in got] == [3, 12]  # whole minutes, rounded up
    assert [r.place for r in selectors.near(114.38, 27.80, minutes=10)] == [close]


def test_edge_of_the_circle(city, settings):
    settings.DOORSTEP_WALK_DETOUR = 1.0
    p = place(lng=114.38, lat=27.80 + 900 / walking.METRES_PER_DEGREE)  # 900 m north: exactly 15 min
    assert selectors.near(114.38, 27.80, minutes=15.01)[0].place == p
    assert selectors.near(114.38, 27.80, minutes=14.99) == []


def test_origin_in_gcj02(city):
    p = place(lng=114.38, lat=27.801)
    glng, glat = from_wgs84(114.38, 27.80, "gcj02")
    got = selectors.near(glng, glat, minutes=5, system="gcj02")
    assert [r.place for r in got] == [p]
    assert got[0].metres == pytest.approx(111.2, abs=0.5)


def test_filter_by_service_and_current_services_only(city):
    haircut = place(name="理发微阵地", kind=K.MICRO_POSITION, lng=114.381, lat=27.80)
    service(haircut, name="义务理发")
    service(haircut, name="磨刀", ended_on=date(2020, 1, 1))
    station = place(name="红色驿站", lng=114.38, lat=27.801)
    service(station, name="饮水休息")
    service(station, name="手机充电")
    assert [r.place for r in selectors.near(114.38, 27.80, service="理发")] == [haircut]
    assert selectors.near(114.38, 27.80, service="磨刀") == []  # ended
    got = selectors.near(114.38, 27.80)
    # the haircut position is ≈ 98 m east, the station ≈ 111 m north
    assert [[s.name for s in r.services] for r in got] == [["义务理发"], ["手机充电", "饮水休息"]]


def test_closed_and_future_places_are_not_near(city):
    place(name="已关闭", closed_on=date(2024, 1, 1), opened_on=date(2020, 1, 1))
    place(name="未开放", opened_on=date(2099, 1, 1))
    open_ = place(name="开放中")
    assert [r.place for r in selectors.near(114.38, 27.80)] == [open_]


def test_near_is_three_queries_whatever_the_count(city, django_assert_num_queries):
    for i in range(8):
        p = place(name=f"点{i}", lng=114.38 + i * 0.0005, lat=27.80)
        service(p, name="饮水")
        service(p, name="充电")
    with django_assert_num_queries(3):  # the box (bare rows), the places found, their services
        got = selectors.near(114.38, 27.80)
        assert len(got) == 8 and all(len(r.services) == 2 for r in got)
    with django_assert_num_queries(3):
        nearest = selectors.near(114.38, 27.80, limit=3)
    assert [r.place for r in nearest] == [r.place for r in got][:3] and nearest.total == 8
    with django_assert_num_queries(1):
        assert selectors.near(114.60, 27.60) == []
