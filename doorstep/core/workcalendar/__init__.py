"""The city's work calendar: working days and working hours for deadlines.

Government limits count working days (statutory holidays excluded, adjusted weekend working days
included) and, for some, working hours within office hours. The schedule is a table seeded from
the `chinesecalendar` package after every migrate, editable in the admin and importable from a
file (`doorstep calendar import`); a year without data falls back to Monday–Friday, logs a
warning and says so in CalendarStatus / Computation.fallback.

    add_working_days(date(2025, 9, 30), 5)            -> date(2025, 10, 14)
    find_workday(3, date(2026, 2, 13))                 -> date(2026, 2, 25)
    add_working_hours(datetime(2025, 9, 30, 16), 8)    -> 2025-10-09 17:30+08:00
    compute_working_days(date(2027, 3, 1), 5).fallback -> True while 2027 has no schedule

For many computations take one snapshot: `cal = get_calendar()` then `cal.add_working_days(...)`.
"""

from .days import (
    CalendarStatus,
    Computation,
    WorkCalendar,
    add_working_days,
    calendar_status,
    compute_working_days,
    day_name,
    find_workday,
    get_calendar,
    is_holiday,
    is_workday,
    local_date,
    warning_status,
    workdays,
    working_days_between,
    years_with_data,
)
from .hours import (
    DEFAULT_OFFICE_HOURS,
    OfficeSchedule,
    add_working_hours,
    city_schedule,
    compute_working_hours,
    resolve_schedule,
    validate_office_schedule,
    working_hours_between,
)

__all__ = [
    "DEFAULT_OFFICE_HOURS",
    "CalendarStatus",
    "Computation",
    "OfficeSchedule",
    "WorkCalendar",
    "add_working_days",
    "add_working_hours",
    "calendar_status",
    "city_schedule",
    "compute_working_days",
    "compute_working_hours",
    "day_name",
    "find_workday",
    "get_calendar",
    "is_holiday",
    "is_workday",
    "local_date",
    "resolve_schedule",
    "validate_office_schedule",
    "warning_status",
    "working_days_between",
    "working_hours_between",
    "workdays",
    "years_with_data",
]
