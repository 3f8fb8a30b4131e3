"""`doorstep calendar`: the work calendar from the command line, answers in JSON.

    doorstep calendar add 2025-09-30 5                 the 5th working day after receipt
    doorstep calendar add 2025-09-30T16:00 8 --hours   8 office hours later
    doorstep calendar check 2025-10-11                 is it a working day?
    doorstep calendar status                           which years have a schedule
    doorstep calendar import 2027.csv [--replace]      load next year's schedule (all or nothing)
    doorstep calendar export 2027                      a year as an importable CSV file

Bad input prints the reason on stderr and exits with status 2.
"""

import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core import workcalendar
from doorstep.core.models import CalendarDay, CalendarYear
from doorstep.core.workcalendar import services

USAGE_ERROR = 2


def _fail(message: str):
    return CommandError(message, returncode=USAGE_ERROR)


def _parse_start(text: str, *, hours: bool) -> date | datetime:
    text = text.strip()
    try:
        if hours:
            if len(text) == 10:
                return datetime.fromisoformat(text).replace(tzinfo=workcalendar.hours.SHANGHAI)
            moment = datetime.fromisoformat(text.replace(" ", "T"))
            return moment if timezone.is_aware(moment) else moment.replace(tzinfo=workcalendar.hours.SHANGHAI)
        return date.fromisoformat(text)
    except ValueError:
        if hours:
            raise _fail(
                _("“%(value)s” is not a date or time like 2025-09-30 or 2025-09-30T16:00.") % {"value": text}
            ) from None
        raise _fail(_("“%(value)s” is not a date like 2025-09-30.") % {"value": text}) from None


class Command(BaseCommand):
    help = "Work calendar: working-day and working-hour arithmetic, status, import and export of schedules."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{add,check,status,import,export}")

        add = sub.add_parser("add", help="The date N working days (or hours) after DATE.")
        add.add_argument("date", help="Start: 2025-09-30, or 2025-09-30T16:00 with --hours.")
        add.add_argument("n", help="Number of working days (integer; may be negative) or hours.")
        add.add_argument("--hours", action="store_true", help="N is working hours within office hours.")
        add.add_argument(
            "--count-start-day",
            action="store_true",
            help="Count DATE itself as day 1 when it is a working day (default: count from the next day).",
        )
        add.add_argument("--org", type=int, help="Use this organisation's office hours (with --hours).")
        add.add_argument("--schedule", help="Office hours as JSON (with --hours).")

        check = sub.add_parser("check", help="Whether a date is a working day.")
        check.add_argument("date")

        sub.add_parser("status", help="Years with a schedule, and what is missing.")

        load = sub.add_parser("import", help="Load a year's schedule from a CSV or JSON file.")
        load.add_argument("file")
        load.add_argument(
            "--year", type=int, help="The schedule's year (default: the latest year in the file)."
        )
        load.add_argument(
            "--replace", action="store_true", help="Overwrite a year that already has a schedule."
        )
        load.add_argument("--note", default="", help="For example the notice the schedule comes from.")
        load.add_argument("--dry-run", action="store_true", help="Check the file, write nothing.")

        export = sub.add_parser("export", help="Print a year's schedule as an importable CSV file.")
        export.add_argument("year", type=int)

    def handle(self, *args, action, **options):
        getattr(self, f"do_{action}")(**options)

    def emit(self, data) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=None))

    # --- actions -------------------------------------------------------------------------------

    def do_add(self, *, date, n, hours, count_start_day, org, schedule, **_options):
        start = _parse_start(date, hours=hours)
        if not hours:
            if org is not None or schedule:
                raise _fail(_("--org and --schedule only apply with --hours."))
            try:
                days = int(n)
            except ValueError:
                raise _fail(_("“%(value)s” is not a whole number of working days.") % {"value": n}) from None
            result = workcalendar.compute_working_days(start, days, count_from_next_day=not count_start_day)
            out = {
                "start": start.isoformat(),
                "working_days": days,
                "result": result.result.isoformat(),
                "fallback": result.fallback,
            }
        else:
            try:
                amount = Decimal(n)
                if not amount.is_finite() or amount < 0:
                    raise InvalidOperation
            except InvalidOperation:
                raise _fail(
                    _("“%(value)s” is not a number of working hours (0 or more).") % {"value": n}
                ) from None
            office = self._schedule(org, schedule)
            result = workcalendar.compute_working_hours(start, amount, office)
            out = {
                "start": result.start.isoformat(),
                "working_hours": int(amount) if amount == amount.to_integral_value() else float(amount),
                "result": result.result.isoformat(),
                "fallback": result.fallback,
                "office_hours": office.to_json(),
            }
        if result.fallback:
            out["missing_years"] = list(result.status.missing_years)
            out["warning"] = result.status.message
        self.emit(out)

    def _schedule(self, org, schedule):
        try:
            if org is not None:
                organization_model = apps.get_model("territory", "Organization")
                try:
                    return workcalendar.resolve_schedule(organization_model.objects.get(pk=org))
                except organization_model.DoesNotExist:
                    raise _fail(_("There is no organisation with id %(id)s.") % {"id": org}) from None
            return workcalendar.resolve_schedule(schedule)
        except ValidationError as exc:
            raise _fail(" ".join(exc.messages)) from None

    def do_check(self, *, date, **_options):
        day = _parse_start(date, hours=False)
        cal = workcalendar.get_calendar()
        status = cal.status([day.year])
        out = {
            "date": day.isoformat(),
            "workday": cal.is_workday(day),
            "name": cal.day_name(day),
            "fallback": status.fallback,
        }
        if status.fallback:
            out["warning"] = status.message
        self.emit(out)

    def do_status(self, **_options):
        years = []
        for row in CalendarYear.objects.order_by("year"):
            days = CalendarDay.objects.filter(date__year=row.year)
            years.append(
                {
                    "year": row.year,
                    "source": row.source,
                    "holidays": days.filter(is_workday=False).count(),
                    "adjusted_workdays": days.filter(is_workday=True).count(),
                    "loaded_at": timezone.localtime(row.imported_at).isoformat() if row.imported_at else None,
                    "note": row.note,
                }
            )
        status = workcalendar.calendar_status()
        self.emit(
            {
                "years": years,
                "missing": list(status.missing_years),
                "warning": status.message,
            }
        )

    def do_import(self, *, file, year, replace, note, dry_run, **_options):
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise _fail(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc.strerror}
            ) from None
        try:
            result = services.import_schedule(
                content, filename=path.name, year=year, replace=replace, note=note, dry_run=dry_run
            )
        except services.ScheduleFileError as exc:
            raise _fail("\n".join([_("Nothing was imported:"), *exc.messages])) from None
        self.emit(
            {
                "year": result.years[0],
                "days": result.days,
                "other_days": result.other_days,
                "replaced": bool(result.replaced),
                "dry_run": result.dry_run,
            }
        )

    def do_export(self, *, year, **_options):
        if (
            not CalendarYear.objects.filter(year=year).exists()
            and not CalendarDay.objects.filter(date__year=year).exists()
        ):
            raise _fail(_("%(year)d has no schedule to export.") % {"year": year})
        self.stdout.write(services.export_schedule(year), ending="")
