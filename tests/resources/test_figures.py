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
