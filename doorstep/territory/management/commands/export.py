"""`doorstep export FILE.xlsx [--region CODE] [--template]`: write a roster workbook (台账).

Names, phones and ID numbers are masked. `--full --as USERNAME --reason TEXT` reveals what
that user's roles may see over the region, and logs the export as personal-data access.
`--template` writes the empty template with its instructions instead.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from doorstep.territory.models import Region
from doorstep.territory.roster import schema, services


class Command(BaseCommand):
    help = "Export the roster of a region (masked) to an .xlsx workbook, or write the empty template."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx workbook to write")
        parser.add_argument("--region", help="code of the region to export (default: everything in reach)")
        parser.add_argument("--template", action="store_true", help="write the empty template")
        parser.add_argument("--as", dest="username", help="export with this user's rights and area")
        parser.add_argument(
            "--full", action="store_true", help="personal data in full (needs --as and --reason)"
        )
        parser.add_argument("--reason", default="", help="why personal data is exported in full (logged)")

    def handle(self, *args, file, region, template, username, full, reason, **options):
        if not file.lower().endswith(".xlsx"):
            raise CommandError(_("The file name must end in .xlsx."), returncode=2)
        if template:
            services.write_template(file)
            self.stdout.write(_("Template written to %(file)s") % {"file": file})
            return
        user = None
        if username:
            try:
                user = get_user_model().objects.get(username=username)
            except get_user_model().DoesNotExist:
                raise CommandError(_("No such user: %(name)s") % {"name": username}, returncode=2) from None
        root = None
        if region:
            root = Region.objects.filter(code=region).first()
            if root is None:
                raise CommandError(_("No region has the code %(code)s.") % {"code": region}, returncode=2)
        try:
            result = services.export_roster(file, user=user, region=root, full=full, reason=reason)
        except services.RosterError as exc:
            raise CommandError(str(exc), returncode=2) from None
        for sheet in schema.SHEETS:
            self.stdout.write(f"{sheet.title}: {result.counts.get(sheet.key, 0)}")
        self.stdout.write(_("Roster written to %(file)s") % {"file": file})
