"""Opening hours: weekly blocks, "open now" in Asia/Shanghai whatever the server's zone."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from doorstep.resources.hours import is_open, lines, validate_hours

SH = ZoneInfo("Asia/Shanghai")
OFFICE = {d: ["08:30-12:00", "14:30-17:30"] for d in ("mon", "tue", "wed", "thu", "fri")} | {
    "sat": ["09:00-12:00"]
}
NIGHT = {"fri": ["20:00-02:00"]}

# 2026-11-23 is a Monday.


@pytest.mark.parametrize(
    ("hours", "local", "expected"),
    [
        (OFFICE, datetime(2026, 11, 23, 8, 29), False),
        (OFFICE, datetime(2026, 11, 23, 8, 30), True),
        (OFFICE, datetime(2026, 11, 23, 11, 59), True),
        (OFFICE, datetime(2026, 11, 23, 12, 0), False),  # a block's end is closed
        (OFFICE, datetime(2026, 11, 23, 13, 0), False),  # lunch
        (OFFICE, datetime(2026, 11, 28, 10, 0), True),  # Saturday morning
        (OFFICE, datetime(2026, 11, 29, 10, 0), False),  # Sunday: missing day is closed
        (NIGHT, datetime(2026, 11, 27, 23, 0), True),  # Friday night
        (NIGHT, datetime(2026, 11, 28, 1, 30), True),  # Friday's block running into Saturday
        (NIGHT, datetime(2026, 11, 28, 2, 0), False),
        (NIGHT, datetime(2026, 11, 27, 1, 0), False),  # Thursday had no night block
        ({"mon": ["00:00-24:00"]}, datetime(2026, 11, 23, 23, 59), True),
        ({}, datetime(2026, 11, 23, 10, 0), None),  # unknown, not closed
    ],
)
def test_open_now(hours, local, expected):
    assert is_open(hours, local.replace(tzinfo=SH)) is expected


def test_open_now_counts_in_shanghai_not_utc():
    # 01:00 UTC on Monday is 09:00 in Shanghai: open; 16:00 UTC Monday is Tuesday 00:00 there.
    assert is_open(OFFICE, datetime(2026, 11, 23, 1, 0, tzinfo=UTC)) is True
    assert is_open(OFFICE, datetime(2026, 11, 23, 16, 0, tzinfo=UTC)) is False


@pytest.mark.parametrize(
    "bad",
    [
        {"monday": ["08:00-12:00"]},
        {"mon": "08:00-12:00"},
        {"mon": ["8-12"]},
        {"mon": ["08:00-08:00"]},
        {"mon": ["25:00-26:00"]},
        ["08:00-12:00"],
    ],
)
def test_bad_hours_are_refused(bad):
    with pytest.raises(ValidationError):
        validate_hours(bad)


def test_lines_group_equal_days():
    rows = lines(OFFICE)
    assert rows[0] == ("周一–周五", "08:30–12:00, 14:30–17:30")
    assert rows[1] == ("周六", "09:00–12:00")
    assert rows[2] == ("周日", "休息")
