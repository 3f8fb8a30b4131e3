"""Working-day arithmetic over the city's calendar table.

The table (CalendarDay, CalendarYear) is read once into an in-process snapshot. Each call to
`get_calendar()` asks the database for a one-row signature of both tables (row counts and the
latest change time) and reloads the snapshot when it differs, so an admin's edit takes effect on
the next computation in every process, and a rolled-back edit is forgotten. A loop computing
many deadlines should take one snapshot (`cal = get_calendar()`) and call its methods: that costs
one query in all.

A date in a year without a CalendarYear row falls back to Monday–Friday; the computation logs a
warning and its CalendarStatus says `fallback`.
"""

import logging
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger("doorstep.core.workcalendar")

_ONE_DAY = timedelta(days=1)
# The longest span a computation may walk; anything longer is a mistake in the input.
MAX_SPAN_DAYS = 3660


def local_date(value) -> date:
    """A date, or the Asia/Shanghai calendar date of a datetime (naive ones are taken as local)."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            return timezone.localtime(value).date()
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"expected a date or datetime, got {type(value).__name__}")


@dataclass(frozen=True)
class CalendarStatus:
    """Whether the years a computation touched have schedule data."""

    checked_years: tuple[int, ...]
    missing_years: tuple[int, ...] = ()

    @property
    def fallback(self) -> bool:
        """True when at least one year was counted Monday–Friday for want of data."""
        return bool(self.missing_years)

    @property
    def message(self) -> str:
        if not self.missing_years:
            return ""
        years = "、".join(str(y) for y in self.missing_years)
        return _(
            "The work calendar has no holiday schedule for %(years)s: working days there are counted "
            "Monday to Friday. Import the State Council's schedule."
        ) % {"years": years}


@dataclass(frozen=True)
class Computation:
    """The result of a working-time computation with the calendar status behind it."""

    start: date | datetime
    amount: object
    result: date | datetime
    status: CalendarStatus

    @property
    def fallback(self) -> bool:
        return self.status.fallback


@dataclass
class WorkCalendar:
    """A snapshot of the calendar table: exceptions to Monday–Friday and the years with data."""

    days: dict[date, tuple[bool, str]]
    years: frozenset[int]
    signature: tuple = ()

    # --- single days -------------------------------------------------------------------------

    def is_workday(self, day) -> bool:
        day = local_date(day)
        exception = self.days.get(day)
        if exception is not None:
            return exception[0]
        return day.weekday() < 5

    def is_holiday(self, day) -> bool:
        return not self.is_workday(day)

    def day_name(self, day) -> str:
        """The holiday's or adjusted working day's name, '' for an ordinary day."""
        exception = self.days.get(local_date(day))
        return exception[1] if exception else ""

    def has_data(self, year: int) -> bool:
        return year in self.years

    def status(self, years) -> CalendarStatus:
        checked = tuple(sorted(set(years)))
        return CalendarStatus(checked, tuple(y for y in checked if y not in self.years))

    def status_between(self, a, b) -> CalendarStatus:
        first, last = sorted((local_date(a), local_date(b)))
        return self.status(range(first.year, last.year + 1))

    # --- day arithmetic ----------------------------------------------------------------------

    def add_working_days(self, start, n: int, *, count_from_next_day: bool = True) -> date:
        """The n-th working day after `start` (a deadline of n working days).

        Practice counts from the day after receipt (count_from_next_day=True): received on
        2025-09-30, 5 working days end on 2025-10-14. With count_from_next_day=False the day of
        receipt is day 1 when it is a working day. n=0 gives `start`; negative n counts back.
        """
        return self.compute_working_days(start, n, count_from_next_day=count_from_next_day).result

    def compute_working_days(self, start, n: int, *, count_from_next_day: bool = True) -> Computation:
        """add_working_days with the calendar status (fallback years) of the span it walked."""
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError("the number of working days must be an integer")
        first = local_date(start)
        day = first
        if n > 0:
            if not count_from_next_day:
                day -= _ONE_DAY
            day = self._walk(day, n, _ONE_DAY)
        elif n < 0:
            if not count_from_next_day:
                day += _ONE_DAY
            day = self._walk(day, -n, -_ONE_DAY)
        status = self._checked(self.status_between(first, day))
        return Computation(start=first, amount=n, result=day, status=status)

    def find_workday(self, n: int = 0, day=None) -> date:
        """chinesecalendar's find_workday over this table.

        n >= 0: the n-th working day after the first working day on or after `day` (n=0 gives
        that first working day). n < 0: the |n|-th working day before `day`.
        """
        first = local_date(day) if day is not None else timezone.localdate()
        if n >= 0:
            current = self._walk(first - _ONE_DAY, 1, _ONE_DAY)
            current = self._walk(current, n, _ONE_DAY) if n else current
        else:
            current = self._walk(first, -n, -_ONE_DAY)
        self._checked(self.status_between(first, current))
        return current

    def working_days_between(self, a, b) -> int:
        """Working days elapsed from a to b: those after a, up to and including b.

        The inverse of add_working_days: working_days_between(a, add_working_days(a, n)) == n.
        The working days of October 2025 are working_days_between(2025-09-30, 2025-10-31) == 18.
        When b is before a the count is negative (working days from b up to, not including, a).
        """
        a, b = local_date(a), local_date(b)
        if b < a:
            return -(self.working_days_between(b - _ONE_DAY, a - _ONE_DAY))
        self._checked(self.status_between(a, b))
        count = 0
        day = a + _ONE_DAY
        while day <= b:
            count += self.is_workday(day)
            day += _ONE_DAY
        return count

    def workdays(self, first, last) -> list[date]:
        """The working days from `first` to `last`, both included."""
        first, last = local_date(first), local_date(last)
        self._checked(self.status_between(first, last))
        out = []
        day = first
        while day <= last:
            if self.is_workday(day):
                out.append(day)
            day += _ONE_DAY
        return out

    # --- hour arithmetic (see hours.py) ---------------------------------------------------------

    def add_working_hours(self, start, hours, schedule=None) -> datetime:
        from .hours import add_working_hours

        return add_working_hours(start, hours, schedule, calendar=self)

    def compute_working_hours(self, start, hours, schedule=None) -> Computation:
        from .hours import compute_working_hours

        return compute_working_hours(start, hours, schedule, calendar=self)

    def working_hours_between(self, a, b, schedule=None) -> timedelta:
        from .hours import working_hours_between

        return working_hours_between(a, b, schedule, calendar=self)

    # --- internals ---------------------------------------------------------------------------

    def _walk(self, day: date, count: int, step: timedelta) -> date:
        """Step day by day until `count` working days have been passed."""
        steps = 0
        while count:
            day += step
            steps += 1
            if steps > MAX_SPAN_DAYS:
                raise ValueError("a working-day computation may not span more than ten years")
            if self.is_workday(day):
                count -= 1
        return day

    def _checked(self, status: CalendarStatus) -> CalendarStatus:
        if status.fallback:
            logger.warning(
                "work calendar: no schedule for %s, counted Monday to Friday",
                ", ".join(str(y) for y in status.missing_years),
            )
        return status


# --- the in-process snapshot -----------------------------------------------------------------

_lock = threading.Lock()
_snapshot: WorkCalendar | None = None


def _signature() -> tuple:
    """Row counts and latest change times of both tables, in one query."""
    from doorstep.core.models import CalendarDay, CalendarYear

    quote = connection.ops.quote_name
    day_table, year_table = quote(CalendarDay._meta.db_table), quote(CalendarYear._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {day_table}), (SELECT MAX(updated_at) FROM {day_table}), "
            f"(SELECT COUNT(*) FROM {year_table}), (SELECT MAX(updated_at) FROM {year_table})"
        )
        return tuple(str(v) for v in cursor.fetchone())


def get_calendar() -> WorkCalendar:
    """The current calendar snapshot (one query to check it is fresh; two more to reload)."""
    global _snapshot
    from doorstep.core.models import CalendarDay, CalendarYear

    signature = _signature()
    snapshot = _snapshot
    if snapshot is not None and snapshot.signature == signature:
        return snapshot
    with _lock:
        days = {d: (w, n) for d, w, n in CalendarDay.objects.values_list("date", "is_workday", "name")}
        years = frozenset(CalendarYear.objects.values_list("year", flat=True))
        _snapshot = WorkCalendar(days=days, years=years, signature=signature)
        return _snapshot


def years_with_data(years) -> set[int]:
    """Which of these years have a schedule (one small query, no snapshot)."""
    from doorstep.core.models import CalendarYear

    return set(CalendarYear.objects.filter(year__in=list(years)).values_list("year", flat=True))


def warning_status(today: date | None = None) -> CalendarStatus:
    """What the console and the admin warn about: this year, and next year from autumn on.

    Next year's schedule is published in November or December; from DOORSTEP_CALENDAR_NEXT_YEAR_FROM
    ("MM-DD", default "10-01") a missing next year is warned about, so that long deadlines set in
    the last quarter do not silently fall back.
    """
    today = today or timezone.localdate()
    month, day = (int(x) for x in getattr(settings, "DOORSTEP_CALENDAR_NEXT_YEAR_FROM", "10-01").split("-"))
    years = [today.year]
    if (today.month, today.day) >= (month, day):
        years.append(today.year + 1)
    have = years_with_data(years)
    return CalendarStatus(tuple(years), tuple(y for y in years if y not in have))


# --- module-level shortcuts (each takes a fresh snapshot) ------------------------------------


def is_workday(day) -> bool:
    return get_calendar().is_workday(day)


def is_holiday(day) -> bool:
    return get_calendar().is_holiday(day)


def day_name(day) -> str:
    return get_calendar().day_name(day)


def add_working_days(start, n: int, *, count_from_next_day: bool = True) -> date:
    return get_calendar().add_working_days(start, n, count_from_next_day=count_from_next_day)


def compute_working_days(start, n: int, *, count_from_next_day: bool = True) -> Computation:
    return get_calendar().compute_working_days(start, n, count_from_next_day=count_from_next_day)


def find_workday(n: int = 0, day=None) -> date:
    return get_calendar().find_workday(n, day)


def working_days_between(a, b) -> int:
    return get_calendar().working_days_between(a, b)


def workdays(first, last) -> list[date]:
    return get_calendar().workdays(first, last)


def calendar_status(*years: int) -> CalendarStatus:
    """Which of the given years (default: this year and next) lack schedule data."""
    if not years:
        this = timezone.localdate().year
        years = (this, this + 1)
    have = years_with_data(years)
    checked = tuple(sorted(set(years)))
    return CalendarStatus(checked, tuple(y for y in checked if y not in have))
