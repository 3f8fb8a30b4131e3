"""Working-hour arithmetic: office hours on working days, in Asia/Shanghai time.

Office hours are a JSON value, the same shape in settings (DOORSTEP_OFFICE_HOURS, the city
default) and on an organisation (territory.Organization.office_schedule):

    {
      "blocks": ["08:30-12:00", "14:30-17:30"],
      "seasons": [
        {"name": "夏季", "from": "05-01", "to": "09-30", "blocks": ["08:00-12:00", "15:00-18:00"]}
      ]
    }

`blocks` are the office hours of a working day, in order, not overlapping. `seasons` (optional)
replace them between two month-day dates, both included (a season may wrap the new year:
"from": "10-01", "to": "04-30"); the first season that covers a day wins. A block may also be
written ["08:30", "12:00"], and a bare list of blocks is short for {"blocks": [...]}.
Without any setting the city default is 08:30–12:00 and 14:30–17:30.
"""

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .days import MAX_SPAN_DAYS, Computation, WorkCalendar, get_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_OFFICE_HOURS = {"blocks": ["08:30-12:00", "14:30-17:30"]}

_TIME = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")
_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")

Block = tuple[time, time]


@dataclass(frozen=True)
class Season:
    name: str
    start: tuple[int, int]  # (month, day), included
    end: tuple[int, int]  # (month, day), included
    blocks: tuple[Block, ...]

    def covers(self, day: date) -> bool:
        md = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= md <= self.end
        return md >= self.start or md <= self.end


@dataclass(frozen=True)
class OfficeSchedule:
    """Office blocks of a working day, with optional seasonal variants."""

    blocks: tuple[Block, ...]
    seasons: tuple[Season, ...] = ()

    def blocks_for(self, day: date) -> tuple[Block, ...]:
        for season in self.seasons:
            if season.covers(day):
                return season.blocks
        return self.blocks

    def hours_on(self, day: date) -> timedelta:
        """Length of the office day (whether or not `day` is a working day)."""
        return sum((_length(b) for b in self.blocks_for(day)), timedelta())

    def to_json(self) -> dict:
        out: dict = {"blocks": [_format_block(b) for b in self.blocks]}
        if self.seasons:
            out["seasons"] = [
                {
                    "name": s.name,
                    "from": f"{s.start[0]:02d}-{s.start[1]:02d}",
                    "to": f"{s.end[0]:02d}-{s.end[1]:02d}",
                    "blocks": [_format_block(b) for b in s.blocks],
                }
                for s in self.seasons
            ]
        return out

    @classmethod
    def from_json(cls, value) -> "OfficeSchedule":
        """Read the JSON shape above (a dict, a list, or JSON text); raise ValidationError."""
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValidationError(_("Office hours are not valid JSON."), code="json") from None
        if isinstance(value, list):
            value = {"blocks": value}
        if not isinstance(value, dict):
            raise ValidationError(_("Office hours must be an object with a list of blocks."), code="shape")
        unknown = set(value) - {"blocks", "seasons"}
        if unknown:
            raise ValidationError(
                _("Office hours have unknown keys: %(keys)s."),
                code="shape",
                params={"keys": ", ".join(sorted(unknown))},
            )
        seasons = value.get("seasons") or []
        if not isinstance(seasons, list):
            raise ValidationError(_("Office hours: seasons must be a list."), code="shape")
        parsed = []
        for index, season in enumerate(seasons, start=1):
            if not isinstance(season, dict):
                raise ValidationError(
                    _("Office hours: season %(n)d must be an object."), code="shape", params={"n": index}
                )
            parsed.append(
                Season(
                    name=str(season.get("name") or index),
                    start=_month_day(season.get("from")),
                    end=_month_day(season.get("to")),
                    blocks=_blocks(season.get("blocks")),
                )
            )
        return cls(blocks=_blocks(value.get("blocks")), seasons=tuple(parsed))


def _length(block: Block) -> timedelta:
    start, end = block
    end_minutes = 24 * 60 if end == time.max else end.hour * 60 + end.minute
    return timedelta(minutes=end_minutes - (start.hour * 60 + start.minute))


def _format_block(block: Block) -> str:
    start, end = block
    return f"{start:%H:%M}-{'24:00' if end == time.max else f'{end:%H:%M}'}"


def _time(text) -> time:
    match = _TIME.match(str(text).strip())
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise ValidationError(
            _("Office hours: %(value)s is not a time like 08:30."), code="time", params={"value": text}
        )
    hour, minute = int(match.group(1)), int(match.group(2))
    return time.max if hour == 24 else time(hour, minute)


def _block(value) -> Block:
    if isinstance(value, str) and "-" in value:
        value = value.split("-", 1)
    elif isinstance(value, dict):
        value = [value.get("start"), value.get("end")]
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValidationError(
            _('Office hours: %(value)s is not a block like "08:30-12:00".'),
            code="block",
            params={"value": json.dumps(value, ensure_ascii=False)},
        )
    start, end = _time(value[0]), _time(value[1])
    if start >= end:
        raise ValidationError(
            _("Office hours: a block must end after it starts (%(block)s)."),
            code="block",
            params={"block": _format_block((start, end))},
        )
    return start, end


def _blocks(value) -> tuple[Block, ...]:
    if not isinstance(value, list) or not value:
        raise ValidationError(_('Office hours need at least one block, like "08:30-12:00".'), code="blocks")
    blocks = tuple(_block(v) for v in value)
    for before, after in zip(blocks, blocks[1:], strict=False):
        if after[0] < before[1]:
            raise ValidationError(
                _("Office hours: blocks must be in order and must not overlap (%(a)s, %(b)s)."),
                code="overlap",
                params={"a": _format_block(before), "b": _format_block(after)},
            )
    return blocks


def _month_day(value) -> tuple[int, int]:
    match = _MONTH_DAY.match(str(value or "").strip())
    if match:
        month, day = int(match.group(1)), int(match.group(2))
        try:
            date(2000, month, day)  # a leap year, so 02-29 is allowed
            return month, day
        except ValueError:
            pass
    raise ValidationError(
        _("Office hours: a season's dates are written MM-DD, like 05-01 (got %(value)s)."),
        code="season",
        params={"value": value},
    )


def validate_office_schedule(value) -> None:
    """Django validator for Organization.office_schedule (empty means: the city default)."""
    if value in (None, "", [], {}):
        return
    OfficeSchedule.from_json(value)


def city_schedule() -> OfficeSchedule:
    """The city default: settings.DOORSTEP_OFFICE_HOURS, else 08:30–12:00 and 14:30–17:30."""
    configured = getattr(settings, "DOORSTEP_OFFICE_HOURS", None)
    return OfficeSchedule.from_json(configured or DEFAULT_OFFICE_HOURS)


def resolve_schedule(schedule=None) -> OfficeSchedule:
    """An OfficeSchedule from None (city default), a JSON value, or an object with an
    `office_schedule` attribute (an Organization; empty means the city default)."""
    if schedule is None:
        return city_schedule()
    if isinstance(schedule, OfficeSchedule):
        return schedule
    if hasattr(schedule, "office_schedule"):
        own = schedule.office_schedule
        return OfficeSchedule.from_json(own) if own else city_schedule()
    return OfficeSchedule.from_json(schedule)


def _aware(moment: datetime) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError("working hours count from a datetime")
    if timezone.is_naive(moment):
        return moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(SHANGHAI)


def _duration(hours) -> timedelta:
    if isinstance(hours, timedelta):
        duration = hours
    elif isinstance(hours, bool) or not isinstance(hours, int | float | Decimal):
        raise TypeError("working hours must be a number or a timedelta")
    else:
        duration = timedelta(seconds=float(Decimal(str(hours)) * 3600))
    if duration < timedelta(0):
        raise ValueError("working hours cannot be negative")
    return duration


def _office_periods(cal: WorkCalendar, schedule: OfficeSchedule, day: date):
    if cal.is_workday(day):
        for start, end in schedule.blocks_for(day):
            begin = datetime.combine(day, start, tzinfo=SHANGHAI)
            finish = (
                datetime.combine(day + timedelta(days=1), time(0), tzinfo=SHANGHAI)
                if end == time.max
                else datetime.combine(day, end, tzinfo=SHANGHAI)
            )
            yield begin, finish


def compute_working_hours(
    start, hours, schedule=None, *, calendar: WorkCalendar | None = None
) -> Computation:
    """add_working_hours with the calendar status of the days it walked."""
    cal = calendar or get_calendar()
    office = resolve_schedule(schedule)
    moment = _aware(start)
    remaining = _duration(hours)
    day = moment.date()
    result = moment
    if remaining:
        for _i in range(MAX_SPAN_DAYS):
            for begin, finish in _office_periods(cal, office, day):
                begin = max(begin, moment)
                if begin >= finish:
                    continue
                if remaining <= finish - begin:
                    result = begin + remaining
                    remaining = timedelta(0)
                    break
                remaining -= finish - begin
            if not remaining:
                break
            day += timedelta(days=1)
        else:
            raise ValueError("a working-hour computation may not span more than ten years")
    status = cal._checked(cal.status_between(moment, result))
    return Computation(start=moment, amount=hours, result=result, status=status)


def add_working_hours(
    start: datetime, hours, schedule=None, *, calendar: WorkCalendar | None = None
) -> datetime:
    """The moment `hours` office hours after `start` (tz-aware, Asia/Shanghai).

    Time outside office hours and on non-working days does not count; a naive `start` is read as
    Asia/Shanghai time. `schedule`: None for the city default, an Organization (its
    office_schedule, or the default when empty), an OfficeSchedule or its JSON value. A limit that
    ends exactly at the close of a block ends then (17:30), not at the next opening.
    """
    return compute_working_hours(start, hours, schedule, calendar=calendar).result


def working_hours_between(
    a: datetime, b: datetime, schedule=None, *, calendar: WorkCalendar | None = None
) -> timedelta:
    """Office time between two moments (negative when b is before a)."""
    cal = calendar or get_calendar()
    office = resolve_schedule(schedule)
    a, b = _aware(a), _aware(b)
    if b < a:
        return -working_hours_between(b, a, office, calendar=cal)
    cal._checked(cal.status_between(a, b))
    total = timedelta(0)
    day = a.date()
    while day <= b.date():
        for begin, finish in _office_periods(cal, office, day):
            overlap = min(finish, b) - max(begin, a)
            if overlap > timedelta(0):
                total += overlap
        day += timedelta(days=1)
    return total
