"""The work calendar: the checks and schedules of shared/domain/calendar.md, working hours, fallback."""

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from doorstep.core import workcalendar as wc
from doorstep.core.models import CalendarDay, CalendarYear
from doorstep.territory.models import Organization
from tests import factories

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def d(text: str) -> date:
    return date.fromisoformat(text)


def span(first: str, last: str) -> set[date]:
    a, b = d(first), d(last)
    return {a + timedelta(days=i) for i in range((b - a).days + 1)}


# The State Council schedules, as calendar.md states them.
SCHEDULES = {
    2025: {
        "off": span("2025-01-01", "2025-01-01")
        | span("2025-01-28", "2025-02-04")
        | span("2025-04-04", "2025-04-06")
        | span("2025-05-01", "2025-05-05")
        | span("2025-05-31", "2025-06-02")
        | span("2025-10-01", "2025-10-08"),
        "work": {d("2025-01-26"), d("2025-02-08"), d("2025-04-27"), d("2025-09-28"), d("2025-10-11")},
    },
    2026: {
        "off": span("2026-01-01", "2026-01-03")
        | span("2026-02-15", "2026-02-23")
        | span("2026-04-04", "2026-04-06")
        | span("2026-05-01", "2026-05-05")
        | span("2026-06-19", "2026-06-21")
        | span("2026-09-25", "2026-09-27")
        | span("2026-10-01", "2026-10-07"),
        "work": {
            d("2026-01-04"),
            d("2026-02-14"),
            d("2026-02-28"),
            d("2026-05-09"),
            d("2026-09-20"),
            d("2026-10-10"),
        },
    },
}


@pytest.mark.parametrize("year", sorted(SCHEDULES))
def test_every_day_of_the_year_follows_the_state_council_schedule(year):
    cal = wc.get_calendar()
    off, work = SCHEDULES[year]["off"], SCHEDULES[year]["work"]
    day = date(year, 1, 1)
    wrong = []
    while day.year == year:
        expected = day in work or (day.weekday() < 5 and day not in off)
        if cal.is_workday(day) != expected:
            wrong.append(day)
        day += timedelta(days=1)
    assert wrong == []


@pytest.mark.parametrize(
    ("day", "workday", "name"),
    [
        ("2025-09-28", True, "调休上班（国庆节）"),  # a Sunday worked
        ("2025-10-11", True, "调休上班（国庆节）"),  # a Saturday worked
        ("2025-10-01", False, "国庆节"),
        ("2025-10-04", False, "国庆节"),  # a Saturday inside the holiday keeps its name
        ("2025-10-09", True, ""),
        ("2026-02-14", True, "调休上班（春节）"),
        ("2026-02-17", False, "春节"),
        ("2026-01-01", False, "元旦"),
        ("2026-09-25", False, "中秋节"),
    ],
)
def test_single_days(day, workday, name):
    assert wc.is_workday(d(day)) is workday
    assert wc.is_holiday(d(day)) is (not workday)
    assert wc.day_name(d(day)) == name


@pytest.mark.parametrize(
    ("n", "start", "expected"),
    [
        (5, "2025-09-30", "2025-10-14"),
        (3, "2026-02-13", "2026-02-25"),
        (0, "2025-10-01", "2025-10-09"),
        (0, "2025-09-30", "2025-09-30"),
        (1, "2025-10-03", "2025-10-10"),
        (-1, "2025-10-09", "2025-09-30"),
        (-2, "2025-10-12", "2025-10-10"),
    ],
)
def test_find_workday_has_the_package_semantics(n, start, expected):
    assert wc.find_workday(n, d(start)) == d(expected)


@pytest.mark.parametrize(
    ("start", "n", "from_next_day", "expected"),
    [
        ("2025-09-30", 5, True, "2025-10-14"),  # counted from the day after receipt
        ("2025-09-30", 5, False, "2025-10-13"),  # the day of receipt is day 1
        ("2025-10-01", 1, True, "2025-10-09"),
        ("2025-10-01", 1, False, "2025-10-09"),  # received on a holiday: day 1 is the next working day
        ("2026-02-13", 3, True, "2026-02-25"),
        ("2025-09-26", 1, True, "2025-09-28"),  # Friday -> the Sunday worked
        ("2025-09-30", 0, True, "2025-09-30"),
        ("2025-10-14", -5, True, "2025-09-30"),
        ("2025-12-31", 20, True, "2026-01-29"),
    ],
)
def test_add_working_days(start, n, from_next_day, expected):
    assert wc.add_working_days(d(start), n, count_from_next_day=from_next_day) == d(expected)


def test_a_datetime_start_counts_from_its_shanghai_date():
    # 2025-09-30 17:00 UTC is already 2025-10-01 01:00 in Shanghai, a holiday
    moment = datetime(2025, 9, 30, 17, 0, tzinfo=UTC)
    assert wc.add_working_days(moment, 1) == d("2025-10-09")


def test_october_2025_has_18_working_days():
    assert wc.working_days_between(d("2025-09-30"), d("2025-10-31")) == 18
    assert len(wc.workdays(d("2025-10-01"), d("2025-10-31"))) == 18
    assert wc.working_days_between(d("2025-10-31"), d("2025-09-30")) == -18


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(start=st.dates(date(2004, 1, 1), date(2026, 6, 30)), n=st.integers(0, 60))
def test_working_days_between_inverts_add_working_days(start, n):
    cal = wc.get_calendar()
    end = cal.add_working_days(start, n)
    assert cal.working_days_between(start, end) == n
    if n and cal.is_workday(start):
        assert cal.add_working_days(end, -n) == start


def test_the_package_years_are_in_the_table_after_migrate():
    years = set(CalendarYear.objects.values_list("year", flat=True))
    assert set(range(2004, 2027)) <= years
    assert CalendarYear.objects.get(year=2025).source == CalendarYear.Source.PACKAGE
    # only the named days are stored; ordinary weekdays and weekends have no row
    assert not CalendarDay.objects.filter(date=d("2025-10-09")).exists()
    assert CalendarDay.objects.filter(date__year=2025, is_workday=True).count() == 5


# --- a year without data ----------------------------------------------------------------------


def test_a_year_without_data_falls_back_to_monday_to_friday_and_warns(caplog):
    assert not CalendarYear.objects.filter(year=2027).exists()
    with caplog.at_level(logging.WARNING, logger="doorstep.core.workcalendar"):
        result = wc.compute_working_days(d("2026-12-28"), 5)
    # 2027-01-01 is a Friday: without a schedule it counts as a working day
    assert result.result == d("2027-01-04")
    assert result.fallback is True
    assert result.status.missing_years == (2027,)
    assert "2027" in caplog.text
    with translation.override("zh-hans"):
        assert "2027" in result.status.message
        assert "周一至周五" in result.status.message


def test_a_computation_inside_known_years_does_not_fall_back(caplog):
    with caplog.at_level(logging.WARNING, logger="doorstep.core.workcalendar"):
        result = wc.compute_working_days(d("2025-09-30"), 5)
    assert result.fallback is False
    assert caplog.text == ""


def test_plain_functions_also_log_the_fallback(caplog):
    with caplog.at_level(logging.WARNING, logger="doorstep.core.workcalendar"):
        assert wc.add_working_days(d("2027-03-01"), 5) == d("2027-03-08")
    assert "2027" in caplog.text


def test_calendar_status_names_the_missing_years():
    status = wc.calendar_status(2025, 2026, 2027, 2028)
    assert status.missing_years == (2027, 2028)
    assert status.fallback
    assert wc.calendar_status(2025).fallback is False


def test_warning_status_checks_next_year_from_october():
    CalendarYear.objects.filter(year=2026).delete()
    assert wc.warning_status(d("2026-03-01")).missing_years == (2026,)
    CalendarYear.objects.create(year=2026)
    assert wc.warning_status(d("2026-03-01")).fallback is False
    assert wc.warning_status(d("2026-10-01")).missing_years == (2027,)


# --- the snapshot follows the table -----------------------------------------------------------


def test_an_edit_of_the_table_takes_effect_at_once():
    assert wc.add_working_days(d("2025-09-30"), 5) == d("2025-10-14")
    day = CalendarDay.objects.create(date=d("2025-10-13"), is_workday=False, name="临时放假")
    assert wc.add_working_days(d("2025-09-30"), 5) == d("2025-10-15")
    day.name = "改名"
    day.save()
    assert wc.day_name(d("2025-10-13")) == "改名"
    day.delete()
    assert wc.add_working_days(d("2025-09-30"), 5) == d("2025-10-14")


def test_adding_a_year_row_ends_the_fallback():
    assert wc.compute_working_days(d("2027-03-01"), 1).fallback
    CalendarYear.objects.create(year=2027, source=CalendarYear.Source.MANUAL)
    assert not wc.compute_working_days(d("2027-03-01"), 1).fallback


def test_a_fresh_snapshot_costs_one_query(django_assert_num_queries):
    wc.get_calendar()
    with django_assert_num_queries(1):
        cal = wc.get_calendar()
    with django_assert_num_queries(0):
        for i in range(100):
            cal.add_working_days(d("2025-01-01") + timedelta(days=i), 10)


def test_a_computation_longer_than_ten_years_is_refused():
    with pytest.raises(ValueError):
        wc.add_working_days(d("2025-01-01"), 5000)


# --- working hours ----------------------------------------------------------------------------


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        ("2025-09-30T16:00", 8, "2025-10-09T17:30"),  # 1.5 h, holiday, 3.5 h + 3 h
        ("2025-09-30T08:00", 3.5, "2025-09-30T12:00"),  # ends at the close of the block, not later
        ("2025-09-30T12:30", 1, "2025-09-30T15:30"),  # lunch does not count
        ("2025-09-30T17:30", 0.5, "2025-10-09T09:00"),
        ("2025-10-10T17:00", 1, "2025-10-11T09:00"),  # the Saturday worked counts
        ("2025-09-30T10:00", 0, "2025-09-30T10:00"),
        ("2025-09-30T20:00", 24, "2025-10-13T15:30"),  # three full days of 6.5 h, then 4.5 h
    ],
)
def test_add_working_hours_with_the_city_default(start, hours, expected):
    result = wc.add_working_hours(at(start), hours)
    assert result == at(expected)
    assert result.tzinfo is not None


def test_working_hours_accept_utc_and_naive_times():
    utc = datetime(2025, 9, 30, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai
    assert wc.add_working_hours(utc, 8) == at("2025-10-09T17:30")
    assert wc.add_working_hours(datetime(2025, 9, 30, 16, 0), 8) == at("2025-10-09T17:30")
    assert wc.add_working_hours(at("2025-09-30T16:00"), timedelta(hours=8)) == at("2025-10-09T17:30")


def test_working_hours_between():
    assert wc.working_hours_between(at("2025-09-30T16:00"), at("2025-10-09T17:30")) == timedelta(hours=8)
    assert wc.working_hours_between(at("2025-10-09T17:30"), at("2025-09-30T16:00")) == -timedelta(hours=8)


SUMMER = {
    "blocks": ["08:30-12:00", "14:30-17:30"],
    "seasons": [{"name": "夏季", "from": "05-01", "to": "09-30", "blocks": ["08:00-12:00", "15:00-18:00"]}],
}


def test_an_organisation_schedule_with_a_summer_season(city):
    office = factories.organization(
        "袁州区城管局", Organization.Kind.DEPARTMENT, city.county_a, office_schedule=SUMMER
    )
    # 30 Sep is still summer: 16:00-18:00 (2 h); 9 Oct is not: 08:30-12:00 (3.5 h), 14:30 + 2.5 h
    assert wc.add_working_hours(at("2025-09-30T16:00"), 8, office) == at("2025-10-09T17:00")
    other = factories.organization("上高县市监局", Organization.Kind.DEPARTMENT, city.county_b)
    assert wc.add_working_hours(at("2025-09-30T16:00"), 8, other) == at("2025-10-09T17:30")


def test_a_season_may_wrap_the_new_year():
    winter = wc.OfficeSchedule.from_json(
        {"blocks": ["08:00-12:00"], "seasons": [{"from": "11-01", "to": "02-28", "blocks": ["09:00-11:00"]}]}
    )
    assert winter.blocks_for(d("2026-01-10"))[0][0].hour == 9
    assert winter.blocks_for(d("2026-06-10"))[0][0].hour == 8
    assert winter.hours_on(d("2026-12-01")) == timedelta(hours=2)


def test_the_city_default_comes_from_settings(settings):
    settings.DOORSTEP_OFFICE_HOURS = '{"blocks": ["09:00-17:00"]}'
    assert wc.add_working_hours(at("2025-09-30T16:00"), 8) == at("2025-10-09T16:00")


@pytest.mark.parametrize(
    "value",
    [
        [["08:30", "12:00"], ["14:30", "17:30"]],
        ["08:30-12:00", "14:30-17:30"],
        {"blocks": [{"start": "08:30", "end": "12:00"}]},
        '{"blocks": ["08:30-12:00"]}',
        {"blocks": ["00:00-24:00"]},
        SUMMER,
    ],
)
def test_schedule_shapes_accepted(value):
    schedule = wc.OfficeSchedule.from_json(value)
    assert wc.OfficeSchedule.from_json(schedule.to_json()) == schedule
    wc.validate_office_schedule(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("not json", "json"),
        ({"blocks": []}, "blocks"),
        ({"blocks": ["08:30"]}, "block"),
        ({"blocks": ["12:00-08:30"]}, "block"),
        ({"blocks": ["08:30-25:00"]}, "time"),
        ({"blocks": ["14:30-17:30", "08:30-12:00"]}, "overlap"),
        ({"blocks": ["08:30-12:00"], "hours": 8}, "shape"),
        (
            {
                "blocks": ["08:30-12:00"],
                "seasons": [{"from": "13-01", "to": "09-30", "blocks": ["08:00-12:00"]}],
            },
            "season",
        ),
        (42, "shape"),
    ],
)
def test_schedule_mistakes_are_refused(value, code):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        wc.OfficeSchedule.from_json(value)
    assert info.value.code == code
    assert "办公时间" in info.value.messages[0]


def test_an_empty_organisation_schedule_means_the_city_default():
    wc.validate_office_schedule(None)
    wc.validate_office_schedule({})
