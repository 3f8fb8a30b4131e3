"""Writes to the calendar table: seeding from chinesecalendar, importing a year's schedule.

Schedule files (CSV or JSON, UTF-8 or GB18030 as Excel saves it):

CSV — one day or date range per line: date, kind, name. A header line and lines starting with
"#" are skipped.

    date,kind,name
    2027-01-01,holiday,元旦
    2027-02-06~2027-02-12,holiday,春节
    2027-02-14,workday,调休上班

JSON — a list of days, or an object with the year, a note and the days:

    {"year": 2027, "note": "国办发明电〔2026〕7号",
     "days": [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}, ...]}

Dates are written 2027-01-01 (or 2027/1/1, 2027年1月1日); a range is two dates joined by "~" or
"至" (at most 31 days). Kind: holiday (also 休, 放假) or workday (also 班, 上班). A holiday needs a
name; an adjusted working day must be a Saturday or Sunday and is named 调休上班 when unnamed.

The import is all-or-nothing. It replaces the schedule of its year (the latest year in the file,
or the year given); days of other years in the file (the State Council sometimes moves the last
days of December) are added or updated one by one. A year that already has a schedule is only
replaced when asked to.
"""

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from django.apps import apps as global_apps
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from doorstep.core.models import CalendarDay, CalendarYear

# chinesecalendar names its holidays in English; the table speaks Chinese.
PACKAGE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
WORKDAY_NAME = "调休上班"
MAX_RANGE_DAYS = 31

HOLIDAY_WORDS = {"holiday", "h", "off", "rest", "休", "假", "放假", "休息", "节假日"}
WORKDAY_WORDS = {"workday", "work", "w", "班", "上班", "补班", "调休上班"}

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$|^(\d{4})(\d{2})(\d{2})$")
_RANGE = re.compile(r"\s*(?:~|～|\.\.|至|到|—|–)\s*")


# --- seeding from the package ----------------------------------------------------------------


def package_schedule() -> dict[int, list[tuple[date, bool, str]]]:
    """The days chinesecalendar knows, by year, with Chinese names."""
    import chinese_calendar

    by_year: dict[int, list[tuple[date, bool, str]]] = {}
    for day, name in chinese_calendar.holidays.items():
        by_year.setdefault(day.year, []).append((day, False, PACKAGE_NAMES.get(name, name)))
    for day, name in chinese_calendar.workdays.items():
        label = PACKAGE_NAMES.get(name, name)
        by_year.setdefault(day.year, []).append((day, True, f"{WORKDAY_NAME}（{label}）"))
    return by_year


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chinesecalendar")
    except PackageNotFoundError:  # pragma: no cover
        return "?"


def seed_from_package(*, apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> list[int]:
    """Add the years chinesecalendar knows and the table lacks; never touch existing years.

    Runs after every `migrate` (post_migrate), so a fresh database, the test database and a
    database migrated after upgrading the package all get the package's years. Days already in
    the table (entered by hand for a year without a schedule) are kept.
    """
    year_model = apps.get_model("core", "CalendarYear")
    day_model = apps.get_model("core", "CalendarDay")
    have = set(year_model.objects.using(using).values_list("year", flat=True))
    schedule = package_schedule()
    missing = sorted(set(schedule) - have)
    if not missing:
        return []
    taken = set(
        day_model.objects.using(using)
        .filter(date__gte=date(missing[0], 1, 1), date__lte=date(missing[-1], 12, 31))
        .values_list("date", flat=True)
    )
    now = timezone.now()
    rows = [
        day_model(date=d, is_workday=w, name=n)
        for year in missing
        for d, w, n in sorted(schedule[year])
        if d not in taken
    ]
    note = f"chinesecalendar {package_version()}"
    with transaction.atomic(using=using):
        day_model.objects.using(using).bulk_create(rows, batch_size=500)
        year_model.objects.using(using).bulk_create(
            [year_model(year=y, source="package", imported_at=now, note=note) for y in missing]
        )
    return missing


# --- schedule files --------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleEntry:
    line: int
    day: date
    is_workday: bool
    name: str


@dataclass(frozen=True)
class ParsedSchedule:
    entries: tuple[ScheduleEntry, ...]
    year: int | None = None
    note: str = ""


@dataclass(frozen=True)
class ImportResult:
    years: tuple[int, ...]  # the years whose schedule was replaced or created
    days: int  # days written in those years
    other_days: int  # days of other years added or updated one by one
    replaced: tuple[int, ...]  # of `years`, those that had a schedule before
    dry_run: bool = False


class ScheduleFileError(ValidationError):
    """A schedule file with mistakes; `.messages` names each bad line."""


def _decode(content) -> str:
    if isinstance(content, str):
        return content
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ScheduleFileError([_("The file is neither UTF-8 nor GB18030 (GBK) text.")])


def _parse_date(text: str) -> date | None:
    match = _DATE.match(text.strip())
    if not match:
        return None
    y, m, d = (int(g) for g in (match.groups()[:3] if match.group(1) else match.groups()[3:]))
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _parse_dates(text: str) -> list[date]:
    """One date or a range; raises ValueError with the message to show."""
    text = unicodedata.normalize("NFKC", str(text or "")).strip()
    if not text:
        raise ValueError(_("the date is missing."))
    bounds = _RANGE.split(text)
    if len(bounds) > 2:
        raise ValueError(
            _("“%(value)s” is not a date or a range like 2027-10-01~2027-10-07.") % {"value": text}
        )
    days = [_parse_date(b) for b in bounds]
    if None in days:
        raise ValueError(_("“%(value)s” is not a real date like 2027-01-01.") % {"value": text})
    first, last = days[0], days[-1]
    if last < first:
        raise ValueError(_("the range “%(value)s” ends before it starts.") % {"value": text})
    if (last - first).days >= MAX_RANGE_DAYS:
        raise ValueError(_("a date range may cover at most %(n)d days.") % {"n": MAX_RANGE_DAYS})
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _parse_kind(value) -> bool:
    """True for a working day; raises ValueError."""
    if isinstance(value, bool):
        return value
    word = unicodedata.normalize("NFKC", str(value or "")).strip().lower()
    if word in WORKDAY_WORDS:
        return True
    if word in HOLIDAY_WORDS:
        return False
    if not word:
        raise ValueError(_("the kind is missing: write holiday (放假) or workday (上班)."))
    raise ValueError(
        _("the kind “%(value)s” is neither holiday (放假) nor workday (上班).") % {"value": value}
    )


def _entries(number: int, raw_date, raw_kind, raw_name) -> list[ScheduleEntry]:
    """The entries of one line; raises ValueError with the message to show."""
    days = _parse_dates(raw_date)
    is_workday = _parse_kind(raw_kind)
    name = unicodedata.normalize("NFKC", str(raw_name or "")).strip()
    if len(name) > 64:
        raise ValueError(_("the name is longer than 64 characters."))
    if is_workday:
        name = name or WORKDAY_NAME
        for day in days:
            if day.weekday() < 5:
                raise ValueError(
                    _(
                        "%(date)s is a %(weekday)s, a working day anyway; an adjusted working day "
                        "(调休上班) falls on a Saturday or Sunday."
                    )
                    % {"date": day.isoformat(), "weekday": WEEKDAYS[day.weekday()]}
                )
    elif not name:
        raise ValueError(_("a holiday needs a name, like 元旦."))
    return [ScheduleEntry(number, day, is_workday, name) for day in days]


def _csv_rows(text: str):
    lines = text.replace("，", ",").splitlines()
    delimiter = "\t" if any("\t" in ln for ln in lines) and not any("," in ln for ln in lines) else ","
    for number, row in enumerate(csv.reader(lines, delimiter=delimiter), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        yield number, cells


def parse_schedule_file(content, *, filename: str = "") -> ParsedSchedule:
    """Read a CSV or JSON schedule file; raise ScheduleFileError listing every bad line."""
    text = _decode(content).lstrip("\ufeff")
    is_json = filename.lower().endswith(".json") or text.lstrip()[:1] in ("{", "[")
    errors: list[str] = []
    entries: list[ScheduleEntry] = []
    year = None
    note = ""
    if is_json:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ScheduleFileError([_("The file is not valid JSON: %(error)s") % {"error": exc}]) from None
        if isinstance(data, dict):
            items = data.get("days")
            note = str(data.get("note") or "")[:200]
            if data.get("year") is not None:
                try:
                    year = int(data["year"])
                except (TypeError, ValueError):
                    errors.append(_("“year” must be a number like 2027."))
        else:
            items = data
        if not isinstance(items, list):
            raise ScheduleFileError([_('A JSON schedule is a list of days or an object with a "days" list.')])
        label = _("Entry %(line)d: %(error)s")
        for number, item in enumerate(items, start=1):
            try:
                if not isinstance(item, dict):
                    raise ValueError(
                        _(
                            'each day is an object like {"date": "2027-01-01", "kind": "holiday", "name": "元旦"}.'
                        )
                    )
                kind = item["is_workday"] if "is_workday" in item else item.get("kind")
                entries += _entries(number, item.get("date"), kind, item.get("name"))
            except ValueError as exc:
                errors.append(label % {"line": number, "error": exc})
    else:
        label = _("Line %(line)d: %(error)s")
        header_seen = False
        for number, cells in _csv_rows(text):
            if not header_seen and not entries and cells[0].lower() in ("date", "日期"):
                header_seen = True
                continue
            try:
                if len(cells) < 2 or len(cells) > 3:
                    raise ValueError(_("expected three columns: date, kind (holiday/workday), name."))
                entries += _entries(number, cells[0], cells[1], cells[2] if len(cells) > 2 else "")
            except ValueError as exc:
                errors.append(label % {"line": number, "error": exc})
    seen: dict[date, int] = {}
    line_label = _("Entry %(line)d: %(error)s") if is_json else _("Line %(line)d: %(error)s")
    for entry in entries:
        other = seen.setdefault(entry.day, entry.line)
        if other != entry.line:
            errors.append(
                line_label
                % {
                    "line": entry.line,
                    "error": _("%(date)s is already listed (line %(other)d).")
                    % {"date": entry.day.isoformat(), "other": other},
                }
            )
    if not entries and not errors:
        errors.append(_("The file lists no days."))
    if errors:
        raise ScheduleFileError(errors)
    return ParsedSchedule(entries=tuple(entries), year=year, note=note)


def import_schedule(
    content,
    *,
    filename: str = "",
    year: int | None = None,
    replace: bool = False,
    note: str = "",
    dry_run: bool = False,
) -> ImportResult:
    """Load a schedule file into the calendar, all or nothing; raise ScheduleFileError."""
    parsed = parse_schedule_file(content, filename=filename)
    target = year or parsed.year or max(e.day.year for e in parsed.entries)
    note = (note or parsed.note or _("imported from %(file)s") % {"file": filename or _("a file")})[:200]
    mine = [e for e in parsed.entries if e.day.year == target]
    others = [e for e in parsed.entries if e.day.year != target]
    if not mine:
        raise ScheduleFileError([_("The file has no days in %(year)d.") % {"year": target}])
    with transaction.atomic():
        existing = CalendarYear.objects.select_for_update().filter(year=target).first()
        if existing and not replace:
            raise ScheduleFileError(
                [
                    _(
                        "%(year)d already has a schedule (source: %(source)s). Choose “replace” to overwrite it."
                    )
                    % {"year": target, "source": existing.get_source_display()}
                ]
            )
        if not dry_run:
            CalendarDay.objects.filter(date__gte=date(target, 1, 1), date__lte=date(target, 12, 31)).delete()
            CalendarDay.objects.bulk_create(
                [CalendarDay(date=e.day, is_workday=e.is_workday, name=e.name) for e in mine]
            )
            for e in others:
                CalendarDay.objects.update_or_create(
                    date=e.day, defaults={"is_workday": e.is_workday, "name": e.name}
                )
            CalendarYear.objects.update_or_create(
                year=target,
                defaults={"source": CalendarYear.Source.IMPORT, "imported_at": timezone.now(), "note": note},
            )
    return ImportResult(
        years=(target,),
        days=len(mine),
        other_days=len(others),
        replaced=(target,) if existing else (),
        dry_run=dry_run,
    )


def export_schedule(year: int) -> str:
    """A year's rows as a CSV schedule file (the import format)."""
    meta = CalendarYear.objects.filter(year=year).first()
    out = io.StringIO()
    out.write(
        f"# {year} {meta.get_source_display() if meta else ''} {meta.note if meta else ''}".rstrip() + "\n"
    )
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "kind", "name"])
    for day in CalendarDay.objects.filter(date__year=year).order_by("date"):
        writer.writerow([day.date.isoformat(), "workday" if day.is_workday else "holiday", day.name])
    return out.getvalue()
