"""Coverage of compounds by stations within 5/10/15 walking minutes, on a hand-built layout.

Station 红色驿站 at 都市春天小区's centre (114.38, 27.80). Compounds due north of it at
200 m (4 min), 445 m (8.9 min), 700 m (14 min) and 1,000 m (20 min) of straight line
(× 1.2 detour ÷ 60 m/min), one without a centroid, and 新城国际小区 in the other county with no
station near. A micro position beside the far compound is not a station; a closed station does
not count.
"""

from datetime import date

import pytest

from doorstep.resources import coverage as cov
from doorstep.resources import walking
from doorstep.resources.models import Place
from doorstep.territory.models import Region
from tests import factories
from tests.resources.factories import place

pytestmark = pytest.mark.django_db
M = walking.METRES_PER_DEGREE


@pytest.fixture
def layout(city):
    made = {}
    for name, metres in (("二百米小区", 200), ("四百米小区", 445), ("七百米小区", 700), ("一千米小区", 1000)):
        made[name] = factories.region(
            name, Region.Level.COMPOUND, city.community_a, center=(114.38, 27.80 + metres / M), half=0.0002
        )
    made["无坐标小区"] = factories.region("无坐标小区", Region.Level.COMPOUND, city.community_a)
    station = place(name="红色驿站", lng=114.38, lat=27.80)
    place(name="理发", kind=Place.Kind.MICRO_POSITION, lng=114.38, lat=27.80 + 1000 / M)
    place(
        name="旧驿站",
        lng=114.38,
        lat=27.80 + 1000 / M,
        opened_on=date(2020, 1, 1),
        closed_on=date(2021, 1, 1),
    )
    return city, made, station


@pytest.mark.parametrize(
    ("name", "minutes"),
    [
        ("都市春天小区", 0.0),
        ("二百米小区", 4.0),
        ("四百米小区", 8.9),
        ("七百米小区", 14.0),
        ("一千米小区", None),
    ],
)
def test_minutes_to_the_nearest_station(layout, name, minutes):
    city, _made, station = layout
    rows = {r.name: r for r in cov.coverage(city.city).rows}
    row = rows[name]
    if minutes is None:
        assert row.minutes is None and row.place_id is None
    else:
        assert row.minutes == pytest.approx(minutes, abs=0.01)
        assert row.place_id == station.pk


def test_counts_per_circle_for_a_subtree(layout):
    city, _made, _station = layout
    result = cov.coverage(city.community_a)
    assert result.compounds == 6 and result.unlocated == 1
    assert result.counts() == {5: 2, 10: 3, 15: 4}
    assert result.rate(15) == pytest.approx(80)  # 4 of the 5 located compounds
    assert [r.name for r in result.uncovered()] == ["一千米小区"]
    city_wide = cov.coverage(city.city)
    assert city_wide.compounds == 7 and city_wide.counts() == {5: 2, 10: 3, 15: 4}
    assert "新城国际小区" in [r.name for r in city_wide.uncovered()]
    other = cov.coverage(city.community_b)
    assert other.compounds == 1 and other.counts() == {5: 0, 10: 0, 15: 0}


def test_the_kind_set_decides_what_a_station_is(layout):
    city, _made, _station = layout
    result = cov.coverage(city.community_a, kinds={Place.Kind.MICRO_POSITION})
    assert result.counts() == {5: 1, 10: 2, 15: 3}  # from the micro position at 1,000 m north


def test_closed_station_counted_on_a_day_it_was_open(layout):
    city, _made, _station = layout
    rows = {r.name: r for r in cov.coverage(city.community_a, on=date(2020, 6, 1)).rows}
    assert rows["一千米小区"].minutes == pytest.approx(0.0, abs=0.05)


def test_agrees_with_the_brute_force_scan_on_random_layouts(city):
    import random

    rng = random.Random(3)
    for i in range(60):
        factories.region(
            f"随机小区{i}",
            Region.Level.COMPOUND,
            city.community_a,
            center=(114.38 + rng.uniform(-0.01, 0.01), 27.80 + rng.uniform(-0.01, 0.01)),
            half=0.0001,
        )
    for i in range(15):
        place(name=f"站{i}", lng=114.38 + rng.uniform(-0.01, 0.01), lat=27.80 + rng.uniform(-0.01, 0.01))
    fast = cov.coverage(city.city)
    slow = cov.coverage_brute(city.city)
    assert [(r.compound_id, r.place_id) for r in fast.rows] == [
        (r.compound_id, r.place_id) for r in slow.rows
    ]
    for a, b in zip(fast.rows, slow.rows, strict=True):
        assert (a.minutes is None and b.minutes is None) or a.minutes == pytest.approx(b.minutes, abs=1e-6)
    assert fast.counts() == slow.counts()
