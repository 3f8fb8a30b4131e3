"""Duplicates (open reports of the same class nearby) and repeats (same person, same matter)."""

import math
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from doorstep.core.coords import distance_m
from doorstep.demands.models import Case, Category, Demand
from doorstep.demands.similar import find_repeat, similar_open
from tests import factories
from tests.demands import factories as demand_factories

pytestmark = pytest.mark.django_db

LNG, LAT = 114.38, 27.80  # 都市春天小区
EARTH = 6371008.8  # the radius distance_m uses


def north(metres: float) -> tuple[float, float]:
    return LNG, LAT + math.degrees(metres / EARTH)


def east(metres: float) -> tuple[float, float]:
    return LNG + math.degrees(metres / (EARTH * math.cos(math.radians(LAT)))), LAT


def cat(code: str) -> Category:
    return Category.objects.get(code=code)


def open_demand(
    city, point, code="0104", *, status=Case.Status.ACCEPTED, text="路面脏得很", **extra
) -> Demand:
    """A demand with a case in `status` at `point`."""
    c = cat(code)
    case = demand_factories.case(
        city.compound_a,
        status=status,
        category=c,
        text=text,
        demand_extra={"lng": point[0], "lat": point[1], "category": c, **extra},
    )
    return case.demand


def pending_demand(city, point, code="0104", triage=Demand.Triage.PENDING, **extra) -> Demand:
    d = demand_factories.demand(city.compound_a, lng=point[0], lat=point[1], category=cat(code), **extra)
    Demand.objects.filter(pk=d.pk).update(triage=triage)
    return d


# --- similar_open ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "metres", "found"),
    [(north, 249, True), (north, 251, False), (east, 249, True), (east, 251, False), (north, 0, True)],
)
def test_radius_edges(city, where, metres, found):
    d = open_demand(city, where(metres))
    assert abs(distance_m(LNG, LAT, d.lng, d.lat) - metres) < 0.01
    assert cat("0104").duplicate_radius_m == 250
    result = similar_open(LNG, LAT, category=cat("0104"))
    assert (d in result) is found


def test_the_category_s_own_radius(city):
    """暴露垃圾 uses 100 m: a heap 120 m away is another heap."""
    assert cat("0102").duplicate_radius_m == 100
    near = open_demand(city, north(90), "0102")
    open_demand(city, north(120), "0102")
    assert similar_open(LNG, LAT, category=cat("0102")) == [near]


def test_other_categories_are_left_out(city):
    same = open_demand(city, north(50))
    open_demand(city, north(40), "0606")
    assert similar_open(LNG, LAT, category=cat("0104")) == [same]
    assert len(similar_open(LNG, LAT)) == 2  # no category: any class within 250 m


@pytest.mark.parametrize("status", list(Case.Status))
def test_only_open_cases_count(city, status):
    d = open_demand(city, north(30), status=status)
    assert (d in similar_open(LNG, LAT, category=cat("0104"))) is (status in Case.OPEN)


@pytest.mark.parametrize(
    ("triage", "found"),
    [
        (Demand.Triage.PENDING, True),  # waiting for triage: still open
        (Demand.Triage.HARD, False),
        (Demand.Triage.BIG, False),
        (Demand.Triage.DUPLICATE, False),
        (Demand.Triage.OUTSIDE, False),
    ],
)
def test_demands_without_a_case(city, triage, found):
    d = pending_demand(city, north(30), triage=triage)
    assert (d in similar_open(LNG, LAT, category=cat("0104"))) is found


def test_nearest_first_limited_with_distances(city):
    far = open_demand(city, north(200))
    nearest = open_demand(city, east(10))
    middle = pending_demand(city, north(100))
    result = similar_open(LNG, LAT, category=cat("0104"))
    assert result == [nearest, middle, far]
    assert [round(d.distance_m) for d in result] == [10, 100, 200]
    assert similar_open(LNG, LAT, category=cat("0104"), limit=2) == [nearest, middle]


def test_exclude_and_category_by_code(city):
    one = open_demand(city, north(10))
    two = open_demand(city, north(20))
    assert similar_open(LNG, LAT, category="0104", exclude=one) == [two]
    assert similar_open(LNG, LAT, category="0104", exclude=[one.pk, two]) == []


def test_no_point_no_duplicates(city, django_assert_num_queries):
    open_demand(city, north(10))
    c = cat("0104")
    with django_assert_num_queries(0):
        assert similar_open(None, None, category=c) == []


def test_query_count_does_not_grow_with_results(city, django_assert_num_queries):
    c = cat("0104")
    with django_assert_num_queries(1):
        assert similar_open(LNG, LAT, category=c) == []
    for metres in (10, 40, 80, 120, 160, 200, 240):
        open_demand(city, north(metres))
    for metres in (300, 600, 1000):  # in the city, outside the radius
        open_demand(city, east(metres))
    with django_assert_num_queries(2):
        result = similar_open(LNG, LAT, category=c, limit=5)
        assert [r.category.name for r in result] == ["道路不洁"] * 5
        assert all(r.case.status == Case.Status.ACCEPTED for r in result)


# --- find_repeat ----------------------------------------------------------------------------------


@pytest.fixture
def place(city):
    grid = factories.grid(city.community_a, name="一网格")
    grid.compounds.add(city.compound_a)
    other_grid = factories.grid(city.community_b, name="二网格")
    return grid, other_grid


def earlier(city, *, days, code="0606", grid=None, region=None, **extra) -> Demand:
    d = demand_factories.demand(
        region or city.compound_a,
        text="楼道灯又坏了",
        category=cat(code),
        grid=grid,
        received_at=timezone.now() - timedelta(days=days),
        **extra,
    )
    return d


@pytest.mark.parametrize(
    ("days", "repeat"), [(1, True), (29, True), (29.9, True), (30.1, False), (45, False)]
)
def test_same_person_same_matter_within_30_days(city, place, days, repeat):
    grid, _ = place
    person = factories.person("李四")
    before = earlier(city, days=days, reporter=person, grid=grid)
    found = find_repeat(
        reporter=person, category=cat("0606"), region=city.compound_a, grid=grid, at=timezone.now()
    )
    assert (found == before) is repeat


@override_settings(DOORSTEP_REPEAT_DAYS=7)
def test_the_window_is_a_setting(city, place):
    grid, _ = place
    person = factories.person("李四")
    earlier(city, days=10, reporter=person, grid=grid)
    assert find_repeat(reporter=person, category=cat("0606"), grid=grid, at=timezone.now()) is None
    recent = earlier(city, days=3, reporter=person, grid=grid)
    assert find_repeat(reporter=person, category=cat("0606"), grid=grid, at=timezone.now()) == recent


def test_the_latest_earlier_demand_is_returned(city, place):
    grid, _ = place
    person = factories.person("李四")
    earlier(city, days=20, reporter=person, grid=grid)
    latest = earlier(city, days=5, reporter=person, grid=grid)
    assert find_repeat(reporter=person, category=cat("0606"), grid=grid, at=timezone.now()) == latest


def test_same_phone_counts_as_the_same_person(city, place):
    grid, _ = place
    before = earlier(city, days=3, contact_phone="13800001111", grid=grid)
    assert (
        find_repeat(contact_phone="13800001111", category=cat("0606"), grid=grid, at=timezone.now()) == before
    )
    assert (
        find_repeat(contact_phone="13900002222", category=cat("0606"), grid=grid, at=timezone.now()) is None
    )


def test_same_login_counts_as_the_same_person(city, place):
    grid, _ = place
    user = factories.user("resident1")
    before = earlier(city, days=3, reporter_user=user, grid=grid)
    assert find_repeat(reporter_user=user, category=cat("0606"), grid=grid, at=timezone.now()) == before


def test_a_different_person_is_not_a_repeat(city, place):
    grid, _ = place
    earlier(city, days=3, reporter=factories.person("李四"), grid=grid, contact_phone="13800001111")
    other = factories.person("王五")
    assert find_repeat(reporter=other, category=cat("0606"), grid=grid, at=timezone.now()) is None


def test_a_different_matter_is_not_a_repeat(city, place):
    grid, other_grid = place
    person = factories.person("李四")
    earlier(city, days=3, reporter=person, grid=grid, code="0607")  # another class
    earlier(city, days=3, reporter=person, grid=other_grid, region=city.compound_b)  # another place
    assert (
        find_repeat(
            reporter=person, category=cat("0606"), region=city.compound_a, grid=grid, at=timezone.now()
        )
        is None
    )


def test_within_the_radius_counts_as_the_same_place(city):
    """Within the class's radius (楼道亮灯: 50 m) measured exactly, not the box around it."""
    person = factories.person("李四")
    assert cat("0606").duplicate_radius_m == 50
    at = timezone.now()
    corner = earlier(city, days=3, reporter=person, region=city.compound_b, lng=east(40)[0], lat=north(40)[1])
    assert distance_m(LNG, LAT, corner.lng, corner.lat) > 50  # inside the box, outside the circle
    assert find_repeat(reporter=person, category=cat("0606"), lng=LNG, lat=LAT, at=at) is None
    before = earlier(city, days=4, reporter=person, region=city.compound_b, lng=LNG, lat=north(40)[1])
    assert find_repeat(reporter=person, category=cat("0606"), lng=LNG, lat=LAT, at=at) == before


def test_no_place_given_same_person_and_class_is_enough(city, place):
    """A hotline transfer without an address: the same caller on the same class."""
    grid, _ = place
    before = earlier(city, days=3, contact_phone="13800001111", grid=grid)
    assert find_repeat(contact_phone="13800001111", category=cat("0606"), at=timezone.now()) == before


def test_anonymous_reports_repeat_by_target(city, place):
    grid, _ = place
    before = earlier(city, days=3, grid=grid, anonymous=True)  # no person, no phone, no login
    # Someone known reported it too: not the same "person" as an anonymous reporter.
    earlier(city, days=1, grid=grid, reporter=factories.person("李四"))
    at = timezone.now()
    assert find_repeat(category=cat("0606"), region=city.compound_a, grid=grid, at=at) == before
    assert find_repeat(category=cat("0606"), region=city.compound_b, at=at) is None  # another place
    assert find_repeat(category=cat("0606"), at=at) is None  # nothing to compare with


def test_the_demand_itself_is_not_its_own_repeat(city, place):
    grid, _ = place
    person = factories.person("李四")
    d = earlier(city, days=0, reporter=person, grid=grid)
    assert find_repeat(reporter=person, category=cat("0606"), grid=grid, at=timezone.now(), exclude=d) is None


def test_find_repeat_is_one_query(city, place, django_assert_num_queries):
    grid, _ = place
    person = factories.person("李四")
    c = cat("0606")
    before = earlier(city, days=3, reporter=person, grid=grid)
    for days in (5, 8, 12):
        earlier(city, days=days, reporter=factories.person("王五"), grid=grid)
    with django_assert_num_queries(1):
        assert (
            find_repeat(reporter=person, category=c, region=city.compound_a, grid=grid, at=timezone.now())
            == before
        )
