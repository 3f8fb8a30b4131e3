"""Figures (seed.md §2): stations and services for a region subtree and a period."""

from datetime import date

import pytest

from doorstep.resources import figures, services
from doorstep.resources.models import Place
from tests.resources.factories import place, service

pytestmark = pytest.mark.django_db
K = Place.Kind


@pytest.fixture
def places(city):
    red = place(name="驿站甲", opened_on=date(2025, 3, 1))
    service(red, name="饮水", started_on=date(2025, 3, 1))
    service(red, name="充电", started_on=date(2025, 3, 1), ended_on=date(2025, 5, 31))
    service(red, name="理发", started_on=date(2025, 3, 1), is_free=False, price_note="10元")
    hall = place(name="服务站", kind=K.SERVICE_STATION, opened_on=date(2024, 1, 1))
    service(hall, name="代办", started_on=date(2024, 1, 1))
    place(name="微阵地", kind=K.MICRO_POSITION, opened_on=date(2025, 8, 1))
    place(name="友好商圈", kind=K.FRIENDLY_BUSINESS, opened_on=date(2024, 1, 1), closed_on=date(2025, 1, 1))
    other = place(name="锦阳驿站", lng=114.50, lat=27.85, opened_on=date(2024, 1, 1))
    service(other, name="饮水", started_on=date(2024, 1, 1))
    return red, hall, other


@pytest.mark.parametrize(
    ("region", "start", "end", "stations", "red", "micro", "friendly", "services", "free"),
    [
        # the whole city, all of 2025: both red stations and the service station; the friendly
        # business district closed on 1 January, so it was open on no day of 2025
        ("city", date(2025, 1, 1), date(2025, 12, 31), 3, 2, 1, 0, 5, 4),
        # 2024: 驿站甲 not yet open, the friendly district open, the micro position not yet
        ("city", date(2024, 1, 1), date(2024, 12, 31), 2, 1, 0, 1, 2, 2),
        # 袁州区 only, June 2025: the charging service ended on 31 May
        ("county_a", date(2025, 6, 1), date(2025, 6, 30), 2, 1, 0, 0, 3, 2),
        # 上高县 only
        ("county_b", date(2025, 1, 1), date(2025, 12, 31), 1, 1, 0, 0, 1, 1),
        # a community in an empty month
        ("community_a", date(2023, 1, 1), date(2023, 1, 31), 0, 0, 0, 0, 0, 0),
    ],
)
def test_place_figures(city, places, region, start, end, stations, red, micro, friendly, services, free):
    result = figures.place_figures(getattr(city, region), start, end)
    assert result.stations == stations
    assert result.red_stations == red
    assert result.micro_positions == micro
    assert result.friendly_scenes == friendly
    assert result.services == services
    assert result.free_services == free


def test_red_mark_counted(city, places):
    result = figures.place_figures(city.city, date(2025, 1, 1), date(2025, 12, 31))
    assert result.red_marked == 2


def test_a_place_without_an_opening_date_counts_from_the_day_it_was_entered(city, django_assert_num_queries):
    from django.utils import timezone

    p = place(name="新驿站")
    services.service_add(p, name="饮水")
    today = timezone.localdate()
    with django_assert_num_queries(3):
        now = figures.place_figures(city.city, today, today)
    assert now.stations == 1 and now.services == 1
    before = figures.place_figures(city.city, date(2020, 1, 1), date(2020, 12, 31))
    assert before.stations == 0 and before.services == 0


# --- riders and check-ins ------------------------------------------------------------------------


def _at(day: date, hour: int = 10):
    from datetime import datetime

    return datetime(day.year, day.month, day.day, hour, tzinfo=figures.SHANGHAI)


@pytest.fixture
def rider_roll(city):
    from doorstep.resources import credentials, riders
    from doorstep.resources.models import Rider
    from tests import factories
    from tests.resources.factories import rider

    red_a = place(name="驿站甲")
    red_b = place(name="锦阳驿站", lng=114.50, lat=27.85)
    made = [
        # station, phone, kind, registered on
        (red_a, "13900000001", "rider", date(2025, 1, 10)),
        (red_a, "13900000002", "courier", date(2025, 6, 15)),
        (red_a, "13900000003", "rider", date(2025, 7, 1)),  # after June
        (red_b, "13900000004", "rider", date(2025, 3, 1)),
    ]
    out = []
    for station, phone, kind, on in made:
        r = rider(station, phone=phone, kind=kind, name=f"骑手{phone[-1]}")
        Rider.objects.filter(pk=r.pk).update(registered_at=_at(on))
        out.append(Rider.objects.get(pk=r.pk))
    admin = factories.role("admin", city.city)
    # check-ins: rider 1 twice at 驿站甲 in June, rider 4 once at 驿站甲 (riders ride across)
    # and once at 锦阳驿站, rider 2 on 1 July (outside June, by a minute after midnight Shanghai)
    for r, station, at in [
        (out[0], red_a, _at(date(2025, 6, 2))),
        (out[0], red_a, _at(date(2025, 6, 20))),
        (out[3], red_a, _at(date(2025, 6, 5))),
        (out[3], red_b, _at(date(2025, 6, 6))),
        (out[1], red_a, _at(date(2025, 7, 1), 0)),
    ]:
        riders.check_in(code=credentials.make_code(r), station=station, by=admin, at=at)
    return out


@pytest.mark.parametrize(
    ("region", "start", "end", "registered", "riders", "couriers", "new", "checkins", "checked_in"),
    [
        ("city", date(2025, 6, 1), date(2025, 6, 30), 3, 2, 1, 1, 4, 2),
        ("county_a", date(2025, 6, 1), date(2025, 6, 30), 2, 1, 1, 1, 3, 2),
        ("county_b", date(2025, 6, 1), date(2025, 6, 30), 1, 1, 0, 0, 1, 1),
        ("city", date(2025, 7, 1), date(2025, 7, 31), 4, 3, 1, 1, 1, 1),
        ("community_a", date(2024, 1, 1), date(2024, 12, 31), 0, 0, 0, 0, 0, 0),
    ],
)
def test_rider_figures(
    city, rider_roll, region, start, end, registered, riders, couriers, new, checkins, checked_in
):
    result = figures.rider_figures(getattr(city, region), start, end)
    assert (result.registered, result.riders, result.couriers, result.new) == (
        registered,
        riders,
        couriers,
        new,
    )
    assert (result.checkins, result.riders_checked_in) == (checkins, checked_in)


def test_rider_figures_read_three_queries(city, rider_roll, django_assert_num_queries):
    with django_assert_num_queries(3):
        figures.rider_figures(city.city, date(2025, 1, 1), date(2025, 12, 31))
