"""Deadlines: category limits counted with the work calendar, and how they read ("还剩 …" / "已超期 …")."""

from datetime import datetime

import pytest
from django.utils import translation

from doorstep.demands.deadlines import Limit, compute_due, due_label, reminder_moment
from tests import factories as f

pytestmark = pytest.mark.django_db


def t(text: str) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


# calendar.md's checks, as deadlines: received at `start`, the limit ends at `due`.
@pytest.mark.parametrize(
    ("start", "value", "unit", "due"),
    [
        # 5 working days from 2025-09-30: find_workday(5, 2025-09-30) = 2025-10-14, office closes 17:30.
        ("2025-09-30 10:00", 5, "working_days", "2025-10-14 17:30"),
        # Received late at night or on the holiday: still counted from the next day.
        ("2025-09-30 23:50", 5, "working_days", "2025-10-14 17:30"),
        ("2025-10-03 10:00", 1, "working_days", "2025-10-09 17:30"),
        # 2025-10-11 is a Saturday worked in exchange: it counts.
        ("2025-10-10 09:00", 1, "working_days", "2025-10-11 17:30"),
        # Spring Festival 2026: 3 working days from 2026-02-13 end on 2026-02-25 (2/14 worked).
        ("2026-02-13 09:00", 3, "working_days", "2026-02-25 17:30"),
        # 8 working hours from 16:00 on 2025-09-30: 1.5 h that day, the rest after the holiday.
        ("2025-09-30 16:00", 8, "working_hours", "2025-10-09 17:30"),
        ("2025-10-09 09:00", 4, "working_hours", "2025-10-09 15:30"),
        # Urgent matters count plain hours, holidays included.
        ("2025-09-30 22:00", 4, "hours", "2025-10-01 02:00"),
    ],
)
def test_compute_due(start, value, unit, due):
    assert compute_due(t(start), value, unit) == t(due)


def test_working_hours_follow_the_handling_units_office_hours():
    city = f.small_city()
    summer = f.organization(
        "城管夏令时", "department", city.county_a, office_schedule={"blocks": ["08:00-12:00", "15:00-18:00"]}
    )
    assert compute_due(t("2025-10-09 11:00"), 2, "working_hours", summer) == t("2025-10-09 16:00")
    assert compute_due(t("2025-10-09 11:00"), 2, "working_days", summer) == t("2025-10-11 18:00")


def test_counting_from_the_day_of_receipt_is_a_setting(settings):
    settings.DOORSTEP_DEADLINE_FROM_NEXT_DAY = False
    assert compute_due(t("2025-09-30 10:00"), 5, "working_days") == t("2025-10-13 17:30")


@pytest.mark.parametrize(
    ("due", "now", "unit", "label"),
    [
        ("2025-10-14 17:30", "2025-10-09 10:00", "working_days", "还剩 4 个工作日"),
        ("2025-10-14 17:30", "2025-09-30 10:00", "working_days", "还剩 5 个工作日"),
        ("2025-10-14 17:30", "2025-10-14 09:00", "working_days", "还剩 6 个工作时"),
        ("2025-10-14 17:30", "2025-10-14 17:00", "working_days", "还剩 30 分钟"),
        ("2025-10-14 17:30", "2025-10-14 20:30", "working_days", "已超期 3 小时"),
        ("2025-10-14 17:30", "2025-10-15 10:00", "working_days", "已超期 1 个工作时"),
        ("2025-10-14 17:30", "2025-10-15 18:00", "working_days", "已超期 1 个工作日"),
        ("2025-10-14 17:30", "2025-10-20 09:00", "working_days", "已超期 3 个工作日"),
        ("2025-10-09 16:00", "2025-10-09 09:00", "working_hours", "还剩 4 个工作时"),
        ("2025-10-09 16:00", "2025-09-30 16:00", "working_hours", "还剩 6 个工作时"),
        ("2025-10-01 02:00", "2025-09-30 22:00", "hours", "还剩 4 小时"),
        ("2025-10-01 02:00", "2025-10-01 05:10", "hours", "已超期 3 小时"),
        ("2025-10-01 02:00", "2025-10-04 02:00", "hours", "已超期 3 天"),
    ],
)
def test_due_label(due, now, unit, label):
    assert due_label(t(due), t(now), unit=unit) == label


def test_due_label_without_a_unit_and_without_a_deadline():
    assert due_label(t("2025-10-14 17:30"), t("2025-10-09 10:00")) == "还剩 4 个工作日"
    assert due_label(t("2025-10-09 12:00"), t("2025-10-09 10:00")) == "还剩 2 小时"
    assert due_label(None) == ""


def test_due_label_in_english():
    with translation.override("en"):
        assert due_label(t("2025-10-14 17:30"), t("2025-10-09 10:00"), unit="working_days") == (
            "due in 4 working days"
        )


def test_the_due_soon_reminder_comes_when_most_working_time_has_passed():
    # From 10:00 on 09-30 to 17:30 on 10-14 are 37.5 office hours (5 on 09-30, 6.5 on each of
    # the five working days after the holiday); 80 % of them have passed at 16:30 on 10-13.
    moment = reminder_moment(t("2025-09-30 10:00"), t("2025-10-14 17:30"), "working_days", share=0.8)
    assert moment == t("2025-10-13 16:30")
    assert reminder_moment(t("2025-09-30 22:00"), t("2025-10-01 02:00"), "hours", share=0.5) == t(
        "2025-10-01 00:00"
    )


@pytest.mark.parametrize(
    ("spec", "limit"),
    [
        ("2 working_hours", Limit(2, "working_hours")),
        ((3, "working_days"), Limit(3, "working_days")),
        ({"value": 30, "unit": "hours"}, Limit(30, "hours")),
    ],
)
def test_limits_in_settings(spec, limit):
    assert Limit.parse(spec) == limit


@pytest.mark.parametrize("spec", ["2", "2 fortnights", "-1 hours", (1, "weeks")])
def test_bad_limits_are_refused(spec):
    with pytest.raises(ValueError):
        Limit.parse(spec)
