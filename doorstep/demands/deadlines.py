"""Deadlines of the case loop: limits counted with the work calendar, and how they read.

A limit is a value and a unit (Category: accept / respond / handle; the whistle's report-in and
part limits in settings):

- ``working_days``: the n-th working day after receipt (from the day after receipt by default,
  DOORSTEP_DEADLINE_FROM_NEXT_DAY), ending when the handling unit's office closes that day;
- ``working_hours``: office hours of the handling unit (Organization.office_schedule, the city
  default otherwise) on working days;
- ``hours``: plain clock hours (urgent matters do not wait for Monday).

    compute_due(2025-09-30 10:00, 5, "working_days")  -> 2025-10-14 17:30 (National Day skipped)

The numbers that differ from city to city are settings with the defaults of cases.md (see
`rules()`), never constants in the code.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.workcalendar import get_calendar, local_date, resolve_schedule
from doorstep.core.workcalendar.hours import SHANGHAI

from .models import TimeLimit

WORKING_DAYS = TimeLimit.WORKING_DAYS.value
WORKING_HOURS = TimeLimit.WORKING_HOURS.value
HOURS = TimeLimit.HOURS.value
UNITS = frozenset(TimeLimit.values)


@dataclass(frozen=True)
class Limit:
    value: int
    unit: str

    @classmethod
    def parse(cls, spec) -> "Limit":
        """A limit from "2 working_hours", (2, "working_hours") or {"value": 2, "unit": ...}."""
        if isinstance(spec, Limit):
            return spec
        if isinstance(spec, dict):
            value, unit = spec.get("value"), spec.get("unit")
        elif isinstance(spec, list | tuple):
            value, unit = spec
        else:
            parts = str(spec).split()
            if len(parts) != 2:
                raise ValueError(f"a limit is written like '2 working_hours', not {spec!r}")
            value, unit = parts
        value = int(value)
        if unit not in UNITS or value < 0:
            raise ValueError(f"a limit's unit is one of {sorted(UNITS)} and its value not negative: {spec!r}")
        return cls(value, unit)


@dataclass(frozen=True)
class Rules:
    """The local rules of the loop, read from settings (defaults: cases.md and calendar.md)."""

    from_next_day: bool  # working days count from the day after receipt
    return_within_working_days: int  # 退单 allowed within this many working days after dispatch
    postpone_max_working_days: int  # all approved postponements of a case together
    whistle_report_in: Limit  # a summoned department reports in within this
    whistle_part: Limit  # and finishes its part within this, from reporting in
    reopen_within_days: int  # the resident may reopen this many days after closing
    remind_at: float  # "due soon" reminder when this share of the time has passed


def rules() -> Rules:
    g = lambda name, default: getattr(settings, name, default)  # noqa: E731
    return Rules(
        from_next_day=bool(g("DOORSTEP_DEADLINE_FROM_NEXT_DAY", True)),
        return_within_working_days=int(g("DOORSTEP_RETURN_WITHIN_WORKING_DAYS", 2)),
        postpone_max_working_days=int(g("DOORSTEP_POSTPONE_MAX_WORKING_DAYS", 10)),
        whistle_report_in=Limit.parse(g("DOORSTEP_WHISTLE_REPORT_IN", "2 working_hours")),
        whistle_part=Limit.parse(g("DOORSTEP_WHISTLE_PART_LIMIT", "3 working_days")),
        reopen_within_days=int(g("DOORSTEP_REOPEN_WITHIN_DAYS", 7)),
        remind_at=float(g("DOORSTEP_REMIND_AT", 0.8)),
    )


# --- computing deadlines ---------------------------------------------------------------------


def aware(moment: datetime) -> datetime:
    """A datetime in Asia/Shanghai (naive values are read as Shanghai time)."""
    if timezone.is_naive(moment):
        return moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(SHANGHAI)


def end_of_office(day, schedule=None) -> datetime:
    """The moment the office closes on `day` (the end of its last block)."""
    office = resolve_schedule(schedule)
    day = local_date(day)
    blocks = office.blocks_for(day)
    end = blocks[-1][1] if blocks else time(17, 30)
    if end == time.max:
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=SHANGHAI)
    return datetime.combine(day, end, tzinfo=SHANGHAI)


def compute_due(start: datetime, value: int, unit: str, schedule=None, *, cal=None) -> datetime:
    """The deadline `value` `unit`s after `start`, counted for the unit handling the case.

    `schedule`: the handling Organization (its office hours), an OfficeSchedule, or None for the
    city default.
    """
    cal = cal or get_calendar()
    start = aware(start)
    if unit == HOURS:
        return start + timedelta(hours=value)
    if unit == WORKING_HOURS:
        return cal.add_working_hours(start, value, resolve_schedule(schedule))
    if unit == WORKING_DAYS:
        day = cal.add_working_days(start, value, count_from_next_day=rules().from_next_day)
        return end_of_office(day, schedule)
    raise ValueError(f"unknown time unit {unit!r}")


def add_working_days_to_due(due: datetime, n: int, schedule=None, *, cal=None) -> datetime:
    """A deadline moved by n working days (postponement): the close of office n working days on."""
    cal = cal or get_calendar()
    return end_of_office(cal.add_working_days(aware(due), n, count_from_next_day=True), schedule)


def reminder_moment(start: datetime, due: datetime, unit: str, schedule=None, *, share=None, cal=None):
    """When `share` of the time from start to due has passed (in the limit's own kind of time)."""
    share = rules().remind_at if share is None else share
    start, due = aware(start), aware(due)
    if due <= start or share >= 1:
        return due
    if unit == HOURS:
        return start + (due - start) * share
    cal = cal or get_calendar()
    office = resolve_schedule(schedule)
    span = cal.working_hours_between(start, due, office)
    if span <= timedelta(0):
        return due
    return cal.add_working_hours(start, span * share, office)


def limit_deadline(start: datetime, limit, schedule=None) -> datetime:
    limit = Limit.parse(limit)
    return compute_due(start, limit.value, limit.unit, schedule)


# --- how a deadline reads --------------------------------------------------------------------


def _clock(delta: timedelta) -> str:
    """Clock time, whole units rounded down (never more time left than there is)."""
    minutes = max(1, int(delta.total_seconds() // 60))
    if minutes < 60:
        return _("%(n)d minutes") % {"n": minutes}
    if minutes < 48 * 60:
        return _("%(n)d hours") % {"n": minutes // 60}
    return _("%(n)d days") % {"n": minutes // (24 * 60)}


def due_label(due, now=None, *, unit: str | None = None, schedule=None, cal=None) -> str:
    """ "还剩 2 个工作日" / "还剩 3 个工作时" / "已超期 3 小时": a deadline as staff and residents read it.

    `unit` is the unit the limit was set in: working days show whole working days (hours on the
    last day), working hours show office hours, plain hours show clock time. Without a unit a
    deadline more than a day away reads in working days. Pass `cal` (one snapshot) when labelling
    many deadlines: each snapshot costs a query.
    """
    if due is None:
        return ""
    now = aware(now or timezone.now())
    due = aware(due)
    cal = cal or get_calendar()
    ahead = due > now
    first, last = (now, due) if ahead else (due, now)
    if unit is None:
        unit = WORKING_DAYS if last - first >= timedelta(days=1) else HOURS
    amount = ""
    if unit == WORKING_DAYS:
        days = cal.working_days_between(first, last)
        if ahead and local_date(due) > local_date(now):
            # Working days still to start before the deadline day, the deadline day counted.
            amount = _("%(n)d working days") % {"n": days}
        elif not ahead:
            # Whole working days overdue: today counts only once its office has closed.
            if cal.is_workday(now) and now < end_of_office(now, schedule):
                days -= 1
            if days >= 1:
                amount = _("%(n)d working days") % {"n": days}
    if not amount and unit in (WORKING_DAYS, WORKING_HOURS):
        office = resolve_schedule(schedule)
        worked = cal.working_hours_between(first, last, office)
        if worked >= timedelta(hours=1):
            amount = _("%(n)d working hours") % {"n": int(worked.total_seconds() // 3600)}
    if not amount:
        amount = _clock(last - first)
    if ahead:
        return _("due in %(amount)s") % {"amount": amount}
    return _("overdue by %(amount)s") % {"amount": amount}


def is_overdue(due, now=None) -> bool:
    return due is not None and due < (now or timezone.now())
