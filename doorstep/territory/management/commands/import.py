"""`doorstep import FILE.xlsx [--dry-run] [--as USERNAME]`: import a roster workbook (台账).

Every row is checked first; if any is wrong nothing is written, the full report goes to
stderr and the command exits with status 2. Without --as the import covers the whole
territory (an administrator at the console); with --as it is limited to that user's area.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from doorstep.territory.roster import services
from doorstep.territory.roster.report import COUNT_LABELS


class Command(BaseCommand):
    help = "Import a roster workbook (.xlsx): check every row, then write all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx workbook")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--as", dest="username", help="import with this user's rights and area")

    def handle(self, *args, file, dry_run, username, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": file}, returncode=2)
        user = None
        if username:
            try:
                user = get_user_model().objects.get(username=username)
            except get_user_model().DoesNotExist:
                raise CommandError(_("No such user: %(name)s") % {"name": username}, returncode=2) from None
        try:
            with path.open("rb") as source:
                report = services.import_roster(source, user=user, dry_run=dry_run)
        except services.RosterError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if not report.ok:
            self.stderr.write(report.as_text(services.SHEET_ORDER))
            raise CommandError(report.summary(), returncode=2)
        for title in services.SHEET_ORDER:
            counts = report.counts.get(title)
            if counts:
                figures = "  ".join(f"{COUNT_LABELS[k]} {getattr(counts, k)}" for k in COUNT_LABELS)
                self.stdout.write(f"{title}: {figures}")
        for notice in report.notices:
            self.stdout.write(notice)
        self.stdout.write(report.summary() + " " + _("(%(seconds).1f s)") % {"seconds": report.seconds})
